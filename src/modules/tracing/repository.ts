import { sql, type Kysely, type RawBuilder } from 'kysely';
import { insertRows, isPostgres, setFromExcluded, unnestRows, type ArrayColumn } from '../../platform/db/column-arrays.js';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';
import { VENUE_PREFIX, tallyRisk, venuePlace, type DayTally, type ExposureRiskDraft, type PresenceProbe, type PresenceRecord } from './matching.js';

// Row-value IN lists are chunked to stay well under the engines' bound-parameter limits.
const KEY_CHUNK = 400;
const PROBE_CHUNK = 400;
/**
 * PostgreSQL: a trace's probes are split over this many statements run at once on separate connections (each
 * backend uses a core); a part has at least PG_PROBES_PER_PART probes, so small lookups stay one statement.
 */
const PG_LOOKUP_PARALLELISM = 2;
const PG_PROBES_PER_PART = 100;
const ID_CHUNK = 500;

/** A person-day as a trace reads it (see TracingRepository.dayStates). */
export interface DayState {
  readonly total: number;
  readonly notifiedTier: Row<'exposure_days'>['notified_tier'];
  main: { main: Row<'exposure_risks'>; count: number } | null;
}

type ExposureDayWrite = Pick<Row<'exposure_days'>, 'user_id' | 'date' | 'weighted_minutes' | 'tier' | 'notified_tier' | 'updated_at'>;

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

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface PresenceLookupOptions {
  readonly maxDurationMs: number;
  readonly excludeUserId?: string;
  readonly onlyUsers?: readonly string[];
}

/** The statement of one part of a presence lookup (see TracingRepository.presentDuring). */
export function presenceLookup(postgres: boolean, part: readonly PresenceProbe[], options: PresenceLookupOptions): RawBuilder<PresenceRow> {
  const filters = [
    sql`p.place = k.place`,
    sql`p.bucket >= k.lo`,
    sql`p.bucket <= k.hi`,
    sql`p.started_at < k.t`,
    sql`p.started_at >= k.f - ${options.maxDurationMs}`,
    sql`p.ended_at > k.f`,
    sql`(k.lat0 is null or (p.lat between k.lat0 and k.lat1 and p.lng between k.lng0 and k.lng1))`,
  ];
  if (options.excludeUserId !== undefined) filters.push(sql`p.user_id <> ${options.excludeUserId}`);
  if (options.onlyUsers !== undefined) filters.push(sql`p.user_id in (${sql.join(options.onlyUsers)})`);
  const where = sql.join(filters, sql` and `);
  const box = (pick: (b: NonNullable<PresenceProbe['box']>) => number) => part.map((p) => (p.box === null ? null : pick(p.box)));
  return postgres
    ? sql<PresenceRow>`
      select p.interaction_id, p.user_id, p.place, p.started_at, p.ended_at, p.lat, p.lng
      from unnest(${part.map((p) => p.place)}::text[], ${part.map((p) => p.firstBucket)}::int[], ${part.map((p) => p.lastBucket)}::int[],
                  ${part.map((p) => p.fromMs)}::int8[], ${part.map((p) => p.toMs)}::int8[],
                  ${box((b) => b.minLat)}::float8[], ${box((b) => b.maxLat)}::float8[], ${box((b) => b.minLng)}::float8[], ${box((b) => b.maxLng)}::float8[])
        as k (place, lo, hi, f, t, lat0, lat1, lng0, lng1)
      cross join lateral (select * from presence_index p where ${where}) p`
    : sql<PresenceRow>`
      with k (place, lo, hi, f, t, lat0, lat1, lng0, lng1) as (values ${sql.join(
        part.map((p) => sql`(${p.place}, ${p.firstBucket}, ${p.lastBucket}, ${p.fromMs}, ${p.toMs}, ${p.box?.minLat ?? null}, ${p.box?.maxLat ?? null}, ${p.box?.minLng ?? null}, ${p.box?.maxLng ?? null})`),
      )})
      select p.interaction_id, p.user_id, p.place, p.started_at, p.ended_at, p.lat, p.lng
      from k cross join presence_index p
      where ${where}`;
}

type InteractionRow = Row<'interactions'>;
export type ActiveCase = Pick<Row<'cases'>, 'id' | 'user_id' | 'report_type' | 'onset_date' | 'report_date' | 'created_at' | 'window_start' | 'window_end'>;
type PresenceRow = Pick<Row<'presence_index'>, 'interaction_id' | 'user_id' | 'place' | 'started_at' | 'ended_at' | 'lat' | 'lng'>;

export function toPresence(row: Pick<InteractionRow, 'id' | 'user_id' | 'kind' | 'location' | 'venue_id' | 'timestamp' | 'ended_at' | 'lat' | 'lng' | 'attenuation_db' | 'peer_user_id'>): PresenceRecord {
  return {
    interactionId: row.id,
    userId: row.user_id,
    kind: row.kind,
    place: row.kind === 'checkin' && row.venue_id !== null ? venuePlace(row.venue_id) : row.location,
    startMs: row.timestamp,
    endMs: row.ended_at,
    lat: row.lat,
    lng: row.lng,
    attenuationDb: row.attenuation_db,
    peerUserId: row.peer_user_id,
  };
}

const PRESENCE_COLUMNS = ['id', 'user_id', 'kind', 'location', 'venue_id', 'timestamp', 'ended_at', 'lat', 'lng', 'attenuation_db', 'peer_user_id'] as const;

export class TracingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  findCase(id: string): Promise<Row<'cases'> | undefined> {
    return this.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Active cases whose infectious window overlaps [fromMs, toMs). */
  /** Only the columns matching needs: it runs for every batch of uploads, against every active case. */
  activeCasesOverlapping(fromMs: number, toMs: number): Promise<ActiveCase[]> {
    return this.db
      .selectFrom('cases')
      .select(['id', 'user_id', 'report_type', 'onset_date', 'report_date', 'created_at', 'window_start', 'window_end'])
      .where('status', '=', 'active')
      .where('window_end', '>', fromMs)
      .where('window_start', '<', toMs)
      .execute();
  }

  async setCaseWindow(caseId: string, windowStart: number, windowEnd: number): Promise<void> {
    await this.db.updateTable('cases').set({ window_start: windowStart, window_end: windowEnd }).where('id', '=', caseId).execute();
  }

  /** A person's observations overlapping [fromMs, toMs); `maxDurationMs` bounds how early one may start. */
  interactionsOf(userId: string, fromMs: number, toMs: number, maxDurationMs: number): Promise<PresenceRecord[]> {
    return this.overlapping('user_id', userId, fromMs, toMs, maxDurationMs);
  }

  /** Proximity records in which someone's phone saw `peerUserId` during [fromMs, toMs). */
  encountersWith(peerUserId: string, fromMs: number, toMs: number, maxDurationMs: number): Promise<PresenceRecord[]> {
    return this.overlapping('peer_user_id', peerUserId, fromMs, toMs, maxDurationMs);
  }

  private async overlapping(column: 'user_id' | 'peer_user_id', userId: string, fromMs: number, toMs: number, maxDurationMs: number): Promise<PresenceRecord[]> {
    const rows = await this.db
      .selectFrom('interactions')
      .select(PRESENCE_COLUMNS)
      .where(column, '=', userId)
      .where('timestamp', '>=', fromMs - maxDurationMs)
      .where('timestamp', '<', toMs)
      .where('ended_at', '>', fromMs)
      .execute();
    return rows.map(toPresence);
  }

  async interactionsByIds(ids: readonly string[]): Promise<PresenceRecord[]> {
    const out: PresenceRecord[] = [];
    for (const part of chunks(ids, ID_CHUNK)) {
      const rows = await this.db.selectFrom('interactions').select(PRESENCE_COLUMNS).where('id', 'in', part).execute();
      out.push(...rows.map(toPresence));
    }
    return out;
  }

  /**
   * Other people's location stays and check-ins overlapping any probe: for each probe, one range scan of
   * presence_index's primary key (place, bucket), with the time overlap and the probe's GPS box checked on the index's
   * rows. `maxDurationMs` (the longest observation) bounds each probe's start times too, so PostgreSQL reads only the
   * daily partitions a probe can touch. `onlyUsers` restricts the result to some people (the sources of active cases).
   *
   * The probes are a table joined to the index, and each engine must be made to loop over them: SQLite (which has
   * no LATERAL) runs a CROSS JOIN in the order written; PostgreSQL, given a plain join, hashes all the probes and
   * scans every partition of the window (2–3 s at 1 M interactions), so it gets the probes as arrays and a LATERAL
   * subquery, one index scan per probe.
   */
  async presentDuring(probes: readonly PresenceProbe[], options: PresenceLookupOptions): Promise<PresenceRecord[]> {
    const found = new Map<string, PresenceRecord>();
    if (options.onlyUsers?.length === 0 || probes.length === 0) return [];
    const postgres = isPostgres(this.db);
    const parts = postgres ? chunks(probes, Math.max(PG_PROBES_PER_PART, Math.ceil(probes.length / PG_LOOKUP_PARALLELISM))) : chunks(probes, PROBE_CHUNK);
    const lookup = (part: readonly PresenceProbe[]) => presenceLookup(postgres, part, options).execute(this.db);
    // PostgreSQL runs the parts at once; SQLite's statements run on this thread anyway, so one after another.
    const results = postgres ? await Promise.all(parts.map(lookup)) : [];
    if (!postgres) for (const part of parts) results.push(await lookup(part));
    for (const result of results) {
      for (const row of result.rows) {
        if (found.has(row.interaction_id)) continue;
        found.set(row.interaction_id, {
          interactionId: row.interaction_id,
          userId: row.user_id,
          kind: row.place.startsWith(VENUE_PREFIX) ? 'checkin' : 'location',
          place: row.place,
          startMs: Number(row.started_at),
          endMs: Number(row.ended_at),
          lat: row.lat,
          lng: row.lng,
          attenuationDb: null,
          peerUserId: null,
        });
      }
    }
    return [...found.values()];
  }

  /** Stores the peer's side of an encounter only the source's phone recorded (idempotent by id). */
  async insertMirrored(trx: Kysely<Database>, rows: NewRow<'interactions'>[]): Promise<void> {
    for (const part of chunks(rows, ID_CHUNK)) {
      await trx.insertInto('interactions').values(part).onConflict((oc) => oc.columns(['id', 'timestamp']).doNothing()).execute();
    }
  }

  /** Writes each draft once per (interaction, case): a re-trace updates the numbers in place. */
  async upsertRisks(trx: Kysely<Database>, drafts: readonly ExposureRiskDraft[], newId: () => string, now: number): Promise<void> {
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
          oc.columns(['interaction_id', 'case_id']).doUpdateSet((eb) => Object.fromEntries(RISK_UPDATED_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))),
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
      const { rows } = await sql<Partial<Row<'exposure_risks'>> & { day_user_id: string; day_date: string; day_notified_tier: Row<'exposure_days'>['notified_tier']; day_total: number | null; day_risks: string }>`
        select k.user_id as day_user_id, k.date as day_date, d.notified_tier as day_notified_tier, t.total as day_total, t.day_risks, m.*
        from ${unnestRows('k', PERSON_DAY_COLUMNS, personDays)}
        left join exposure_days d on d.user_id = k.user_id and d.date = k.date
        cross join lateral (
          select sum(r.weighted_minutes) as total, count(*) as day_risks from exposure_risks r
          where r.exposed_user_id = k.user_id and r.exposure_date = k.date) t
        left join lateral (
          select r.* from exposure_risks r where r.exposed_user_id = k.user_id and r.exposure_date = k.date
          order by r.weighted_minutes desc, r.id collate "C" limit 1) m on true`.execute(trx);
      for (const { day_user_id, day_date, day_notified_tier, day_total, day_risks, ...main } of rows) {
        const total = Number(day_total ?? 0);
        const state: DayState = { total, notifiedTier: day_notified_tier ?? null, main: null };
        if (main.id != null && wantsMain(total, state.notifiedTier)) state.main = { main: main as Row<'exposure_risks'>, count: Number(day_risks) };
        out.set(`${day_user_id}|${day_date}`, state);
      }
      return out;
    }
    const totals = await this.sqliteDayTotals(trx, personDays);
    const days = await this.exposureDays(trx, personDays);
    const wanted: Array<readonly [string, string]> = [];
    for (const [userId, date] of personDays) {
      const key = `${userId}|${date}`;
      const state: DayState = { total: totals.get(key) ?? 0, notifiedTier: days.get(key)?.notified_tier ?? null, main: null };
      out.set(key, state);
      if (wantsMain(state.total, state.notifiedTier)) wanted.push([userId, date]);
    }
    for (const [key, main] of await this.sqliteMainRisksOfDays(trx, wanted)) out.get(key)!.main = main;
    return out;
  }

  private async sqliteDayTotals(trx: Kysely<Database>, personDays: ReadonlyArray<readonly [string, string]>): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    for (const part of chunks(personDays, KEY_CHUNK)) {
      const rows = await trx
        .selectFrom('exposure_risks')
        .select(['exposed_user_id', 'exposure_date', (eb) => eb.fn.sum<number>('weighted_minutes').as('total')])
        .where((eb) => eb(eb.refTuple('exposed_user_id', 'exposure_date'), 'in', part.map(([u, d]) => eb.tuple(u, d))))
        .groupBy(['exposed_user_id', 'exposure_date'])
        .execute();
      for (const row of rows) totals.set(`${row.exposed_user_id}|${row.exposure_date}`, Number(row.total));
    }
    return totals;
  }

  async exposureDays(trx: Kysely<Database>, personDays: ReadonlyArray<readonly [string, string]>): Promise<Map<string, Row<'exposure_days'>>> {
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
        .where((eb) => eb(eb.refTuple('user_id', 'date'), 'in', part.map(([u, d]) => eb.tuple(u, d))))
        .execute();
      for (const row of rows) out.set(`${row.user_id}|${row.date}`, row);
    }
    return out;
  }

  /** Names of registered venues by code (codes are matched without regard to case), keyed by the code given. */
  async venueNames(trx: Kysely<Database>, codes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const byUpper = new Map<string, string[]>();
    for (const code of codes) byUpper.set(code.toUpperCase(), [...(byUpper.get(code.toUpperCase()) ?? []), code]);
    for (const part of chunks([...byUpper.keys()], ID_CHUNK)) {
      const rows = await trx.selectFrom('venues').select(['code', 'name']).where('code', 'in', part).execute();
      for (const row of rows) for (const code of byUpper.get(row.code) ?? []) out.set(code, row.name);
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
        .onConflict((oc) => oc.columns(['user_id', 'date']).doUpdateSet((eb) => Object.fromEntries(EXPOSURE_DAY_UPDATED_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))))
        .execute();
    }
  }

  /** Every stored risk of the given person-days (all sources), oldest id first. */
  async risksOfDays(trx: Kysely<Database>, personDays: ReadonlyArray<readonly [string, string]>): Promise<Row<'exposure_risks'>[]> {
    if (personDays.length === 0) return [];
    if (isPostgres(trx)) {
      const { rows } = await sql<Row<'exposure_risks'>>`
        select r.* from ${unnestRows('k', PERSON_DAY_COLUMNS, personDays)}
        join exposure_risks r on r.exposed_user_id = k.user_id and r.exposure_date = k.date
        order by r.id collate "C"`.execute(trx);
      return rows;
    }
    const out: Row<'exposure_risks'>[] = [];
    for (const part of chunks(personDays, KEY_CHUNK)) {
      out.push(
        ...(await trx
          .selectFrom('exposure_risks')
          .selectAll()
          .where((eb) => eb(eb.refTuple('exposed_user_id', 'exposure_date'), 'in', part.map(([u, d]) => eb.tuple(u, d))))
          .orderBy('id')
          .execute()),
      );
    }
    return out;
  }

  private async sqliteMainRisksOfDays(trx: Kysely<Database>, personDays: ReadonlyArray<readonly [string, string]>): Promise<Map<string, DayTally<Row<'exposure_risks'>>>> {
    const out = new Map<string, DayTally<Row<'exposure_risks'>>>();
    // Rows come by id, and a tie keeps the first: the smallest id.
    for (const row of await this.risksOfDays(trx, personDays)) tallyRisk(out, `${row.exposed_user_id}|${row.exposure_date}`, row);
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

  async deleteRisks(trx: Kysely<Database>, ids: readonly string[]): Promise<void> {
    for (const part of chunks(ids, ID_CHUNK)) await trx.deleteFrom('exposure_risks').where('id', 'in', part).execute();
  }

  async managersOf(caseIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks(caseIds, ID_CHUNK)) {
      const rows = await this.db.selectFrom('cases').select(['id', 'managed_by']).where('id', 'in', part).where('managed_by', 'is not', null).execute();
      for (const row of rows) out.set(row.id, row.managed_by!);
    }
    return out;
  }

  /** Stored risks for (interaction, case) pairs, keyed `interaction|case`. */
  async risksFor(pairs: ReadonlyArray<readonly [string, string]>, trx: Kysely<Database> = this.db): Promise<Map<string, { id: string; weighted_minutes: number }>> {
    const out = new Map<string, { id: string; weighted_minutes: number }>();
    for (const part of chunks(pairs, KEY_CHUNK)) {
      const rows = await trx
        .selectFrom('exposure_risks')
        .select(['id', 'interaction_id', 'case_id', 'weighted_minutes'])
        .where((eb) => eb(eb.refTuple('interaction_id', 'case_id'), 'in', part.map(([i, c]) => eb.tuple(i, c))))
        .execute();
      for (const row of rows) out.set(`${row.interaction_id}|${row.case_id}`, { id: row.id, weighted_minutes: row.weighted_minutes });
    }
    return out;
  }

  /** Appends events to staff members' streams, numbering them after each one's last event. */
  async insertStaffEvents(trx: Kysely<Database>, staffId: string, payloads: readonly object[], now: number): Promise<number[]> {
    const last = await trx.selectFrom('staff_events').select((eb) => eb.fn.max('seq').as('seq')).where('staff_id', '=', staffId).executeTakeFirst();
    const first = Number(last?.seq ?? 0) + 1;
    const seqs = payloads.map((_, i) => first + i);
    for (const part of chunks(payloads.map((payload, i) => ({ staff_id: staffId, seq: seqs[i]!, kind: 'exposure_risk' as const, payload: JSON.stringify({ ...payload, seq: seqs[i] }), created_at: now })), 200)) {
      await trx.insertInto('staff_events').values(part).execute();
    }
    return seqs;
  }

  /** A staff member's events after `afterSeq` (or since `sinceMs` when no position is known), oldest first. */
  staffEvents(staffId: string, position: { afterSeq: number } | { sinceMs: number }, limit: number): Promise<Row<'staff_events'>[]> {
    let query = this.db.selectFrom('staff_events').selectAll().where('staff_id', '=', staffId);
    query = 'afterSeq' in position ? query.where('seq', '>', position.afterSeq) : query.where('created_at', '>=', position.sinceMs);
    return query.orderBy('seq').limit(limit).execute();
  }

  /** Marks a case traced, with the cell where its person spent most time (cluster detection's place of the case). */
  async markTraced(trx: Kysely<Database>, caseId: string, at: number, cell: string | null): Promise<void> {
    await trx.updateTable('cases').set({ traced_at: at, cell }).where('id', '=', caseId).execute();
  }

  /** The contacts of a case: every exposure risk it caused, with the person-day tier and notification state. */
  contactsOfCase(caseId: string) {
    return this.db
      .selectFrom('exposure_risks as r')
      .leftJoin('exposure_days as d', (join) => join.onRef('d.user_id', '=', 'r.exposed_user_id').onRef('d.date', '=', 'r.exposure_date'))
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

  /**
   * Deletes observations that ended before the cutoff, with their presence rows and the exposure risks computed
   * on them. (On PostgreSQL whole days have gone already with their partitions; this removes the rest.)
   * The `timestamp` condition lets PostgreSQL skip every partition newer than the cutoff.
   */
  async deleteInteractionsEndedBefore(cutoffMs: number): Promise<number> {
    await this.db.deleteFrom('exposure_risks').where('episode_end', '<', cutoffMs).execute();
    await this.db.deleteFrom('presence_index').where('started_at', '<', cutoffMs).where('ended_at', '<', cutoffMs).execute();
    const result = await this.db.deleteFrom('interactions').where('timestamp', '<', cutoffMs).where('ended_at', '<', cutoffMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The person's own record of an encounter supersedes the copy made from the source's record. */
  async deleteMirroredEncounters(trx: Kysely<Database>, userId: string, peers: readonly string[], fromMs: number, toMs: number): Promise<void> {
    const mirrored = trx
      .selectFrom('interactions')
      .select('id')
      .where('user_id', '=', userId)
      .where('origin', '=', 'mirrored')
      .where('peer_user_id', 'in', peers as string[])
      .where('timestamp', '<', toMs)
      .where('ended_at', '>', fromMs);
    await trx.deleteFrom('exposure_risks').where('interaction_id', 'in', mirrored).execute();
    await trx
      .deleteFrom('interactions')
      .where('user_id', '=', userId)
      .where('origin', '=', 'mirrored')
      .where('peer_user_id', 'in', peers as string[])
      .where('timestamp', '<', toMs)
      .where('ended_at', '>', fromMs)
      .execute();
  }

  async deleteExposureDaysBefore(day: string): Promise<number> {
    const result = await this.db.deleteFrom('exposure_days').where('date', '<', day).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

