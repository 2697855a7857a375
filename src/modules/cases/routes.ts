import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { Case, CasePage, CreateCaseBody, ListCasesQuery } from '../../contracts/cases.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { CasesService } from './service.js';

export const casesRoutes: FastifyPluginAsyncTypebox<{ cases: CasesService }> = async (app, { cases }) => {
  app.post(
    '/cases',
    {
      preValidation: requireRole('health_professional'),
      schema: {
        tags: ['cases'],
        summary: 'Confirm a case (health professional)',
        description:
          'Records a confirmed test or clinical diagnosis for an app user and starts the trace of their contacts. 201 with a new case; 200 when the person already had an active case, which is upgraded (e.g. a self-report now confirmed: the same exposure risks are recomputed, never duplicated). The caller manages a new case.',
        security: BearerSecurity,
        body: CreateCaseBody,
        response: withProblems({ 201: Case, 200: Case }, [400, 401, 403, 404, 413, 415, 429]),
      },
    },
    async (request, reply) => {
      const result = await cases.confirm(authenticated(request), request.body, request.id);
      return reply.code(result.created ? 201 : 200).send(result.case);
    },
  );

  app.get(
    '/cases',
    {
      preValidation: requireRole('health_professional'),
      schema: {
        tags: ['cases'],
        summary: 'List the cases the caller manages',
        security: BearerSecurity,
        querystring: ListCasesQuery,
        response: withProblems({ 200: CasePage }, [400, 401, 403, 429]),
      },
    },
    async (request) => cases.listManaged(authenticated(request), request.query),
  );
};
