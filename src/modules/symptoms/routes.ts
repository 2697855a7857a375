import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { ReportSymptomBody, Symptom } from '../../contracts/symptoms.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { SymptomsService } from './service.js';

export const symptomsRoutes: FastifyPluginAsyncTypebox<{ symptoms: SymptomsService }> = async (app, { symptoms }) => {
  app.post(
    '/symptoms',
    {
      preValidation: requireRole('user'),
      schema: {
        tags: ['symptoms'],
        operationId: 'reportSymptom',
        summary: 'Report a symptom and its corresponding date',
        description: 'An app user reports a symptom with its onset date.',
        security: BearerSecurity,
        body: ReportSymptomBody,
        response: withProblems({ 201: Symptom }, [400, 401, 403, 413, 415, 429]),
      },
    },
    async (request, reply) => reply.code(201).send(await symptoms.report(authenticated(request), request.body)),
  );
};
