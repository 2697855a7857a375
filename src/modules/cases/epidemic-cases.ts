import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/tables.js';

/** One case as analytics and cluster detection see it, whether an app user's or from an imported line list. */
export interface EpidemicCase {
  readonly id: string;
  readonly origin: 'app' | 'line_list';
  readonly onset_date: string | null;
  readonly report_date: string;
  /** H3 cell at the deployment's H3_RESOLUTION, when known. */
  readonly cell: string | null;
  readonly infector_id: string | null;
}

/**
 * Every case reported in [fromDate, toDate] (inclusive, YYYY-MM-DD): active app cases with a report date,
 * and line-list cases. Queries only: the union is done here so every reader counts the same cases.
 */
export class EpidemicCasesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async reportedBetween(fromDate: string, toDate: string): Promise<EpidemicCase[]> {
    const app = await this.db
      .selectFrom('cases')
      .select(['id', 'onset_date', 'report_date', 'cell'])
      .where('report_date', '>=', fromDate)
      .where('report_date', '<=', toDate)
      .execute();
    const listed = await this.db
      .selectFrom('line_list_cases')
      .select(['id', 'external_id', 'onset_date', 'report_date', 'cell', 'infector_external_id'])
      .where('report_date', '>=', fromDate)
      .where('report_date', '<=', toDate)
      .execute();
    const byExternal = new Map(listed.filter((c) => c.external_id !== null).map((c) => [c.external_id!, c.id]));
    return [
      ...app.map((c) => ({ id: c.id, origin: 'app' as const, onset_date: c.onset_date, report_date: c.report_date!, cell: c.cell, infector_id: null })),
      ...listed.map((c) => ({
        id: c.id,
        origin: 'line_list' as const,
        onset_date: c.onset_date,
        report_date: c.report_date,
        cell: c.cell,
        infector_id: c.infector_external_id === null ? null : (byExternal.get(c.infector_external_id) ?? null),
      })),
    ];
  }
}
