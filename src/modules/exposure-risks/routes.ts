import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { ExposureRiskPage, ListExposureRisksQuery } from '../../contracts/exposure-risks.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { ExposureRisksService } from './service.js';

export const exposureRisksRoutes: FastifyPluginAsyncTypebox<{ exposureRisks: ExposureRisksService }> = async (
  app,
  { exposureRisks },
) => {
  app.get(
    '/exposure_risks',
    {
      preValidation: requireRole('user', 'health_professional', 'authority', 'admin'),
      schema: {
        tags: ['exposure risks'],
        operationId: 'listExposureRisks',
        summary: 'Retrieve a list of exposure risks for a given interaction',
        description:
          'Each risk carries the factors it was computed from (minutes, proximity, infectiousness, report type, model version).',
        security: BearerSecurity,
        querystring: ListExposureRisksQuery,
        response: withProblems({ 200: ExposureRiskPage }, [400, 401, 403, 404, 429]),
      },
    },
    async (request) => exposureRisks.listForInteraction(authenticated(request), request.query, request.id),
  );
};
