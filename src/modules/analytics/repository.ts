import type { Kysely } from 'kysely';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';
import type { NotifiedTier } from './model.js';

// Keeps IN lists and multi-row inserts well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 500;
const INSERT_CHUNK = 200;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export type InsightRow = Omit<NewRow<'epidemiological_insights'>, 'id'>;

/** Queries of the analytics engine and its readers; cases themselves are read through EpidemicCasesRepository. */
export class AnalyticsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async symptomReportTimes(fromMs: number, toMs: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('symptoms')
      .select('reported_at')
      .where('reported_at', '>=', fromMs)
      .where('reported_at', '<', toMs)
      .execute();
    return rows.map((r) => Number(r.reported_at));
  }

  /** The contacts found for these cases: one row per exposure risk. */
  async risksOfCases(
    caseIds: readonly string[],
  ): Promise<Array<{ case_id: string; exposed_user_id: string; exposure_date: string }>> {
    const out: Array<{ case_id: string; exposed_user_id: string; exposure_date: string }> = [];
    for (const ids of chunks(caseIds, CHUNK)) {
      const rows = await this.db
        .selectFrom('exposure_risks')
        .select(['case_id', 'exposed_user_id', 'exposure_date'])
        .where('case_id', 'in', ids)
        .where('exposed_user_id', 'is not', null)
        .execute();
      for (const r of rows)
        if (r.case_id !== null && r.exposed_user_id !== null)
          out.push({ case_id: r.case_id, exposed_user_id: r.exposed_user_id, exposure_date: r.exposure_date });
    }
    return out;
  }

  /** Every notification of these people. */
  async notificationsOf(
    userIds: readonly string[],
  ): Promise<Array<{ user_id: string; tier: NotifiedTier; exposure_date: string; created_at: number }>> {
    const out: Array<{ user_id: string; tier: NotifiedTier; exposure_date: string; created_at: number }> = [];
    for (const ids of chunks(userIds, CHUNK)) {
      const rows = await this.db
        .selectFrom('notifications')
        .select(['user_id', 'tier', 'exposure_date', 'created_at'])
        .where('user_id', 'in', ids)
        .where('kind', '=', 'exposure') // an update (a tier that fell) notifies no exposure
        .where('tier', 'in', ['medium', 'high'])
        .execute();
      for (const r of rows)
        out.push({
          user_id: r.user_id,
          tier: r.tier as NotifiedTier,
          exposure_date: r.exposure_date,
          created_at: Number(r.created_at),
        });
    }
    return out;
  }

  /** The people notified in [fromMs, toMs). */
  async usersNotifiedBetween(fromMs: number, toMs: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('notifications')
      .select('user_id')
      .distinct()
      .where('kind', '=', 'exposure')
      .where('created_at', '>=', fromMs)
      .where('created_at', '<', toMs)
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** When each of these people's cases was created (revoked cases were never cases). */
  async caseCreationsOf(userIds: readonly string[]): Promise<Array<{ user_id: string; created_at: number }>> {
    const out: Array<{ user_id: string; created_at: number }> = [];
    for (const ids of chunks(userIds, CHUNK)) {
      const rows = await this.db
        .selectFrom('cases')
        .select(['user_id', 'created_at'])
        .where('user_id', 'in', ids)
        .where('status', '!=', 'revoked')
        .execute();
      for (const r of rows) out.push({ user_id: r.user_id, created_at: Number(r.created_at) });
    }
    return out;
  }

  async reportDatesOfCases(caseIds: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const ids of chunks(caseIds, CHUNK)) {
      const rows = await this.db.selectFrom('cases').select('report_date').where('id', 'in', ids).execute();
      for (const r of rows) if (r.report_date !== null) out.push(r.report_date);
    }
    return out;
  }

  insightsBetween(from: string, to: string): Promise<Row<'epidemiological_insights'>[]> {
    return this.db
      .selectFrom('epidemiological_insights')
      .selectAll()
      .where('date', '>=', from)
      .where('date', '<=', to)
      .orderBy('date')
      .execute();
  }

  async insightDatesBetween(from: string, to: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('epidemiological_insights')
      .select('date')
      .where('date', '>=', from)
      .where('date', '<=', to)
      .execute();
    return new Set(rows.map((r) => r.date));
  }

  /** Writes the rows of a run of days, and replaces that run's cell counts, in one transaction. */
  async writeDays(
    insights: readonly InsightRow[],
    cells: { from: string; to: string; rows: readonly NewRow<'analytics_cell_days'>[] },
    newId: () => string,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const chunk of chunks(insights, INSERT_CHUNK)) {
        await trx
          .insertInto('epidemiological_insights')
          .values(chunk.map((row) => ({ ...row, id: newId() })))
          .onConflict((oc) =>
            oc.column('date').doUpdateSet((eb) => ({
              cases: eb.ref('excluded.cases'),
              cases_by_onset: eb.ref('excluded.cases_by_onset'),
              traced_cases: eb.ref('excluded.traced_cases'),
              symptom_reports: eb.ref('excluded.symptom_reports'),
              contacts_traced: eb.ref('excluded.contacts_traced'),
              notified: eb.ref('excluded.notified'),
              cases_7day_avg: eb.ref('excluded.cases_7day_avg'),
              growth_rate: eb.ref('excluded.growth_rate'),
              doubling_time_days: eb.ref('excluded.doubling_time_days'),
              contacts_per_case: eb.ref('excluded.contacts_per_case'),
              notified_per_case: eb.ref('excluded.notified_per_case'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      const existing = await trx
        .selectFrom('analytics_cell_days')
        .select(['date', 'cell'])
        .where('date', '>=', cells.from)
        .where('date', '<=', cells.to)
        .execute();
      const kept = new Set(cells.rows.map((r) => `${r.date}|${r.cell}`));
      for (const stale of existing.filter((r) => !kept.has(`${r.date}|${r.cell}`))) {
        await trx
          .deleteFrom('analytics_cell_days')
          .where('date', '=', stale.date)
          .where('cell', '=', stale.cell)
          .execute();
      }
      for (const chunk of chunks(cells.rows, INSERT_CHUNK)) {
        await trx
          .insertInto('analytics_cell_days')
          .values(chunk)
          .onConflict((oc) =>
            oc
              .columns(['date', 'cell'])
              .doUpdateSet((eb) => ({ cases: eb.ref('excluded.cases'), updated_at: eb.ref('excluded.updated_at') })),
          )
          .execute();
      }
    });
  }

  outcomesBetween(from: string, to: string): Promise<Row<'analytics_notification_outcomes'>[]> {
    return this.db
      .selectFrom('analytics_notification_outcomes')
      .selectAll()
      .where('date', '>=', from)
      .where('date', '<=', to)
      .orderBy('date')
      .orderBy('tier')
      .execute();
  }

  async upsertOutcomes(rows: readonly NewRow<'analytics_notification_outcomes'>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const chunk of chunks(rows, INSERT_CHUNK)) {
        await trx
          .insertInto('analytics_notification_outcomes')
          .values(chunk)
          .onConflict((oc) =>
            oc.columns(['date', 'tier']).doUpdateSet((eb) => ({
              notified: eb.ref('excluded.notified'),
              became_cases: eb.ref('excluded.became_cases'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
  }

  cellDaysBetween(from: string, to: string): Promise<Row<'analytics_cell_days'>[]> {
    return this.db
      .selectFrom('analytics_cell_days')
      .selectAll()
      .where('date', '>=', from)
      .where('date', '<=', to)
      .execute();
  }
}
