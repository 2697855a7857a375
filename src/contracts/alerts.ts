import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, IsoDateTime, NextCursor, PageQuery, Uuid } from './common.js';

const H3Cell = Type.String({ pattern: '^[0-9a-f]{15}$', description: 'H3 cell index (hexadecimal)' });

/** The cluster an alert is about, as it was when the alert was raised: cells, days and counts only. */
export const AlertCluster = Type.Object({
  id: Uuid,
  resolution: Type.Integer(),
  centre_cell: H3Cell,
  centre: Type.Object({ lat: Type.Number(), lng: Type.Number() }),
  radius_rings: Type.Integer(),
  cells: Type.Array(H3Cell),
  start_date: CalendarDate,
  end_date: CalendarDate,
  duration_days: Type.Integer(),
  observed: Type.Integer(),
  expected: Type.Number(),
  observed_over_expected: Type.Number(),
  relative_risk: Type.Union([Type.Number(), Type.Null()]),
  llr: Type.Number(),
  p_value: Type.Number(),
  recurrence_interval_days: Type.Number(),
});

export const AlertScan = Type.Object({
  id: Uuid,
  ran_at: IsoDateTime,
  study_start: CalendarDate,
  study_end: CalendarDate,
  total_cases: Type.Integer(),
  replications: Type.Integer(),
});

export const Alert = Type.Object(
  {
    id: Uuid,
    seq: Type.Integer({ minimum: 1, description: 'Position in the alert stream: the SSE event id' }),
    kind: Type.Literal('cluster'),
    raised_at: IsoDateTime,
    title: Type.String(),
    cluster: AlertCluster,
    scan: AlertScan,
  },
  { title: 'Alert' },
);
export type Alert = Static<typeof Alert>;

export const WebhookDeliveries = Type.Object({
  delivered: Type.Integer(),
  pending: Type.Integer(),
  failed: Type.Integer(),
});

export const AlertWithDeliveries = Type.Object(
  { ...Alert.properties, webhooks: WebhookDeliveries },
  { title: 'AlertWithDeliveries' },
);
export type AlertWithDeliveries = Static<typeof AlertWithDeliveries>;

export const ListAlertsQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({ format: 'date-time', maxLength: 40, description: 'Only alerts raised after this time' }),
    ),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ListAlertsQuery = Static<typeof ListAlertsQuery>;

export const AlertPage = Type.Object(
  { alerts: Type.Array(AlertWithDeliveries), next_cursor: NextCursor },
  { title: 'AlertPage' },
);
export type AlertPage = Static<typeof AlertPage>;

/** The body POSTed to each configured webhook (signed: see docs/zones-and-alerts.md). */
export const AlertWebhookBody = Type.Object(
  { type: Type.Literal('cluster_alert'), alert: Alert },
  { title: 'AlertWebhookBody' },
);
export type AlertWebhookBody = Static<typeof AlertWebhookBody>;
