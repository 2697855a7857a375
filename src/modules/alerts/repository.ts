import type { Kysely } from 'kysely';
import type { Database, NewRow, Row, WebhookDeliveryState } from '../../platform/db/tables.js';

export interface ClaimedDelivery {
  readonly id: string;
  readonly alertId: string;
  readonly url: string;
  /** Attempt number of this attempt (1 = first). */
  readonly attempt: number;
  readonly createdAt: number;
  /** The alert as stored (JSON). */
  readonly payload: string;
}

export class AlertsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The next alert number. Callers serialise alert creation (one transaction under the zones lock). */
  async nextSeq(trx: Kysely<Database>): Promise<number> {
    const row = await trx
      .selectFrom('alerts')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0) + 1;
  }

  /** Inserts the alert unless its cluster already has one; true when inserted. */
  async insertAlert(trx: Kysely<Database>, row: NewRow<'alerts'>): Promise<boolean> {
    const inserted = await trx
      .insertInto('alerts')
      .values(row)
      .onConflict((oc) => oc.column('cluster_id').doNothing())
      .returning('id')
      .execute();
    return inserted.length === 1;
  }

  async insertDeliveries(trx: Kysely<Database>, rows: NewRow<'webhook_deliveries'>[]): Promise<void> {
    if (rows.length === 0) return;
    await trx
      .insertInto('webhook_deliveries')
      .values(rows)
      .onConflict((oc) => oc.columns(['alert_id', 'url']).doNothing())
      .execute();
  }

  /** Alert id per tracked cluster id. */
  async idsForClusters(trx: Kysely<Database>, clusterIds: readonly string[]): Promise<Map<string, string>> {
    if (clusterIds.length === 0) return new Map();
    const rows = await trx
      .selectFrom('alerts')
      .select(['id', 'cluster_id'])
      .where('cluster_id', 'in', [...clusterIds])
      .execute();
    return new Map(rows.map((r) => [r.cluster_id, r.id]));
  }

  /** Newest first, before `beforeSeq` when given. */
  list(limit: number, options: { beforeSeq?: number; sinceMs?: number }): Promise<Row<'alerts'>[]> {
    let query = this.db.selectFrom('alerts').selectAll();
    if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq);
    if (options.sinceMs !== undefined) query = query.where('created_at', '>', options.sinceMs);
    return query
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
  }

  /** In stream order: after a position, or (no position) those raised since a time. */
  stream(position: { afterSeq: number } | { sinceMs: number }, limit: number): Promise<Row<'alerts'>[]> {
    let query = this.db.selectFrom('alerts').selectAll();
    query =
      'afterSeq' in position
        ? query.where('seq', '>', position.afterSeq)
        : query.where('created_at', '>=', position.sinceMs);
    return query.orderBy('seq', 'asc').limit(limit).execute();
  }

  async deliveryCounts(alertIds: readonly string[]): Promise<Map<string, Record<WebhookDeliveryState, number>>> {
    const out = new Map<string, Record<WebhookDeliveryState, number>>();
    if (alertIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['alert_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('alert_id', 'in', [...alertIds])
      .groupBy(['alert_id', 'state'])
      .execute();
    for (const row of rows) {
      const counts = out.get(row.alert_id) ?? { delivered: 0, pending: 0, failed: 0 };
      counts[row.state] = Number(row.n);
      out.set(row.alert_id, counts);
    }
    return out;
  }

  /**
   * Claims up to `limit` due deliveries for one attempt each: the attempt count goes up and the next attempt time
   * moves to the end of a lease, so another process (or this one) does not send it meanwhile; if this process dies
   * during the attempt, the delivery is due again when the lease ends.
   */
  async claimDue(now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const due = await this.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'next_attempt_at'])
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    const claimed: ClaimedDelivery[] = [];
    for (const { id, next_attempt_at } of due) {
      const result = await this.db
        .updateTable('webhook_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: now + leaseMs }))
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where('next_attempt_at', '=', next_attempt_at)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) continue; // another process claimed it first
      const row = await this.db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('alerts as a', 'a.id', 'd.alert_id')
        .select(['d.id', 'd.alert_id', 'd.url', 'd.attempts', 'd.created_at', 'a.payload'])
        .where('d.id', '=', id)
        .executeTakeFirst();
      if (row !== undefined)
        claimed.push({
          id: row.id,
          alertId: row.alert_id,
          url: row.url,
          attempt: row.attempts,
          createdAt: row.created_at,
          payload: row.payload,
        });
    }
    return claimed;
  }

  async markDelivered(id: string, at: number, status: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ state: 'delivered', delivered_at: at, last_status: status, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(
    id: string,
    nextAttemptAt: number,
    status: number | null,
    error: string,
    giveUp: boolean,
  ): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        state: giveUp ? 'failed' : 'pending',
        next_attempt_at: nextAttemptAt,
        last_status: status,
        last_error: error,
      })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .execute();
  }

  /** When the earliest pending delivery is due (or its lease ends), or null when none is pending. */
  async nextDueAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }
}
