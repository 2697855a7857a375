import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { CaseContacts, CaseIdParams } from '../../contracts/tracing.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { CaseContactsService } from './contacts-service.js';

export const tracingRoutes: FastifyPluginAsyncTypebox<{ contacts: CaseContactsService }> = async (app, { contacts }) => {
  app.get('/cases/:id/contacts', {
    preValidation: requireRole('health_professional'),
    schema: {
      tags: ['cases'],
      summary: "A case's contacts with their exposure risks",
      description: 'For the professional managing the case: every exposed person, their daily tiers, whether they were notified, and each risk with its factors. Every person listed is an audited read.',
      security: BearerSecurity,
      params: CaseIdParams,
      response: withProblems({ 200: CaseContacts }, [400, 401, 403, 404, 429]),
    },
  }, async (request) => contacts.list(authenticated(request), request.params.id, request.id));
};
