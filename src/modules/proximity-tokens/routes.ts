import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { ListProximityTokensQuery, ProximityTokenList } from '../../contracts/proximity-tokens.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { ProximityTokensService } from './service.js';

export const proximityTokensRoutes: FastifyPluginAsyncTypebox<{ proximityTokens: ProximityTokensService }> = async (
  app,
  { proximityTokens },
) => {
  app.get(
    '/proximity_tokens',
    {
      preValidation: requireRole('user'),
      schema: {
        tags: ['proximity tokens'],
        operationId: 'proximityTokens',
        summary: "The caller's rotating Bluetooth tokens for the next 24 hours",
        description:
          'One token per 15-minute interval (aligned to the epoch) for 24 hours, starting at the interval containing `from` (default now). ' +
          'The phone broadcasts each token during its interval and records the tokens it hears from others. Tokens look random and ' +
          'cannot be linked to the user or to each other without the server key; asking again returns the same tokens.',
        security: BearerSecurity,
        querystring: ListProximityTokensQuery,
        response: withProblems({ 200: ProximityTokenList }, [400, 401, 403, 429]),
      },
    },
    async (request) => proximityTokens.listForCaller(authenticated(request), request.query),
  );
};
