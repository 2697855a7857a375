import type { Kysely } from 'kysely';
import type { Database, Row } from '../../../platform/db/tables.js';
import { chunks } from './batches.js';

/** Case managers' streams (staff_events) of exposure-risk and case-change events, numbered per staff member. */
export class StaffEventsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Appends events to staff members' streams, numbering them after each one's last event. */
  async insertStaffEvents(
    trx: Kysely<Database>,
    staffId: string,
    payloads: readonly object[],
    now: number,
  ): Promise<number[]> {
    const last = await trx
      .selectFrom('staff_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('staff_id', '=', staffId)
      .executeTakeFirst();
    const first = Number(last?.seq ?? 0) + 1;
    const seqs = payloads.map((_, i) => first + i);
    for (const part of chunks(
      payloads.map((payload, i) => ({
        staff_id: staffId,
        seq: seqs[i]!,
        kind:
          (payload as { type?: unknown }).type === 'case_changed'
            ? ('case_changed' as const)
            : ('exposure_risk' as const),
        payload: JSON.stringify({ ...payload, seq: seqs[i] }),
        created_at: now,
      })),
      200,
    )) {
      await trx.insertInto('staff_events').values(part).execute();
    }
    return seqs;
  }

  /** A staff member's events after `afterSeq` (or since `sinceMs` when no position is known), oldest first. */
  staffEvents(
    staffId: string,
    position: { afterSeq: number } | { sinceMs: number },
    limit: number,
  ): Promise<Row<'staff_events'>[]> {
    let query = this.db.selectFrom('staff_events').selectAll().where('staff_id', '=', staffId);
    query =
      'afterSeq' in position
        ? query.where('seq', '>', position.afterSeq)
        : query.where('created_at', '>=', position.sinceMs);
    return query.orderBy('seq').limit(limit).execute();
  }
}
