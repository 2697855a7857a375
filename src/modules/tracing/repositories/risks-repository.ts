import { sql, type Kysely } from 'kysely';
import {
  insertRows,
  isPostgres,
  setFromExcluded,
  unnestRows,
  type ArrayColumn,
} from '../../../platform/db/column-arrays.js';
import type { Database, NewRow, Row } from '../../../platform/db/tables.js';
import { tallyRisk, type DayTally, type ExposureRiskDraft } from '../matching.js';
import { chunks, ID_CHUNK, KEY_CHUNK } from './batches.js';

/** A person-day as a trace reads it (see RisksRepository.dayStates). */
export interface DayState {
  readonly total: number;
  readonly notifiedTier: Row<'exposure_days'>['notified_tier'];
  main: { main: Row<'exposure_risks'>; count: number } | null;
}

export type ExposureDayWrite = Pick<
  Row<'exposure_days'>,
  'user_id' | 'date' | 'weighted_minutes' | 'tier' | 'notified_tier' | 'updated_at'
>;

const RISK_UPDATED_COLUMNS = [
  'risk_level',
  'minutes',
  'weighted_minutes',
  'exposure_date',
  'proximity_bucket',
  'infectiousness',
  'report_type',
  'model_version',
  'contact_kind',
  'place',
  'episode_start',
  'episode_end',
  'updated_at',
] as const;

const RISK_COLUMNS: ReadonlyArray<ArrayColumn<NewRow<'exposure_risks'>>> = [
  ['id', 'text', (r) => r.id],
  ['interaction_id', 'text', (r) => r.interaction_id],
  ['case_id', 'text', (r) => r.case_id],
  ['exposed_user_id', 'text', (r) => r.exposed_user_id],
  ['risk_level', 'numeric', (r) => r.risk_level],
  ['minutes', 'float8', (r) => r.minutes],
  ['weighted_minutes', 'float8', (r) => r.weighted_minutes],
  ['exposure_date', 'date', (r) => r.exposure_date],
  ['proximity_bucket', 'text', (r) => r.proximity_bucket],
  ['infectiousness', 'text', (r) => r.infectiousness],
  ['report_type', 'text', (r) => r.report_type],
  ['model_version', 'text', (r) => r.model_version],
  ['contact_kind', 'text', (r) => r.contact_kind],
  ['place', 'text', (r) => r.place],
  ['episode_start', 'int8', (r) => r.episode_start],
  ['episode_end', 'int8', (r) => r.episode_end],
  ['created_at', 'int8', (r) => r.created_at],
  ['updated_at', 'int8', (r) => r.updated_at],
];

const EXPOSURE_DAY_UPDATED_COLUMNS = ['weighted_minutes', 'tier', 'notified_tier', 'updated_at'] as const;

const EXPOSURE_DAY_COLUMNS: ReadonlyArray<ArrayColumn<ExposureDayWrite>> = [
  ['user_id', 'text', (r) => r.user_id],
  ['date', 'date', (r) => r.date],
  ['weighted_minutes', 'float8', (r) => r.weighted_minutes],
  ['tier', 'text', (r) => r.tier],
  ['notified_tier', 'text', (r) => r.notified_tier],
  ['updated_at', 'int8', (r) => r.updated_at],
];

/** (person, day) keys as a relation `k (user_id, date)`. */
const PERSON_DAY_COLUMNS: ReadonlyArray<ArrayColumn<readonly [string, string]>> = [
  ['user_id', 'text', ([userId]) => userId],
  ['date', 'date', ([, date]) => date],
];

/**
 * A risk counts towards its person-day unless its case is held (SELF_REPORTS=hold: a self-report awaiting
 * confirmation notifies nobody; its risks count once the hold ends). `r` is the exposure_risks alias.
 */
const NOT_HELD = sql<boolean>`not exists (select 1 from cases hc where hc.id = r.case_id and hc.held_at is not null)`;

/**
 * Exposure risks and the person-days they sum to (exposure_days): a day's total is the sum of its risks, those of
 * held cases left out (see NOT_HELD).
 */
export class RisksRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Writes each draft once per (interaction, case): a re-trace updates the numbers in place. */
  async upsertRisks(
    trx: Kysely<Database>,
    drafts: readonly ExposureRiskDraft[],
    newId: () => string,
    now: number,
  ): Promise<void> {
    if (drafts.length === 0) return;
    if (isPostgres(trx)) {
      const rows = drafts.map((d) => ({ id: newId(), ...d, created_at: now, updated_at: now }));
      await sql`${insertRows('exposure_risks', RISK_COLUMNS, rows)}
        on conflict (interaction_id, case_id) do update set ${setFromExcluded(RISK_UPDATED_COLUMNS)}`.execute(trx);
      return;
    }
    for (const part of chunks(drafts, 200)) {
      await trx
        .insertInto('exposure_risks')
        .values(part.map((d) => ({ id: newId(), ...d, created_at: now, updated_at: now })))
        .onConflict((oc) =>
          oc
            .columns(['interaction_id', 'case_id'])
            .doUpdateSet((eb) => Object.fromEntries(RISK_UPDATED_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))),
        )
        .execute();
    }
  }

  /**
   * What a trace needs of each person-day, read in its transaction after its risks are written: the stored total of
   * every source's risks, the tier the person was last notified of, and, for the days `wantsMain` picks (given the
   * total and that tier), the heaviest risk (what a notification describes; ties go to the smallest id) with the
   * day's number of risks. PostgreSQL answers in one statement (every day's heaviest risk comes along); SQLite, whose
   * statements cost no round trip, in three.
   */
  async dayStates(
    trx: Kysely<Database>,
    personDays: ReadonlyArray<readonly [string, string]>,
    wantsMain: (total: number, notifiedTier: Row<'exposure_days'>['notified_tier']) => boolean,
  ): Promise<Map<string, DayState>> {
    const out = new Map<string, DayState>();
    if (personDays.length === 0) return out;
    if (isPostgres(trx)) {
      const { rows } = await sql<
        Partial<Row<'exposure_risks'>> & {
          day_user_id: string;
          day_date: string;
          day_notified_tier: Row<'exposure_days'>['notified_tier'];
          day_total: number | null;
          day_risks: string;
        }
      >`
        select k.user_id as day_user_id, k.date as day_date, d.notified_tier as day_notified_tier, t.total as day_total, t.day_risks, m.*
        from ${unnestRows('k', PERSON_DAY_COLUMNS, personDays)}
        left join exposure_days d on d.user_id = k.user_id and d.date = k.date
        cross join lateral (
          select sum(r.weighted_minutes) as total, count(*) as day_risks from exposure_risks r
          where r.exposed_user_id = k.user_id and r.exposure_date = k.date and ${NOT_HELD}) t
        left join lateral (
          select r.* from exposure_risks r where r.exposed_user_id = k.user_id and r.exposure_date = k.date and ${NOT_HELD}
          order by r.weighted_minutes desc, r.id collate "C" limit 1) m on true`.execute(trx);
      for (const { day_user_id, day_date, day_notified_tier, day_total, day_risks, ...main } of rows) {
        const total = Number(day_total ?? 0);
        const state: DayState = { total, notifiedTier: day_notified_tier ?? null, main: null };
        if (main.id != null && wantsMain(total, state.notifiedTier))
          state.main = { main: main as Row<'exposure_risks'>, count: Number(day_risks) };
        out.set(`${day_user_id}|${day_date}`, state);
      }
      return out;
    }
    const totals = await this.sqliteDayTotals(trx, personDays);
    const days = await this.exposureDays(trx, personDays);
    const wanted: Array<readonly [string, string]> = [];
    for (const [userId, date] of personDays) {
      const key = `${userId}|${date}`;
      const state: DayState = {
        total: totals.get(key) ?? 0,
        notifiedTier: days.get(key)?.notified_tier ?? null,
        main: null,
      };
      out.set(key, state);
      if (wantsMain(state.total, state.notifiedTier)) wanted.push([userId, date]);
    }
    for (const [key, main] of await this.sqliteMainRisksOfDays(trx, wanted)) out.get(key)!.main = main;
    return out;
  }

  private async sqliteDayTotals(
    trx: Kysely<Database>,
    personDays: ReadonlyArray<readonly [string, string]>,
  ): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    for (const part of chunks(personDays, KEY_CHUNK)) {
      const rows = await trx
        .selectFrom('exposure_risks as r')
        .select(['exposed_user_id', 'exposure_date', (eb) => eb.fn.sum<number>('weighted_minutes').as('total')])
        .where((eb) =>
          eb(
            eb.refTuple('exposed_user_id', 'exposure_date'),
            'in',
            part.map(([u, d]) => eb.tuple(u, d)),
          ),
        )
        .where(NOT_HELD)
        .groupBy(['exposed_user_id', 'exposure_date'])
        .execute();
      for (const row of rows) totals.set(`${row.exposed_user_id}|${row.exposure_date}`, Number(row.total));
    }
    return totals;
  }

  async exposureDays(
    trx: Kysely<Database>,
    personDays: ReadonlyArray<readonly [string, string]>,
  ): Promise<Map<string, Row<'exposure_days'>>> {
    const out = new Map<string, Row<'exposure_days'>>();
    if (isPostgres(trx) && personDays.length > 0) {
      const { rows } = await sql<Row<'exposure_days'>>`
        select d.* from ${unnestRows('k', PERSON_DAY_COLUMNS, personDays)}
        join exposure_days d on d.user_id = k.user_id and d.date = k.date`.execute(trx);
      for (const row of rows) out.set(`${row.user_id}|${row.date}`, row);
      return out;
    }
    for (const part of chunks(personDays, KEY_CHUNK)) {
      const rows = await trx
        .selectFrom('exposure_days')
        .selectAll()
        .where((eb) =>
          eb(
            eb.refTuple('user_id', 'date'),
            'in',
            part.map(([u, d]) => eb.tuple(u, d)),
          ),
        )
        .execute();
      for (const row of rows) out.set(`${row.user_id}|${row.date}`, row);
    }
    return out;
  }

  /** Writes person-days' totals and tiers, inserting or updating each. */
  async upsertExposureDays(trx: Kysely<Database>, rows: ReadonlyArray<ExposureDayWrite>): Promise<void> {
    if (rows.length === 0) return;
    if (isPostgres(trx)) {
      await sql`${insertRows('exposure_days', EXPOSURE_DAY_COLUMNS, rows)}
        on conflict (user_id, date) do update set ${setFromExcluded(EXPOSURE_DAY_UPDATED_COLUMNS)}`.execute(trx);
      return;
    }
    for (const part of chunks(rows, 200)) {
      await trx
        .insertInto('exposure_days')
        .values(part)
        .onConflict((oc) =>
          oc
            .columns(['user_id', 'date'])
            .doUpdateSet((eb) =>
              Object.fromEntries(EXPOSURE_DAY_UPDATED_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)])),
            ),
        )
        .execute();
    }
  }

  /** Every stored risk of the given person-days that counts (all sources but held cases), oldest id first. */
  async risksOfDays(
    trx: Kysely<Database>,
    personDays: ReadonlyArray<readonly [string, string]>,
  ): Promise<Row<'exposure_risks'>[]> {
    if (personDays.length === 0) return [];
    if (isPostgres(trx)) {
      const { rows } = await sql<Row<'exposure_risks'>>`
        select r.* from ${unnestRows('k', PERSON_DAY_COLUMNS, personDays)}
        join exposure_risks r on r.exposed_user_id = k.user_id and r.exposure_date = k.date
        where ${NOT_HELD}
        order by r.id collate "C"`.execute(trx);
      return rows;
    }
    const out: Row<'exposure_risks'>[] = [];
    for (const part of chunks(personDays, KEY_CHUNK)) {
      out.push(
        ...(await trx
          .selectFrom('exposure_risks as r')
          .selectAll('r')
          .where((eb) =>
            eb(
              eb.refTuple('exposed_user_id', 'exposure_date'),
              'in',
              part.map(([u, d]) => eb.tuple(u, d)),
            ),
          )
          .where(NOT_HELD)
          .orderBy('id')
          .execute()),
      );
    }
    return out;
  }

  private async sqliteMainRisksOfDays(
    trx: Kysely<Database>,
    personDays: ReadonlyArray<readonly [string, string]>,
  ): Promise<Map<string, DayTally<Row<'exposure_risks'>>>> {
    const out = new Map<string, DayTally<Row<'exposure_risks'>>>();
    // Rows come by id, and a tie keeps the first: the smallest id.
    for (const row of await this.risksOfDays(trx, personDays))
      tallyRisk(out, `${row.exposed_user_id}|${row.exposure_date}`, row);
    return out;
  }

  /**
   * The case's stored risks whose interactions the latest trace no longer found (e.g. its window narrowed), among
   * those last written before `writtenBefore` (a risk written later came from an upload the trace could not see).
   */
  async staleRisksOfCase(
    trx: Kysely<Database>,
    caseId: string,
    keepInteractionIds: readonly string[],
    writtenBefore: number,
  ): Promise<Array<{ id: string; exposed_user_id: string | null; exposure_date: string }>> {
    const keep = new Set(keepInteractionIds);
    const existing = await trx
      .selectFrom('exposure_risks')
      .select(['id', 'interaction_id', 'exposed_user_id', 'exposure_date'])
      .where('case_id', '=', caseId)
      .where('updated_at', '<', writtenBefore)
      .execute();
    return existing.filter((r) => !keep.has(r.interaction_id));
  }

  /** Every stored risk a case caused (what revoking it removes). */
  risksOfCase(
    trx: Kysely<Database>,
    caseId: string,
  ): Promise<Array<{ id: string; exposed_user_id: string | null; exposure_date: string }>> {
    return trx
      .selectFrom('exposure_risks')
      .select(['id', 'exposed_user_id', 'exposure_date'])
      .where('case_id', '=', caseId)
      .execute();
  }

  async deleteRisks(trx: Kysely<Database>, ids: readonly string[]): Promise<void> {
    for (const part of chunks(ids, ID_CHUNK)) await trx.deleteFrom('exposure_risks').where('id', 'in', part).execute();
  }

  /** Stored risks for (interaction, case) pairs, keyed `interaction|case`. */
  async risksFor(
    trx: Kysely<Database>,
    pairs: ReadonlyArray<readonly [string, string]>,
  ): Promise<Map<string, { id: string; weighted_minutes: number }>> {
    const out = new Map<string, { id: string; weighted_minutes: number }>();
    for (const part of chunks(pairs, KEY_CHUNK)) {
      const rows = await trx
        .selectFrom('exposure_risks')
        .select(['id', 'interaction_id', 'case_id', 'weighted_minutes'])
        .where((eb) =>
          eb(
            eb.refTuple('interaction_id', 'case_id'),
            'in',
            part.map(([i, c]) => eb.tuple(i, c)),
          ),
        )
        .execute();
      for (const row of rows)
        out.set(`${row.interaction_id}|${row.case_id}`, { id: row.id, weighted_minutes: row.weighted_minutes });
    }
    return out;
  }

  /** The contacts of a case: every exposure risk it caused, with the person-day tier and notification state. */
  contactsOfCase(caseId: string) {
    return this.db
      .selectFrom('exposure_risks as r')
      .leftJoin('exposure_days as d', (join) =>
        join.onRef('d.user_id', '=', 'r.exposed_user_id').onRef('d.date', '=', 'r.exposure_date'),
      )
      .select([
        'r.id',
        'r.interaction_id',
        'r.exposed_user_id',
        'r.risk_level',
        'r.exposure_date',
        'r.minutes',
        'r.weighted_minutes',
        'r.contact_kind',
        'r.place',
        'r.proximity_bucket',
        'r.infectiousness',
        'r.report_type',
        'r.model_version',
        'r.episode_start',
        'r.episode_end',
        'r.updated_at',
        'd.tier',
        'd.notified_tier',
      ])
      .where('r.case_id', '=', caseId)
      .orderBy('r.exposed_user_id')
      .orderBy('r.exposure_date')
      .execute();
  }
}
