import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, IsoDateTime, NextCursor, PageQuery, Uuid } from './common.js';

/** The facts an exposure notification was written from; nothing in them is about the source person. */
export const ExposureDetails = Type.Object(
  {
    contact_kind: Type.Union([Type.Literal('proximity'), Type.Literal('venue'), Type.Literal('gps')], {
      description: 'proximity: Bluetooth encounter; venue: same venue at the same time; gps: same place by location',
    }),
    place: Type.Union([Type.String(), Type.Null()], {
      description: 'Venue code (venue), H3 cell (gps), null (proximity)',
    }),
    venue_name: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description: 'The name the venue was registered under (venue contacts at a registered venue)',
      }),
    ),
    started_at: IsoDateTime,
    ended_at: IsoDateTime,
    minutes: Type.Number({ description: 'Length of the main contact, in minutes' }),
    episodes: Type.Integer({ description: 'Contacts that day' }),
    total_weighted_minutes: Type.Number({ description: 'Weighted minutes of all contacts that day (risk model)' }),
  },
  { title: 'ExposureDetails' },
);
export type ExposureDetails = Static<typeof ExposureDetails>;

/** What an update notification says changed: the day's tier before and now, and why (never who). */
export const UpdateDetails = Type.Object(
  {
    previous_tier: Type.Union([Type.Literal('medium'), Type.Literal('high')], {
      description: 'The tier the person had been notified of for that day',
    }),
    tier: Type.Union([Type.Literal('low'), Type.Literal('medium')], { description: "The day's tier now" }),
    cause: Type.Union([Type.Literal('negative_test'), Type.Literal('entered_in_error'), Type.Literal('corrected')], {
      description:
        'negative_test / entered_in_error: a case that exposed the person was revoked; corrected: its dates or report were corrected',
    }),
  },
  { title: 'UpdateDetails' },
);
export type UpdateDetails = Static<typeof UpdateDetails>;

export const Notification = Type.Object(
  {
    id: Uuid,
    seq: Type.Integer({
      minimum: 1,
      description: "Position in the person's notifications: the SSE/WebSocket event id",
    }),
    kind: Type.Union([Type.Literal('exposure'), Type.Literal('update')], {
      description:
        "exposure: the day's risk tier rose (to `tier`); update: it fell (to `tier`, from `update.previous_tier`) because a case was revoked or corrected",
    }),
    tier: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]),
    exposure_date: CalendarDate,
    title: Type.String(),
    body: Type.String({
      description: 'Plain-language text: when, where, how long, what the risk means and what to do',
    }),
    details: ExposureDetails,
    update: Type.Optional(UpdateDetails),
    created_at: IsoDateTime,
    acked_at: Type.Union([IsoDateTime, Type.Null()], {
      description: 'When the app acknowledged showing it; null until then',
    }),
  },
  { title: 'Notification' },
);
export type Notification = Static<typeof Notification>;

export const NotificationPage = Type.Object({ notifications: Type.Array(Notification), next_cursor: NextCursor });
export type NotificationPage = Static<typeof NotificationPage>;

export const ListNotificationsQuery = Type.Object(
  {
    unacked: Type.Optional(Type.Boolean({ description: 'true: only notifications not acknowledged yet' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ListNotificationsQuery = Static<typeof ListNotificationsQuery>;

export const NotificationParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export type NotificationParams = Static<typeof NotificationParams>;

const EVENT_ID_PATTERN = '^\\s*\\d{0,15}\\s*$';

export const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      pattern: EVENT_ID_PATTERN,
      description: 'seq of the last notification received: replay what follows it',
    }),
  ),
});

export const WebSocketQuery = Type.Object(
  {
    last_event_id: Type.Optional(
      Type.String({
        pattern: EVENT_ID_PATTERN,
        description: 'seq of the last notification received: replay what follows it',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Bus payload on channel `user:<id>` when a notification is committed (what every process's streams map to events). */
export const NotificationCreatedMessage = Type.Object({
  type: Type.Literal('notification.created'),
  notification: Notification,
});
export type NotificationCreatedMessage = Static<typeof NotificationCreatedMessage>;

/** SSE: `event: notification`, `id: <seq>`, `data: <Notification JSON>`. */
export const NOTIFICATION_EVENT = 'notification';

/** WebSocket frames, server → client. */
export const WsEventMessage = Type.Object({
  type: Type.Literal('event'),
  id: Type.Integer({ description: 'seq of the notification' }),
  event: Type.Literal(NOTIFICATION_EVENT),
  data: Notification,
});
export const WsReadyMessage = Type.Object({
  type: Type.Literal('ready'),
  last_event_id: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Replay done, live from here; id of the last event sent',
  }),
});
export const WsErrorMessage = Type.Object({ type: Type.Literal('error'), detail: Type.String() });
export const WsPongMessage = Type.Object({ type: Type.Literal('pong') });
export const WsServerMessage = Type.Union([WsEventMessage, WsReadyMessage, WsErrorMessage, WsPongMessage]);
export type WsServerMessage = Static<typeof WsServerMessage>;

/** WebSocket frames, client → server. */
export const WsResumeMessage = Type.Object({
  type: Type.Literal('resume'),
  last_event_id: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Replay what follows this seq; null: every unacknowledged one',
  }),
});
export const WsPingMessage = Type.Object({ type: Type.Literal('ping') });
export const WsClientMessage = Type.Union([WsResumeMessage, WsPingMessage]);
export type WsClientMessage = Static<typeof WsClientMessage>;
