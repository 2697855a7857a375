import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import {
  InteractionPage,
  ListInteractionsQuery,
  UploadInteractionsBody,
  UploadInteractionsResponse,
} from '../../contracts/interactions.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { InteractionsService } from './service.js';

export const interactionsRoutes: FastifyPluginAsyncTypebox<{ interactions: InteractionsService }> = async (
  app,
  { interactions },
) => {
  app.post(
    '/interactions',
    {
      preValidation: requireRole('user'),
      schema: {
        tags: ['interactions'],
        operationId: 'uploadInteractions',
        summary: "Upload a batch of the app's observations",
        description:
          'Up to 1,000 location stays, venue check-ins and Bluetooth proximity encounters. Idempotent by the client-generated `id`: ' +
          'a retried upload returns the stored rows without storing them twice. All or nothing.',
        security: BearerSecurity,
        body: UploadInteractionsBody,
        response: withProblems({ 200: UploadInteractionsResponse }, [400, 401, 403, 409, 413, 415, 429]),
      },
    },
    async (request) => interactions.upload(authenticated(request), request.body),
  );

  app.get(
    '/interactions',
    {
      preValidation: requireRole('user', 'health_professional', 'authority', 'admin'),
      schema: {
        tags: ['interactions'],
        operationId: 'listInteractions',
        summary: 'Retrieve a list of interactions for a given user',
        description:
          'Newest first, paginated. App users list their own; health professionals those of people whose cases they manage (audited).',
        security: BearerSecurity,
        querystring: ListInteractionsQuery,
        response: withProblems({ 200: InteractionPage }, [400, 401, 403, 429]),
      },
    },
    async (request) => interactions.list(authenticated(request), request.query, request.id),
  );
};
