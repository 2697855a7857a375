import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { Case, CasePage, CreateCaseBody, ListCasesQuery } from '../../contracts/cases.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { CasesService } from './service.js';

export const casesRoutes: FastifyPluginAsyncTypebox<{ cases: CasesService }> = async (app, { cases }) => {
  app.post('/cases', {
    preHandler: requireRole('health_professional'),
    schema: {
      tags: ['cases'],
      summary: 'Confirm a case (health professional)',
      description: 'Records a confirmed test or clinical diagnosis for an app user; the caller becomes the case manager.',
      security: BearerSecurity,
      body: CreateCaseBody,
      response: withProblems({ 201: Case }, [400, 401, 403, 404, 413, 415, 429]),
    },
  }, async (request, reply) => reply.code(201).send(await cases.confirm(authenticated(request), request.body, request.id)));

  app.get('/cases', {
    preHandler: requireRole('health_professional'),
    schema: {
      tags: ['cases'],
      summary: 'List the cases the caller manages',
      security: BearerSecurity,
      querystring: ListCasesQuery,
      response: withProblems({ 200: CasePage }, [400, 401, 403, 429]),
    },
  }, async (request) => cases.listManaged(authenticated(request), request.query));
};
