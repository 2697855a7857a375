import type { Kysely } from 'kysely';
import type { Database, NewRow } from '../../platform/db/tables.js';
import type { ListedCaseReport } from '../cases/epidemic-cases.js';

// Keeps IN lists and multi-row inserts well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 500;
const INSERT_CHUNK = 200;

export interface StoredDates {
  readonly external_id: string;
  readonly report_date: string;
  readonly onset_date: string | null;
}

export class LineListRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Line-list cases reported in [fromDate, toDate] (YYYY-MM-DD, inclusive). */
  reportedBetween(fromDate: string, toDate: string): Promise<ListedCaseReport[]> {
    return this.db
      .selectFrom('line_list_cases')
      .select(['id', 'external_id', 'onset_date', 'report_date', 'cell', 'infector_external_id'])
      .where('report_date', '>=', fromDate)
      .where('report_date', '<=', toDate)
      .execute();
  }

  /**
   * Inserts the cases, or updates those already imported under the same external id, all in one transaction.
   * Returns the dates the updated cases had before, so the days they left can be recomputed.
   */
  async upsert(rows: readonly NewRow<'line_list_cases'>[]): Promise<{ previous: StoredDates[] }> {
    return this.db.transaction().execute(async (trx) => {
      const previous: StoredDates[] = [];
      const ids = rows.map((r) => r.external_id).filter((id): id is string => id !== null && id !== undefined);
      for (let i = 0; i < ids.length; i += CHUNK) {
        const found = await trx
          .selectFrom('line_list_cases')
          .select(['external_id', 'report_date', 'onset_date'])
          .where('external_id', 'in', ids.slice(i, i + CHUNK))
          .execute();
        for (const f of found)
          if (f.external_id !== null)
            previous.push({ external_id: f.external_id, report_date: f.report_date, onset_date: f.onset_date });
      }
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('line_list_cases')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .onConflict((oc) =>
            oc.column('external_id').doUpdateSet((eb) => ({
              onset_date: eb.ref('excluded.onset_date'),
              report_date: eb.ref('excluded.report_date'),
              cell: eb.ref('excluded.cell'),
              lat: eb.ref('excluded.lat'),
              lng: eb.ref('excluded.lng'),
              infector_external_id: eb.ref('excluded.infector_external_id'),
              imported_at: eb.ref('excluded.imported_at'),
              imported_by: eb.ref('excluded.imported_by'),
            })),
          )
          .execute();
      }
      return { previous };
    });
  }
}
