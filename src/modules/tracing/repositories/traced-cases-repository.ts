import type { Kysely } from 'kysely';
import type { Database, Row } from '../../../platform/db/tables.js';
import { chunks, ID_CHUNK } from './batches.js';

/** Only the columns matching needs: it runs for every batch of uploads, against every active case. */
export type ActiveCase = Pick<
  Row<'cases'>,
  | 'id'
  | 'user_id'
  | 'report_type'
  | 'onset_date'
  | 'report_date'
  | 'created_at'
  | 'window_start'
  | 'window_end'
  | 'held_at'
>;

/** The cases table as tracing reads and marks it: the case traced, its window, its manager. */
export class TracedCasesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  findCase(id: string): Promise<Row<'cases'> | undefined> {
    return this.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Active cases whose infectious window overlaps [fromMs, toMs). */
  activeCasesOverlapping(fromMs: number, toMs: number): Promise<ActiveCase[]> {
    return this.db
      .selectFrom('cases')
      .select([
        'id',
        'user_id',
        'report_type',
        'onset_date',
        'report_date',
        'created_at',
        'window_start',
        'window_end',
        'held_at',
      ])
      .where('status', '=', 'active')
      .where('window_end', '>', fromMs)
      .where('window_start', '<', toMs)
      .execute();
  }

  async setCaseWindow(caseId: string, windowStart: number, windowEnd: number): Promise<void> {
    await this.db
      .updateTable('cases')
      .set({ window_start: windowStart, window_end: windowEnd })
      .where('id', '=', caseId)
      .execute();
  }

  /** Marks a case traced, with the cell where its person spent most time (cluster detection's place of the case). */
  async markTraced(trx: Kysely<Database>, caseId: string, at: number, cell: string | null): Promise<void> {
    await trx.updateTable('cases').set({ traced_at: at, cell }).where('id', '=', caseId).execute();
  }

  /** Those of these cases still open (stored status 'active'), read in the caller's transaction. */
  async openCaseIds(trx: Kysely<Database>, caseIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunks(caseIds, ID_CHUNK)) {
      const rows = await trx
        .selectFrom('cases')
        .select('id')
        .where('id', 'in', part)
        .where('status', '=', 'active')
        .execute();
      for (const row of rows) out.add(row.id);
    }
    return out;
  }

  /** The staff member managing each of these cases, for those that have one. */
  async managersOf(caseIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks(caseIds, ID_CHUNK)) {
      const rows = await this.db
        .selectFrom('cases')
        .select(['id', 'managed_by'])
        .where('id', 'in', part)
        .where('managed_by', 'is not', null)
        .execute();
      for (const row of rows) out.set(row.id, row.managed_by!);
    }
    return out;
  }
}
