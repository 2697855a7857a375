import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Alert, AlertPage, ListAlertsQuery } from '../../contracts/alerts.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import { decodeCursor, encodeCursor } from '../../platform/db/keyset.js';
import type { Database, Row } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden } from '../../platform/http/problem.js';
import type { OrderedEventSource, StreamEvent } from '../../platform/realtime/ordered-stream.js';
import type { AlertsRepository } from './repository.js';

/** Bus channel on which every process hears of new alerts (for the authorities' streams). */
export const ALERTS_CHANNEL = 'alerts';
/** SSE event name of an alert. */
export const ALERT_EVENT = 'alert';
/** A stream opened without Last-Event-ID starts with the alerts of this last period. */
const FRESH_STREAM_HISTORY_MS = 24 * 3_600_000;

export type AlertDraft = Omit<Alert, 'id' | 'seq' | 'raised_at' | 'title' | 'kind'>;

interface AlertBusEvent {
  readonly type: 'alert';
  readonly alert: Alert;
}

function isAlertEvent(payload: unknown): payload is AlertBusEvent {
  const p = payload as { type?: unknown; alert?: { seq?: unknown } } | null;
  return typeof p === 'object' && p !== null && p.type === 'alert' && Number.isSafeInteger(p.alert?.seq);
}

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/** The plain-words headline of a cluster alert. */
export function alertTitle(draft: AlertDraft): string {
  const c = draft.cluster;
  const where =
    c.radius_rings === 0
      ? `in one area (H3 cell ${c.centre_cell})`
      : `within ${c.radius_rings} ring${c.radius_rings === 1 ? '' : 's'} of H3 cell ${c.centre_cell} (${c.cells.length} cells)`;
  const when = c.start_date === c.end_date ? `on ${c.end_date}` : `from ${c.start_date} to ${c.end_date}`;
  const ratio = round(c.observed_over_expected, 1);
  const ri = Math.round(c.recurrence_interval_days);
  return `Cluster of ${c.observed} cases ${where} ${when}: ${ratio} times the ${round(c.expected, 1)} expected; recurrence interval ${ri} days`;
}

export function presentAlert(row: Row<'alerts'>): Alert {
  return JSON.parse(row.payload) as Alert;
}

/** Something that sends due webhook deliveries soon (the dispatcher). */
export interface DeliveryKicker {
  kick(): void;
}

/**
 * Alerts to authorities: raised when a cluster becomes significant, stored with one webhook delivery per
 * configured URL in the same transaction (the outbox), announced on the bus after commit (live SSE streams),
 * listed and replayed for authorities. No personal data: cells, counts and dates only.
 */
export class AlertsService {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly bus: EventBus,
    private readonly webhookUrls: readonly string[],
    private readonly log: FastifyBaseLogger,
    private readonly deliveries: DeliveryKicker | null,
  ) {}

  /**
   * In the caller's transaction (which must serialise alert creation): the alert of a newly tracked cluster and
   * its webhook deliveries. Null when that cluster already has an alert (idempotent).
   */
  async raiseIn(trx: Kysely<Database>, clusterId: string, draft: AlertDraft, now: number): Promise<Alert | null> {
    const id = randomUUID();
    const seq = await this.alerts.nextSeq(trx);
    const alert: Alert = {
      id,
      seq,
      kind: 'cluster',
      raised_at: new Date(now).toISOString(),
      title: alertTitle(draft),
      cluster: draft.cluster,
      scan: draft.scan,
    };
    const inserted = await this.alerts.insertAlert(trx, {
      id,
      seq,
      kind: 'cluster',
      cluster_id: clusterId,
      payload: JSON.stringify(alert),
      created_at: now,
    });
    if (!inserted) return null;
    await this.alerts.insertDeliveries(
      trx,
      this.webhookUrls.map((url) => ({
        id: randomUUID(),
        alert_id: id,
        url,
        state: 'pending' as const,
        next_attempt_at: now,
        created_at: now,
      })),
    );
    return alert;
  }

  /** After the alerts' transaction committed: live streams in every process, and the webhooks. */
  async announce(alerts: readonly Alert[]): Promise<void> {
    for (const alert of alerts) {
      this.log.warn(
        { alert_id: alert.id, seq: alert.seq, cluster_id: alert.cluster.id, observed: alert.cluster.observed },
        alert.title,
      );
      const event: AlertBusEvent = { type: 'alert', alert };
      await this.bus
        .publish(ALERTS_CHANNEL, event)
        .catch((error: unknown) =>
          this.log.warn({ err: error }, 'alert not published on the bus; streams replay it from the database'),
        );
    }
    if (alerts.length > 0) this.deliveries?.kick();
  }

  alertIdsForClusters(trx: Kysely<Database>, clusterIds: readonly string[]): Promise<Map<string, string>> {
    return this.alerts.idsForClusters(trx, clusterIds);
  }

  async list(actor: AuthenticatedPrincipal, query: ListAlertsQuery): Promise<AlertPage> {
    assertAuthority(actor);
    const limit = query.limit ?? 100;
    let beforeSeq: number | undefined;
    if (query.cursor !== undefined) {
      const keyset = decodeCursor(query.cursor);
      if (keyset === null) throw badRequest('querystring/cursor is not a cursor this server issued');
      beforeSeq = keyset.at;
    }
    const sinceMs = query.since === undefined ? undefined : Date.parse(query.since);
    if (sinceMs !== undefined && Number.isNaN(sinceMs))
      throw badRequest('querystring/since must be an ISO 8601 date-time');
    const rows = await this.alerts.list(limit, {
      ...(beforeSeq === undefined ? {} : { beforeSeq }),
      ...(sinceMs === undefined ? {} : { sinceMs }),
    });
    const items = rows.slice(0, limit);
    const counts = await this.alerts.deliveryCounts(items.map((r) => r.id));
    const last = items[items.length - 1];
    return {
      alerts: items.map((row) => ({
        ...presentAlert(row),
        webhooks: counts.get(row.id) ?? { delivered: 0, pending: 0, failed: 0 },
      })),
      next_cursor: rows.length > limit && last !== undefined ? encodeCursor({ at: last.seq, id: last.id }) : null,
    };
  }

  /** The authorities' alert stream: ids are the alerts' consecutive numbers. */
  streamSource(actor: AuthenticatedPrincipal): OrderedEventSource {
    assertAuthority(actor);
    const toEvent = (alert: Alert): StreamEvent => ({ id: alert.seq, event: ALERT_EVENT, data: alert });
    return {
      channel: ALERTS_CHANNEL,
      consecutiveIds: true,
      replay: async (afterId, limit) => {
        const position =
          afterId === undefined ? { sinceMs: Date.now() - FRESH_STREAM_HISTORY_MS } : { afterSeq: afterId };
        const rows = await this.alerts.stream(position, limit);
        return rows.map((row) => toEvent(presentAlert(row)));
      },
      fromBus: (payload) => (isAlertEvent(payload) ? toEvent(payload.alert) : null),
    };
  }
}

function assertAuthority(actor: AuthenticatedPrincipal): void {
  if (actor.kind !== 'staff' || actor.role !== 'authority') throw forbidden('alerts are for public-health authorities');
}
