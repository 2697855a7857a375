import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { StreamHeaders } from '../../contracts/notifications.js';
import { CaseContacts, CaseIdParams } from '../../contracts/tracing.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import { createRealtimeHub } from '../../platform/realtime/hub.js';
import type { CaseContactsService } from './contacts-service.js';
import type { StaffStreamService } from './staff-stream.js';

export interface TracingRoutesOptions {
  readonly contacts: CaseContactsService;
  readonly staffStream: StaffStreamService;
  readonly bus: EventBus;
}

export const tracingRoutes: FastifyPluginAsyncTypebox<TracingRoutesOptions> = async (
  app,
  { contacts, staffStream, bus },
) => {
  const hub = createRealtimeHub(app, bus);

  app.get(
    '/exposure_risks/stream',
    {
      preValidation: requireRole('health_professional'),
      schema: {
        tags: ['exposure risks'],
        operationId: 'streamExposureRisks',
        summary: "Live exposure risks of the caller's cases (Server-Sent Events)",
        description:
          'For health professionals: an `exposure_risk` event (case, contact, risk, tier) each time tracing writes or upgrades a risk of a case they manage. ' +
          'Event ids are consecutive per professional: reconnect with `Last-Event-ID` to receive what was missed; without it, the last 24 hours are replayed first.',
        security: BearerSecurity,
        headers: StreamHeaders,
        produces: ['text/event-stream'],
        response: withProblems({ 200: Type.String({ description: 'text/event-stream' }) }, [400, 401, 403, 429, 503]),
      },
    },
    async (request, reply) => {
      await hub.serveSse(request, reply, staffStream.source(authenticated(request)));
    },
  );

  app.get(
    '/cases/:id/contacts',
    {
      preValidation: requireRole('health_professional'),
      schema: {
        tags: ['cases'],
        operationId: 'caseContacts',
        summary: "A case's contacts with their exposure risks",
        description:
          'For the professional managing the case: every exposed person, their daily tiers, whether they were notified, and each risk with its factors. Every person listed is an audited read.',
        security: BearerSecurity,
        params: CaseIdParams,
        response: withProblems({ 200: CaseContacts }, [400, 401, 403, 404, 429]),
      },
    },
    async (request) => contacts.list(authenticated(request), request.params.id, request.id),
  );
};
