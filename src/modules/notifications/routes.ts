// Brings in @fastify/websocket's route options (wsHandler); the plugin itself is registered in app.ts.
import type {} from '@fastify/websocket';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import {
  ListNotificationsQuery,
  Notification,
  NotificationPage,
  NotificationParams,
  StreamHeaders,
  WebSocketQuery,
} from '../../contracts/notifications.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import { HttpProblem } from '../../platform/http/problem.js';
import { createRealtimeHub, type RealtimeOptions } from '../../platform/realtime/hub.js';
import type { NotificationsService } from './service.js';

export interface NotificationsRoutesOptions {
  readonly notifications: NotificationsService;
  readonly bus: EventBus;
  readonly realtime?: RealtimeOptions;
}

const problemContent = { 'application/problem+json': { schema: Type.Ref('Problem') } };

export const notificationsRoutes: FastifyPluginAsyncTypebox<NotificationsRoutesOptions> = async (
  app,
  { notifications, bus, realtime },
) => {
  const hub = createRealtimeHub(app, bus, realtime);

  app.get(
    '/notifications',
    {
      preValidation: requireRole('user'),
      schema: {
        tags: ['notifications'],
        operationId: 'listNotifications',
        summary: "List the caller's exposure notifications",
        description:
          'Newest first (by `seq`), paginated. `unacked=true` lists only those not acknowledged yet: polling this is the fallback for clients without a stream.',
        security: BearerSecurity,
        querystring: ListNotificationsQuery,
        response: withProblems({ 200: NotificationPage }, [400, 401, 403, 429]),
      },
    },
    async (request) => notifications.list(authenticated(request), request.query),
  );

  app.post(
    '/notifications/:id/ack',
    {
      preValidation: requireRole('user'),
      schema: {
        tags: ['notifications'],
        operationId: 'ackNotification',
        summary: 'Acknowledge that the app showed a notification',
        description:
          'Idempotent: acknowledging again returns the notification with the first acknowledgement time. Acknowledged notifications are no longer replayed to a stream opened without Last-Event-ID.',
        security: BearerSecurity,
        params: NotificationParams,
        response: withProblems({ 200: Notification }, [400, 401, 403, 404, 429]),
      },
    },
    async (request) => notifications.ack(authenticated(request), request.params.id),
  );

  app.get(
    '/notifications/stream',
    {
      preValidation: requireRole('user'),
      schema: {
        tags: ['notifications'],
        operationId: 'streamNotifications',
        summary: 'Live notifications as Server-Sent Events',
        description:
          'A `text/event-stream` that stays open. Each notification is an event `notification` whose `id` is its `seq` and whose ' +
          '`data` is the Notification JSON. On connecting, the stream first replays: without `Last-Event-ID`, every ' +
          'unacknowledged notification; with it, every notification after that seq (EventSource sends it by itself when ' +
          'it reconnects). Then it delivers new notifications as they are created, in order, each once. A comment line is ' +
          'sent every 15 s; `retry:` tells the client how soon to reconnect.',
        security: BearerSecurity,
        headers: StreamHeaders,
        produces: ['text/event-stream'],
        response: {
          ...withProblems({}, [400, 401, 403, 429, 503]),
          200: {
            description: 'Event stream (one `notification` event per notification)',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
        },
      },
    },
    async (request, reply) => {
      await hub.serveSse(request, reply, notifications.streamSource(authenticated(request)));
    },
  );

  app.route({
    method: 'GET',
    url: '/notifications/ws',
    preValidation: requireRole('user'),
    schema: {
      tags: ['notifications'],
      operationId: 'notificationsWebSocket',
      summary: 'Live notifications over WebSocket',
      description:
        'Upgrade to a WebSocket (JSON text frames). Server → client: `{"type":"event","id":<seq>,"event":"notification","data":<Notification>}`; ' +
        '`{"type":"ready","last_event_id":<seq|null>}` when the replay is done and live delivery has started; `{"type":"pong"}`; ' +
        '`{"type":"error","detail":"..."}`. Client → server: `{"type":"resume","last_event_id":<seq|null>}` replays what follows that seq ' +
        '(null: every unacknowledged notification); `{"type":"ping"}`. The same replay as the SSE stream happens on connecting, from ' +
        '`?last_event_id=` (or a `Last-Event-ID` header) when given. A plain HTTP request gets 426.',
      security: BearerSecurity,
      querystring: WebSocketQuery,
      headers: StreamHeaders,
      response: {
        ...withProblems({}, [400, 401, 403, 429]),
        101: { description: 'Switching Protocols: the WebSocket is open' },
        426: { description: 'Upgrade Required: connect with a WebSocket client', content: problemContent },
      },
    },
    wsHandler: (socket, request) => {
      hub.serveWebSocket(socket, request, notifications.streamSource(authenticated(request)));
    },
    handler: async (_request, reply) => {
      reply.header('upgrade', 'websocket');
      throw new HttpProblem(
        426,
        'Upgrade Required',
        'this route speaks WebSocket only: connect with a WebSocket client',
      );
    },
  });
};
