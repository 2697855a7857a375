import { sql, type Kysely } from 'kysely';
import { insertRows, isPostgres, type ArrayColumn } from '../../platform/db/column-arrays.js';
import type { Database, Row } from '../../platform/db/tables.js';

export interface NewExposureNotification {
  readonly id: string;
  readonly user_id: string;
  /** Default 'exposure'; 'update' for a tier that fell. */
  readonly kind?: 'exposure' | 'update';
  readonly tier: 'low' | 'medium' | 'high';
  readonly exposure_date: string;
  readonly title: string;
  readonly body: string;
  /** JSON text of the facts the text was written from. */
  readonly data: string;
  readonly created_at: number;
}

/**
 * True for the error of two transactions giving the same person the same seq (unique (user_id, seq)): the caller
 * rolls back and runs its transaction again; the retry reads the new maximum.
 */
export function isNotificationSeqConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code === '23505') return e.constraint === 'notifications_user_seq_uq'; // PostgreSQL unique_violation
  return (
    typeof e.message === 'string' &&
    e.message.includes('UNIQUE constraint failed: notifications.user_id, notifications.seq')
  );
}

const NOTIFICATION_COLUMNS: ReadonlyArray<ArrayColumn<Row<'notifications'>>> = [
  ['id', 'text', (r) => r.id],
  ['user_id', 'text', (r) => r.user_id],
  ['seq', 'int4', (r) => r.seq],
  ['kind', 'text', (r) => r.kind],
  ['tier', 'text', (r) => r.tier],
  ['exposure_date', 'date', (r) => r.exposure_date],
  ['title', 'text', (r) => r.title],
  ['body', 'text', (r) => r.body],
  ['data', 'text', (r) => r.data],
  ['created_at', 'int8', (r) => r.created_at],
  ['acked_at', 'int8', (r) => r.acked_at],
];

export class NotificationsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inserts notifications inside the caller's transaction, each numbered after its person's last seq (several of one
   * person in the order given), so a person's seqs are 1, 2, 3... in commit order with no gap: one read of the
   * people's last seqs, one insert. On SQLite writers are serialised, so two transactions never pick the same seq. On
   * PostgreSQL two concurrent transactions creating a notification for the same person can: the second waits for the
   * first on the unique (user_id, seq) index, then fails (`isNotificationSeqConflict`); retrying the whole
   * transaction is the caller's concern, as is publishing only after the commit.
   */
  async insertExposureNotifications(
    trx: Kysely<Database>,
    inputs: readonly NewExposureNotification[],
  ): Promise<Row<'notifications'>[]> {
    if (inputs.length === 0) return [];
    const next = new Map<string, number>();
    const users = [...new Set(inputs.map((i) => i.user_id))];
    for (let i = 0; i < users.length; i += 500) {
      const rows = await trx
        .selectFrom('notifications')
        .select(['user_id', (eb) => eb.fn.max('seq').as('seq')])
        .where('user_id', 'in', users.slice(i, i + 500))
        .groupBy('user_id')
        .execute();
      for (const row of rows) next.set(row.user_id, Number(row.seq));
    }
    const rows: Row<'notifications'>[] = inputs.map((input) => {
      const seq = (next.get(input.user_id) ?? 0) + 1;
      next.set(input.user_id, seq);
      return { ...input, kind: input.kind ?? 'exposure', seq, acked_at: null };
    });
    if (isPostgres(trx)) await sql`${insertRows('notifications', NOTIFICATION_COLUMNS, rows)}`.execute(trx);
    else
      for (let i = 0; i < rows.length; i += 200)
        await trx
          .insertInto('notifications')
          .values(rows.slice(i, i + 200))
          .execute();
    return rows;
  }

  findById(id: string): Promise<Row<'notifications'> | undefined> {
    return this.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; `beforeSeq` continues a previous page. One row more than `limit` tells there is a next page. */
  list(
    userId: string,
    options: { limit: number; beforeSeq: number | null; unackedOnly: boolean },
  ): Promise<Row<'notifications'>[]> {
    let query = this.db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (options.beforeSeq !== null) query = query.where('seq', '<', options.beforeSeq);
    if (options.unackedOnly) query = query.where('acked_at', 'is', null);
    return query
      .orderBy('seq', 'desc')
      .limit(options.limit + 1)
      .execute();
  }

  /** Marks as acknowledged at `at` unless it already was (the first acknowledgement's time is kept). */
  async ack(id: string, at: number): Promise<Row<'notifications'> | undefined> {
    await this.db
      .updateTable('notifications')
      .set({ acked_at: at })
      .where('id', '=', id)
      .where('acked_at', 'is', null)
      .execute();
    return this.findById(id);
  }

  /** Replay after a reconnect: the person's notifications with seq > `afterSeq`, oldest first. */
  listAfterSeq(userId: string, afterSeq: number, limit: number): Promise<Row<'notifications'>[]> {
    return this.db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
  }

  /** Replay on a first connection: the person's unacknowledged notifications, oldest first. */
  listUnacked(userId: string, limit: number): Promise<Row<'notifications'>[]> {
    return this.db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .where('acked_at', 'is', null)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
  }
}
