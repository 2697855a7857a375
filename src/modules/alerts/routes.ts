import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AlertPage, ListAlertsQuery } from '../../contracts/alerts.js';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { StreamHeaders } from '../../contracts/notifications.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import { createRealtimeHub } from '../../platform/realtime/hub.js';
import type { AlertsService } from './service.js';

export const alertsRoutes: FastifyPluginAsyncTypebox<{ alerts: AlertsService; bus: EventBus }> = async (
  app,
  { alerts, bus },
) => {
  const hub = createRealtimeHub(app, bus);

  app.get(
    '/alerts',
    {
      preValidation: requireRole('authority'),
      schema: {
        tags: ['alerts'],
        operationId: 'listAlerts',
        summary: 'Cluster alerts raised for authorities',
        description:
          'One alert per cluster, raised by the scan that first found it significant (found again later, it raises no new alert). Newest first, paginated; ' +
          'each with how many of its webhook deliveries are delivered, pending or failed. Cells, counts and dates only.',
        security: BearerSecurity,
        querystring: ListAlertsQuery,
        response: withProblems({ 200: AlertPage }, [400, 401, 403, 429]),
      },
    },
    async (request) => alerts.list(authenticated(request), request.query),
  );

  app.get(
    '/alerts/stream',
    {
      preValidation: requireRole('authority'),
      schema: {
        tags: ['alerts'],
        operationId: 'streamAlerts',
        summary: 'Live cluster alerts (Server-Sent Events)',
        description:
          "For authorities: an `alert` event the moment a cluster becomes significant. Event ids are the alerts' consecutive numbers (`seq`): reconnect " +
          'with `Last-Event-ID` to receive what was missed; without it, the alerts of the last 24 hours are replayed first.',
        security: BearerSecurity,
        headers: StreamHeaders,
        produces: ['text/event-stream'],
        response: withProblems({ 200: Type.String({ description: 'text/event-stream' }) }, [400, 401, 403, 429, 503]),
      },
    },
    async (request, reply) => {
      await hub.serveSse(request, reply, alerts.streamSource(authenticated(request)));
    },
  );
};
