/**
 * Tracing benchmark (issue 3): on a generated city (bench/generate.ts), the real app (buildApp) listening on a port.
 *
 *   npx tsx bench/tracing.bench.ts --engine sqlite --size 1m [--samples 40] [--warmup 5] [--out result.json]
 *   DATABASE_URL=postgres://... npx tsx bench/tracing.bench.ts --engine postgres --size 10m [--redis
 * redis://127.0.0.1:6379]
 *
 * (Usually run through `npm run bench`, which generates the cities first and writes the results and BENCHMARKS.md.)
 *
 * For each planted source (bench/generate.ts; a different user each time, with 14 days of history), measured after
 * `--warmup` unrecorded ones, each sample starting with the app quiet (no trace job, analytics update or zone scan
 * running or waiting for its debounce):
 *  (a) trace computation: a self-reported case with onset day −5 is inserted for the source, and
 *      `app.tracing.traceCase(caseId)` is timed: reading the source's observations in the infectious window, the
 *      presence-index and encounter lookups, scoring, writing risks and notifications, publishing them.
 *  (b) symptom report → notification: the tracing state is reset (so every trace starts from scratch as in (a)); the
 *      buddy's SSE stream (GET /notifications/stream with the buddy's app token) is connected, POST /symptoms is sent
 *      for the source over HTTP, and the clock stops when the buddy's `notification` event has been parsed. Before
 *      each sample the buddy's own notification state (exposure_days, notifications) is cleared, so that an earlier
 *      source's trace cannot have raised the buddy's tier already: the trace must notify.
 *  (b′) the same for the first 20 measured sources with the app's analytics engine stopped: it recomputes its day rows
 *      on the same report, in the same process, while the trace runs.
 * Baselines measured in the same run, interleaved with the (b) samples so that drift of this shared machine affects
 * both alike: a bare Fastify route (GET /ping on a separate Fastify instance) and the app's GET /healthz, both over
 * HTTP from the same client.
 *
 * Where the time goes: every method of the app's own TracingRepository instance (and NotificationsService.create,
 * publishCreated) is wrapped to time it (exclusive times; nothing in src/ is changed, the wrappers add a
 * performance.now() pair per call). The SQL a trace really runs is captured by a Kysely plugin on the database
 * handle given to buildApp, and explained afterwards (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on
 * PostgreSQL). The co-location lookup is also replayed and compared with alternatives (bench/lib/what-if.ts).
 */

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AsyncLocalStorage } from 'node:async_hooks';
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  PostgresQueryCompiler,
  SqliteQueryCompiler,
  sql,
  type CompiledQuery,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { hashAppToken, newAppToken } from '../src/platform/crypto/app-tokens.js';
import { isPostgres } from '../src/platform/db/column-arrays.js';
import { openDatabase, type DatabaseHandle, type DialectName } from '../src/platform/db/connect.js';
import type { Database } from '../src/platform/db/tables.js';
import { addDays } from '../src/platform/time/calendar.js';
import { ringsForRadius } from '../src/modules/tracing/matching.js';
import type { TracingRepository } from '../src/modules/tracing/repository.js';
import { DEFAULT_RISK_MODEL } from '../src/modules/tracing/risk-model.js';
import { connectSse } from '../test/helpers/sse-client.js';
import {
  benchSecrets,
  citySpec,
  currentMigrations,
  DEFAULT_SEED,
  planCity,
  plantedPairs,
  postgresSchema,
  readPostgresMeta,
  readSqliteMeta,
  reusable,
  sqliteDataDir,
  sqliteFile,
  todayUtc,
  INGEST_RULES,
  type GenerationResult,
  type PlantedPair,
} from './generate.js';

/** The app's longest accepted observation (MAX_OBSERVATION_MS in src/app.ts). */
const MAX_OBSERVATION_MS = 86_400_000;
import { roundTrips } from './lib/round-trips.js';
import { machineInfo } from './lib/machine.js';
import { prewarmSchema, type PostgresMemory } from './lib/postgres-memory.js';
import { prewarmSqlite, type SqliteMemory } from './lib/sqlite-memory.js';
import { bucketKeyLookup, type LookupMeasure } from './lib/what-if.js';
import { summarize, median, type Summary } from './lib/stats.js';

export interface TracingBenchOptions {
  readonly engine: DialectName;
  readonly size: string;
  readonly seed?: number;
  readonly databaseUrl?: string;
  /** Cross-process bus (the scale-out configuration); in-process bus when absent. */
  readonly redisUrl?: string;
  readonly warmup?: number;
  readonly samples?: number;
  /** HTTP round trips of each baseline per (b) sample. */
  readonly baselinePerSample?: number;
  /** Sources of the (b′) pass with the analytics engine stopped (0: skip it). */
  readonly analyticsSamples?: number;
  /** SQLite: the app's SQLITE_CACHE_MB and SQLITE_MMAP_MB (their defaults when absent). */
  readonly sqliteCacheMb?: number;
  readonly sqliteMmapMb?: number;
}

interface NotifySample {
  readonly ms: number;
  readonly http: number;
  readonly queue: number;
  readonly trace: number;
  readonly calls: Calls;
  /** From the trace's start until its first notification was published, and the calls made by then. */
  readonly untilPublish: { ms: number; calls: Calls } | undefined;
  readonly quietAfter: number;
  readonly event: { tier: string; contact_kind: string; exposure_date: string };
}

/** Inclusive milliseconds and call counts per wrapped method, for one trace. */
type Calls = Record<string, { ms: number; calls: number }>;

export interface SourceSample {
  readonly source: string;
  readonly buddy: string;
  readonly interactions_total: number;
  readonly interactions_in_window: number;
  readonly probes: number;
  /** Other people's location stays and check-ins overlapping the source's (place, time) probes. */
  readonly candidates: number;
  /** Proximity records of other phones that saw the source. */
  readonly encounters: number;
  readonly risks: number;
  readonly contacts: number;
  readonly notifications: number;
  readonly trace_ms: number;
  readonly trace_calls: Calls;
  readonly notify_ms: number;
  readonly notify_http_ms: number;
  readonly notify_queue_ms: number;
  readonly notify_trace_ms: number;
  readonly notify_trace_calls: Calls;
  /** From the notification until the app is quiet again (the zone scan's 5 s debounce and its run, analytics). */
  readonly quiet_after_ms: number;
  readonly notified: { tier: string; contact_kind: string; exposure_date: string };
}

export interface TracingBenchResult {
  readonly benchmark: 'tracing';
  readonly engine: DialectName;
  readonly bus: 'memory' | 'redis';
  readonly size: string;
  readonly date: string;
  readonly machine: ReturnType<typeof machineInfo>;
  readonly machine_at_end: ReturnType<typeof machineInfo>;
  /** PostgreSQL: its shared buffers and how much of the schema was loaded into them before the run. */
  readonly postgres_memory?: PostgresMemory;
  /**
   * SQLite: the app's page cache and memory mapping, and how much of the file was read into the cache before the run.
   */
  readonly sqlite_memory?: SqliteMemory;
  readonly city: GenerationResult;
  readonly onset_day: string;
  readonly infectious_window: readonly [string, string];
  readonly warmup: number;
  readonly samples: number;
  readonly baseline: { readonly bare_fastify: Summary; readonly healthz: Summary };
  /** (a) traceCase, ms. */
  readonly trace: Summary;
  /** (b) POST /symptoms → the buddy's SSE notification parsed, ms. */
  readonly notify: Summary;
  /** (b) split: POST answered; POST sent → trace started; the trace; notification → app quiet again. */
  readonly notify_parts: {
    readonly http: Summary;
    readonly queue: Summary;
    readonly trace: Summary;
    readonly quiet_after: Summary;
  };
  /** (b′) the same with the analytics engine stopped (fewer sources: see samples), and its trace. */
  readonly notify_without_analytics?: {
    readonly samples: number;
    readonly notify: Summary;
    /** (b) on the same sources, for a paired comparison. */
    readonly notify_with_analytics_same_sources: Summary;
    readonly trace: Summary;
    readonly trace_breakdown_ms: Record<string, number>;
  };
  readonly ratios_to_healthz_p50: {
    readonly trace_p50: number;
    readonly notify_p50: number;
    readonly notify_p99: number;
  };
  /** Medians over the measured sources. */
  readonly per_trace_medians: Record<string, number>;
  /** Median exclusive ms per part of the trace in (a) and in (b), over the measured sources. */
  readonly trace_breakdown_ms: Record<string, number>;
  readonly notify_trace_breakdown_ms: Record<string, number>;
  /** (b) until the trace published its first notification: median exclusive ms per part, and the time itself. */
  readonly notify_path_breakdown_ms?: Record<string, number>;
  readonly notify_path_ms?: Summary;
  readonly plans: Record<string, string>;
  /** The co-location lookup done two ways, after the trace (warm): see bench/lib/what-if.ts. */
  readonly lookup_what_if: Record<string, { ms: Summary; candidates_median: number; queries_median: number }>;
  readonly per_source: readonly SourceSample[];
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------------------------------------------------------
// Instrumentation: wrap methods of the app's own instances
// ---------------------------------------------------------------------------------------------------------------

/** Labels of the parts of a trace, by the method that does them (methods not listed keep their own name). */
const PART_OF: Record<string, string> = {
  findCase: 'read case',
  setCaseWindow: 'read case',
  interactionsOf: "source's observations",
  presentDuring: 'presence lookups',
  interactionsByIds: 'candidate rows by id',
  encountersWith: 'encounters',
  insertMirrored: 'write risks',
  deleteMirroredEncounters: 'write risks',
  staleRisksOfCase: 'write risks',
  deleteRisks: 'write risks',
  risksFor: 'write risks',
  upsertRisks: 'write risks',
  markTraced: 'write risks',
  dayStates: 'person-day tiers',
  risksOfDays: 'person-day tiers',
  exposureDays: 'person-day tiers',
  upsertExposureDays: 'person-day tiers',
  create: 'notifications',
  createMany: 'notifications',
  publishCreated: 'publish notifications',
  managersOf: 'staff events',
  insertStaffEvents: 'staff events',
  riskIds: 'staff events',
};
/** Private helpers called by wrapped methods: their time stays with their caller. */
const NOT_WRAPPED = new Set(['constructor', 'overlapping']);

/**
 * Times the methods of the app's own service instances. Exclusive times: a wrapped call made inside another one
 * counts for itself only. Calls may run at once (a trace looks up places and encounters together): each call's
 * parent is found through the async context, so concurrent siblings each count for themselves, and the parts of a
 * trace can then add up to more than its wall time.
 */
class CallTimer {
  calls: Calls = {};
  /** Arguments of the last presentDuring call (the probes of a real trace, for EXPLAIN). */
  lastPresentAtArgs: unknown[] = [];
  counts = { probes: 0, candidates: 0, inWindow: 0, encounters: 0 };
  /** The wrapped method running now (innermost), for the query capture. */
  current: string | undefined;
  /** The calls made before the first notification of the trace was published, and when that was. */
  firstPublish: { at: number; calls: Calls } | undefined;
  private readonly frames = new AsyncLocalStorage<{ childMs: number; name: string }>();

  reset(): void {
    this.calls = {};
    this.counts = { probes: 0, candidates: 0, inWindow: 0, encounters: 0 };
    this.firstPublish = undefined;
  }

  private wrap(target: object, name: string, after?: (args: unknown[], result: unknown) => void): void {
    const holder = target as Record<string, unknown>;
    const original = holder[name] as (...a: unknown[]) => unknown;
    const label = PART_OF[name] ?? name;
    holder[name] = async (...args: unknown[]) => {
      if (
        name === 'publishCreated' &&
        this.firstPublish === undefined &&
        Array.isArray(args[0]) &&
        args[0].length > 0
      ) {
        this.firstPublish = { at: performance.now(), calls: structuredClone(this.calls) };
      }
      const parent = this.frames.getStore();
      const frame = { childMs: 0, name };
      this.current = name;
      const started = performance.now();
      try {
        const result = await this.frames.run(frame, () => original.apply(target, args));
        after?.(args, result);
        return result;
      } finally {
        const inclusive = performance.now() - started;
        this.current = parent?.name;
        if (parent) parent.childMs += inclusive;
        this.calls[label] ??= { ms: 0, calls: 0 };
        const entry = this.calls[label];
        entry.ms += inclusive - frame.childMs;
        entry.calls += 1;
      }
    };
  }

  /** Wraps every method of the instance's class (and the hooks that count probes and candidates). */
  wrapAll(target: object, only?: readonly string[]): string[] {
    const names = only ?? Object.getOwnPropertyNames(Object.getPrototypeOf(target)).filter((n) => !NOT_WRAPPED.has(n));
    const length = (r: unknown) => (Array.isArray(r) ? r.length : 0);
    const hooks: Record<string, (args: unknown[], result: unknown) => void> = {
      interactionsOf: (_a, r) => (this.counts.inWindow += length(r)),
      presentDuring: (a, r) => {
        this.lastPresentAtArgs = a;
        this.counts.probes += length(a[0]);
        this.counts.candidates += length(r);
      },
      encountersWith: (_a, r) => (this.counts.encounters += length(r)),
    };
    const wrapped: string[] = [];
    for (const name of names) {
      if (typeof (target as Record<string, unknown>)[name] !== 'function') continue;
      this.wrap(target, name, hooks[name]);
      wrapped.push(name);
    }
    return wrapped;
  }
}

/**
 * Compiles and keeps the queries the app runs while `timer.current` is one of the methods asked for: the SQL a
 * trace really executes, for EXPLAIN (the first query of each method).
 */
class QueryCapture implements KyselyPlugin {
  enabled = false;
  readonly queries = new Map<string, CompiledQuery>();
  private readonly compiler: SqliteQueryCompiler | PostgresQueryCompiler;

  constructor(
    dialect: DialectName,
    private readonly timer: CallTimer,
    private readonly methods: readonly string[],
  ) {
    this.compiler = dialect === 'sqlite' ? new SqliteQueryCompiler() : new PostgresQueryCompiler();
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const method = this.timer.current;
    if (this.enabled && method !== undefined && this.methods.includes(method) && !this.queries.has(method)) {
      this.queries.set(method, this.compiler.compileQuery(args.node, args.queryId));
    }
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** Wraps what traceCase calls; returns what was wrapped. */
function instrument(app: FastifyInstance, timer: CallTimer): string[] {
  const service = app.tracing as unknown as Record<string, object | undefined>;
  const repository = service.tracing;
  const notifications = service.notifications;
  if (repository === undefined || notifications === undefined) return [];
  return [...timer.wrapAll(repository), ...timer.wrapAll(notifications, ['create', 'createMany', 'publishCreated'])];
}

/** "other" is what no wrapper covers: building probes, scoring, transactions, bus events, JSON. */
function withOther(calls: Calls, totalMs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, { ms }] of Object.entries(calls)) out[label] = ms;
  const covered = Object.values(out).reduce((sum, x) => sum + x, 0);
  out['other (probes, scoring, transactions, events)'] = Math.max(0, totalMs - covered);
  return out;
}

/** Waits until the app's background work (trace jobs, analytics, the zone scanner and its debounce) is done. */
async function quiesce(app: FastifyInstance): Promise<number> {
  const started = performance.now();
  const background = app as unknown as {
    analytics?: { idle(): Promise<void> };
    zoneScanner?: { idle(): Promise<void> };
  };
  for (let round = 0; round < 2; round++) {
    await app.traceWorker.idle();
    await background.analytics?.idle();
    await background.zoneScanner?.idle();
  }
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------------------------
// Database chores
// ---------------------------------------------------------------------------------------------------------------

/** Removes everything tracing wrote, so each phase starts from the generated city. */
async function resetTracingState(db: Kysely<Database>): Promise<void> {
  await db.deleteFrom('exposure_risks').execute();
  await db.deleteFrom('interactions').where('origin', '=', 'mirrored').execute();
  await db.deleteFrom('exposure_days').execute();
  await db.deleteFrom('notifications').execute();
  await db.deleteFrom('trace_jobs').execute();
  await db.deleteFrom('symptoms').execute();
  await db.deleteFrom('cases').execute();
  await db.deleteFrom('audit_log').execute();
  // PostgreSQL: without a vacuum the deleted rows stay in the indexes, and every unique check of the next run's
  // writes visits them (a deployment's tables hold live rows instead, which the benchmark has no way to age).
  if (isPostgres(db))
    await sql`vacuum (analyze) exposure_risks, exposure_days, notifications, trace_jobs, symptoms, cases, audit_log`.execute(
      db,
    );
}

async function issueAppTokens(db: Kysely<Database>, userIds: readonly string[]): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  await db.deleteFrom('device_tokens').execute();
  const now = Date.now();
  for (const id of userIds) {
    const token = newAppToken();
    tokens.set(id, token);
    await db
      .insertInto('device_tokens')
      .values({ token_hash: hashAppToken(token), user_id: id, created_at: now })
      .execute();
  }
  return tokens;
}

/** Runs of identical lines as one line with a count (SQLite prints one CREATE BLOOM FILTER per IN-list row). */
function compactLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j < lines.length && lines[j] === lines[i]) j++;
    out.push(j - i > 1 ? `${lines[i]} (×${j - i})` : lines[i]!);
    i = j;
  }
  return out;
}

/**
 * EXPLAIN of the queries a trace really ran (captured from the app), plus the retention purge's filter (hourly; as a
 * SELECT, on the same conditions as TracingRepository.deleteInteractionsEndedBefore at the time of writing).
 */
async function explain(
  engine: DialectName,
  options: { size: string; databaseUrl?: string; captured: ReadonlyMap<string, CompiledQuery>; cutoff: number },
): Promise<Record<string, string>> {
  const queries: Array<[string, string, readonly unknown[]]> = [...options.captured].map(([method, q]) => [
    method,
    q.sql,
    q.parameters,
  ]);
  queries.push([
    "retention purge (select with the delete's conditions)",
    engine === 'sqlite'
      ? 'select "id" from "interactions" where "timestamp" < ? and "ended_at" < ?'
      : 'select "id" from "interactions" where "timestamp" < $1 and "ended_at" < $2',
    [options.cutoff, options.cutoff],
  ]);
  const plans: Record<string, string> = {};
  if (engine === 'sqlite') {
    const raw = new SQLite(sqliteFile(options.size), { readonly: true, fileMustExist: true });
    try {
      for (const [name, text, parameters] of queries) {
        const rows = raw.prepare(`explain query plan ${text}`).all(...parameters) as Array<{ detail: string }>;
        const started = performance.now();
        const n = raw.prepare(text).all(...parameters).length;
        plans[name] =
          `${compactLines(rows.map((r) => r.detail)).join('\n')}\n-- ${n} rows in ${round(performance.now() - started)} ms (run again alone, warm)`;
      }
    } finally {
      raw.close();
    }
    return plans;
  }
  const client = new pg.Client({
    connectionString: options.databaseUrl,
    options: `-c search_path="${postgresSchema(options.size)}" -c jit=off`,
  });
  await client.connect();
  try {
    for (const [name, text, parameters] of queries) {
      const result = await client.query<{ 'QUERY PLAN': string }>(
        `explain (analyze, buffers) ${text}`,
        parameters as unknown[],
      );
      // Row-value IN lists make very long condition lines: cut them.
      const lines = result.rows.map((r) =>
        r['QUERY PLAN'].length > 300 ? `${r['QUERY PLAN'].slice(0, 300)} …` : r['QUERY PLAN'],
      );
      // Partitioned tables: one scan per partition; keep the first few and the totals.
      plans[name] =
        lines.length > 40
          ? [...lines.slice(0, 30), `  … ${lines.length - 34} more lines …`, ...lines.slice(-4)].join('\n')
          : lines.join('\n');
    }
  } finally {
    await client.end();
  }
  return plans;
}

/** The co-location lookup of one trace: the app's own presentDuring call again (warm), and the bucket-key lookup. */
async function lookupWhatIfs(
  app: FastifyInstance,
  database: DatabaseHandle,
  source: string,
  presentArgs: unknown[],
  window: { start: number; end: number },
): Promise<Record<string, LookupMeasure>> {
  const repository = (app.tracing as unknown as { tracing: TracingRepository }).tracing;
  const started = performance.now();
  const found = await (repository.presentDuring as (...a: unknown[]) => Promise<unknown[]>)(...presentArgs);
  const engineLookup: LookupMeasure = {
    ms: performance.now() - started,
    candidates: found.length,
    queries: Math.ceil((presentArgs[0] as unknown[]).length / 400),
  };
  const records = await repository.interactionsOf(source, window.start, window.end, MAX_OBSERVATION_MS);
  const rings = ringsForRadius(INGEST_RULES.h3Resolution, DEFAULT_RISK_MODEL.gps.radiusMeters);
  return {
    engine: engineLookup,
    keys: await bucketKeyLookup(database.db, records, {
      bucketMinutes: INGEST_RULES.timeBucketMinutes,
      rings,
      excludeUserId: source,
      startedFrom: window.start - MAX_OBSERVATION_MS,
      startedBefore: window.end,
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------------------------------

const WHAT_IF_SOURCES = 3;

const sampleName = (i: number, warmup: number, measured: number) =>
  i < warmup ? `warm-up ${i + 1}/${warmup}` : `${i - warmup + 1}/${measured}`;

export async function runTracingBench(options: TracingBenchOptions): Promise<TracingBenchResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const warmup = options.warmup ?? 5;
  const samples = options.samples ?? 40;
  const baselinePerSample = options.baselinePerSample ?? 10;
  const analyticsSamples = Math.min(options.analyticsSamples ?? 20, samples);
  const log = (message: string) => process.stderr.write(`[tracing ${options.size} ${options.engine}] ${message}\n`);
  const machine = machineInfo();

  const wanted = citySpec(options.size, seed);
  const stored =
    options.engine === 'sqlite'
      ? readSqliteMeta(options.size)
      : await readPostgresMeta(options.databaseUrl!, options.size);
  if (!reusable(stored, wanted, await currentMigrations())) {
    throw new Error(
      `no usable ${options.size} city on ${options.engine}: run npx tsx bench/generate.ts --engine ${options.engine} --size ${options.size}`,
    );
  }
  const plan = planCity(stored.spec);
  const pairs = plantedPairs(plan);
  if (pairs.length < warmup + 1) throw new Error(`only ${pairs.length} planted pairs`);
  const measured = Math.min(samples, pairs.length - warmup);
  const used = pairs.slice(0, warmup + measured);
  const onsetDay = plan.onsetDay;
  const window = {
    start: Date.parse(`${addDays(onsetDay, -4)}T00:00:00Z`),
    end: Date.parse(`${addDays(onsetDay, 6)}T00:00:00Z`),
  };

  // The app, configured as a deployment would be (defaults), on the generated database.
  const secrets = benchSecrets(seed);
  const scratch = mkdtempSync(join(tmpdir(), 'epitrace-bench-'));
  const config = loadConfig({
    DATA_DIR: options.engine === 'sqlite' ? sqliteDataDir(options.size) : scratch,
    LOG_LEVEL: 'silent',
    ENCRYPTION_KEYS: secrets.encryptionKeys,
    TOKEN_SECRET: secrets.tokenSecret,
    ...(options.engine === 'postgres'
      ? { DATABASE_URL: options.databaseUrl!, DATABASE_SCHEMA: postgresSchema(options.size) }
      : {}),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.sqliteCacheMb !== undefined ? { SQLITE_CACHE_MB: String(options.sqliteCacheMb) } : {}),
    ...(options.sqliteMmapMb !== undefined ? { SQLITE_MMAP_MB: String(options.sqliteMmapMb) } : {}),
  });
  const database: DatabaseHandle =
    options.engine === 'sqlite'
      ? openDatabase({
          dialect: 'sqlite',
          sqliteFile: sqliteFile(options.size),
          sqliteCacheMib: config.sqliteCacheMib,
          sqliteMmapMib: config.sqliteMmapMib,
        })
      : openDatabase({
          dialect: 'postgres',
          databaseUrl: options.databaseUrl!,
          schema: postgresSchema(options.size),
          poolSize: config.dbPoolSize,
        });
  log('resetting tracing state…');
  await resetTracingState(database.db);
  let postgresMemory: PostgresMemory | undefined;
  if (options.engine === 'postgres') {
    log('loading the schema into shared buffers…');
    postgresMemory = await prewarmSchema(options.databaseUrl!, postgresSchema(options.size));
    log(
      `shared_buffers ${postgresMemory.shared_buffers_mib} MiB, schema ${postgresMemory.schema_mib} MiB, prewarmed ${postgresMemory.prewarmed_mib} MiB${postgresMemory.note ? ` (${postgresMemory.note})` : ''}`,
    );
  }
  let sqliteMemory: SqliteMemory | undefined;
  if (options.engine === 'sqlite') {
    log('reading the file into the page cache…');
    sqliteMemory = await prewarmSqlite(database.db, sqliteFile(options.size));
    log(
      `cache ${sqliteMemory.cache_mib} MiB, mapped ${sqliteMemory.mmap_mib} MiB, file ${sqliteMemory.file_mib} MiB, prewarmed ${sqliteMemory.prewarmed_mib} MiB, resident ${sqliteMemory.rss_mib} MiB${sqliteMemory.note ? ` (${sqliteMemory.note})` : ''}`,
    );
  }
  const tokens = await issueAppTokens(database.db, [...new Set(used.flatMap((p) => [p.source, p.buddy]))]);

  const timer = new CallTimer();
  const capture = new QueryCapture(options.engine, timer, ['interactionsOf', 'presentDuring', 'encountersWith']);
  const app = await buildApp(config, { database: { ...database, db: database.db.withPlugin(capture) }, logger: false });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const bare = Fastify({ logger: false });
  bare.get('/ping', async () => ({ ok: true }));
  const bareBase = await bare.listen({ port: 0, host: '127.0.0.1' });
  const wrapped = instrument(app, timer);
  if (wrapped.length === 0) log('TracingService internals not found: no breakdown');

  const countOf = async (userId: string) =>
    Number(
      (
        await database.db
          .selectFrom('interactions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('user_id', '=', userId)
          .where('origin', '=', 'app')
          .executeTakeFirstOrThrow()
      ).n,
    );

  try {
    // Warm the HTTP paths and the JIT; let the start-up work (first zone scan, analytics) finish.
    await roundTrips(`${bareBase}/ping`, 200);
    await roundTrips(`${base}/healthz`, 200);
    await quiesce(app);

    // (a) trace computation
    log(`(a) traceCase × ${warmup} warm-up + ${measured}`);
    const traced: Array<{
      pair: PlantedPair;
      ms: number;
      calls: Calls;
      counts: CallTimer['counts'];
      outcome: { risks: number; contacts: number; notifications: number };
      total: number;
    }> = [];
    const whatIfs: Array<Record<string, LookupMeasure>> = [];
    for (const [i, pair] of used.entries()) {
      await quiesce(app);
      const caseId = randomUUID();
      const now = Date.now();
      await database.db
        .insertInto('cases')
        .values({
          id: caseId,
          user_id: pair.source,
          report_type: 'self_reported',
          onset_date: onsetDay,
          test_date: null,
          managed_by: null,
          created_at: now,
          report_date: todayUtc(now),
          updated_at: now,
        })
        .execute();
      const total = await countOf(pair.source);
      timer.reset();
      capture.enabled = i === warmup;
      const started = performance.now();
      const outcome = await app.tracing.traceCase(caseId);
      const ms = performance.now() - started;
      capture.enabled = false;
      const counts = { ...timer.counts };
      log(
        `(a) ${sampleName(i, warmup, measured)}: ${round(ms, 1)} ms, ${counts.candidates} candidates, ${outcome.notifications} notifications`,
      );
      if (outcome.notifications === 0) log(`warning: the trace of ${pair.source} notified nobody`);
      if (i >= warmup) {
        traced.push({ pair, ms, calls: structuredClone(timer.calls), counts, outcome, total });
        const presentAtArgs = timer.lastPresentAtArgs;
        // The former lookup takes seconds a source on PostgreSQL: a few sources show the comparison.
        if (whatIfs.length < WHAT_IF_SOURCES) {
          await quiesce(app);
          whatIfs.push(await lookupWhatIfs(app, database, pair.source, presentAtArgs, window));
        }
      }
    }
    await quiesce(app);

    // (b) symptom report → notification on the buddy's live stream; then (b′) the same without the analytics engine
    const service = app.tracing as unknown as { traceCase: (id: string) => Promise<unknown> };
    const traceRuns: Array<{ start: number; end: number; calls: Calls; untilPublish: NotifySample['untilPublish'] }> =
      [];
    const originalTraceCase = service.traceCase;
    service.traceCase = async (id: string) => {
      timer.reset();
      const start = performance.now();
      try {
        return await originalTraceCase.call(app.tracing, id);
      } finally {
        const published = timer.firstPublish;
        traceRuns.push({
          start,
          end: performance.now(),
          calls: structuredClone(timer.calls),
          untilPublish: published && { ms: published.at - start, calls: published.calls },
        });
      }
    };
    const bareSamples: number[] = [];
    const healthzSamples: number[] = [];
    const notifyPass = async (label: string, passWarmup: number, passPairs: readonly PlantedPair[]) => {
      log('resetting tracing state…');
      await resetTracingState(database.db);
      log(`${label} POST /symptoms → SSE notification × ${passWarmup} warm-up + ${passPairs.length - passWarmup}`);
      const out: NotifySample[] = [];
      for (const [i, pair] of passPairs.entries()) {
        await quiesce(app);
        bareSamples.push(...(await roundTrips(`${bareBase}/ping`, baselinePerSample)));
        healthzSamples.push(...(await roundTrips(`${base}/healthz`, baselinePerSample)));
        await database.db.deleteFrom('exposure_days').where('user_id', '=', pair.buddy).execute();
        await database.db.deleteFrom('notifications').where('user_id', '=', pair.buddy).execute();
        const stream = await connectSse(`${base}/notifications/stream`, {
          headers: { authorization: `Bearer ${tokens.get(pair.buddy)!}` },
        });
        if (stream.status !== 200) throw new Error(`SSE stream for ${pair.buddy}: ${stream.status} ${stream.body}`);
        traceRuns.length = 0;
        const started = performance.now();
        const response = await fetch(`${base}/symptoms`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.get(pair.source)!}`, 'content-type': 'application/json' },
          body: JSON.stringify({ symptom: 'fever', date: onsetDay }),
        });
        await response.arrayBuffer();
        const answered = performance.now();
        if (response.status !== 201) throw new Error(`POST /symptoms: ${response.status}`);
        const event = await stream.waitFor((e) => e.event === 'notification', 120_000);
        const received = performance.now();
        const quietAfter = await quiesce(app);
        await stream.close();
        const data = JSON.parse(event.data) as {
          tier: string;
          exposure_date: string;
          details: { contact_kind: string };
        };
        const run = traceRuns[0];
        log(
          `${label} ${sampleName(i, passWarmup, passPairs.length - passWarmup)}: ${round(received - started, 1)} ms (POST answered after ${round(answered - started, 1)} ms, trace ${run ? round(run.end - run.start, 1) : '?'} ms)`,
        );
        if (i >= passWarmup) {
          out.push({
            ms: received - started,
            http: answered - started,
            queue: run ? run.start - started : Number.NaN,
            trace: run ? run.end - run.start : Number.NaN,
            calls: run?.calls ?? {},
            untilPublish: run?.untilPublish,
            quietAfter,
            event: { tier: data.tier, contact_kind: data.details.contact_kind, exposure_date: data.exposure_date },
          });
        }
      }
      return out;
    };
    const notified = await notifyPass('(b)', warmup, used);
    // (b′): the analytics engine recomputes its day rows on the same report, in the same process, while the trace
    // runs; stopping it (it unsubscribes from the bus) shows its share of (b).
    const analytics = (app as unknown as { analytics?: { stop(): Promise<void> } }).analytics;
    let withoutAnalytics: NotifySample[] = [];
    if (analytics !== undefined && analyticsSamples > 0) {
      await analytics.stop();
      withoutAnalytics = await notifyPass('(b′ no analytics)', 2, used.slice(warmup - 2, warmup + analyticsSamples));
    }
    service.traceCase = originalTraceCase;

    log('explaining the lookups…');
    const plans = await explain(options.engine, {
      size: options.size,
      databaseUrl: options.databaseUrl,
      captured: capture.queries,
      cutoff: plan.startMs - 7 * 86_400_000,
    });

    const perSource: SourceSample[] = traced.map((t, i) => ({
      source: t.pair.source,
      buddy: t.pair.buddy,
      interactions_total: t.total,
      interactions_in_window: t.counts.inWindow,
      probes: t.counts.probes,
      candidates: t.counts.candidates,
      encounters: t.counts.encounters,
      risks: t.outcome.risks,
      contacts: t.outcome.contacts,
      notifications: t.outcome.notifications,
      trace_ms: round(t.ms),
      trace_calls: roundCalls(t.calls),
      notify_ms: round(notified[i]!.ms),
      notify_http_ms: round(notified[i]!.http),
      notify_queue_ms: round(notified[i]!.queue),
      notify_trace_ms: round(notified[i]!.trace),
      notify_trace_calls: roundCalls(notified[i]!.calls),
      quiet_after_ms: round(notified[i]!.quietAfter),
      notified: notified[i]!.event,
    }));
    const traceSummary = summarize(traced.map((t) => t.ms));
    const notifySummary = summarize(notified.map((n) => n.ms));
    const healthz = summarize(healthzSamples);
    const field = (f: keyof SourceSample) => median(perSource.map((s) => Number(s[f])));
    return {
      benchmark: 'tracing',
      engine: options.engine,
      bus: options.redisUrl ? 'redis' : 'memory',
      size: options.size,
      date: new Date().toISOString(),
      machine,
      machine_at_end: machineInfo(),
      ...(postgresMemory ? { postgres_memory: postgresMemory } : {}),
      ...(sqliteMemory ? { sqlite_memory: sqliteMemory } : {}),
      city: stored.result,
      onset_day: onsetDay,
      infectious_window: [addDays(onsetDay, -4), addDays(onsetDay, 5)],
      warmup,
      samples: measured,
      baseline: { bare_fastify: summarize(bareSamples), healthz },
      trace: traceSummary,
      notify: notifySummary,
      notify_parts: {
        http: summarize(notified.map((n) => n.http)),
        queue: summarize(notified.map((n) => n.queue)),
        trace: summarize(notified.map((n) => n.trace)),
        quiet_after: summarize(notified.map((n) => n.quietAfter)),
      },
      ratios_to_healthz_p50: {
        trace_p50: round(traceSummary.p50 / healthz.p50, 1),
        notify_p50: round(notifySummary.p50 / healthz.p50, 1),
        notify_p99: round(notifySummary.p99 / healthz.p50, 1),
      },
      per_trace_medians: {
        interactions_total: field('interactions_total'),
        interactions_in_window: field('interactions_in_window'),
        probes: field('probes'),
        candidates: field('candidates'),
        encounters: field('encounters'),
        risks: field('risks'),
        contacts: field('contacts'),
        notifications: field('notifications'),
      },
      trace_breakdown_ms: medianBreakdown(traced.map((t) => withOther(t.calls, t.ms))),
      notify_trace_breakdown_ms: medianBreakdown(notified.map((n) => withOther(n.calls, n.trace))),
      notify_path_breakdown_ms: medianBreakdown(
        notified.flatMap((n) => (n.untilPublish ? [withOther(n.untilPublish.calls, n.untilPublish.ms)] : [])),
      ),
      notify_path_ms: summarize(notified.flatMap((n) => (n.untilPublish ? [n.untilPublish.ms] : []))),
      ...(withoutAnalytics.length > 0
        ? {
            notify_without_analytics: {
              samples: withoutAnalytics.length,
              notify: summarize(withoutAnalytics.map((n) => n.ms)),
              notify_with_analytics_same_sources: summarize(
                notified.slice(0, withoutAnalytics.length).map((n) => n.ms),
              ),
              trace: summarize(withoutAnalytics.map((n) => n.trace)),
              trace_breakdown_ms: medianBreakdown(withoutAnalytics.map((n) => withOther(n.calls, n.trace))),
            },
          }
        : {}),
      plans,
      lookup_what_if: Object.fromEntries(
        ['engine', 'keys'].map((k) => [
          k,
          {
            ms: summarize(whatIfs.map((w) => w[k]!.ms)),
            candidates_median: median(whatIfs.map((w) => w[k]!.candidates)),
            queries_median: median(whatIfs.map((w) => w[k]!.queries)),
          },
        ]),
      ),
      per_source: perSource,
    };
  } finally {
    await bare.close();
    await app.close(); // closes the database too
    rmSync(scratch, { recursive: true, force: true });
  }
}

function roundCalls(calls: Calls): Calls {
  return Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, { ms: round(v.ms), calls: v.calls }]));
}

function medianBreakdown(breakdowns: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const labels = [...new Set(breakdowns.flatMap((b) => Object.keys(b)))];
  return Object.fromEntries(labels.map((l) => [l, round(median(breakdowns.map((b) => b[l] ?? 0)))]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      engine: { type: 'string', default: 'sqlite' },
      size: { type: 'string', default: '1m' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      samples: { type: 'string', default: '40' },
      warmup: { type: 'string', default: '5' },
      redis: { type: 'string' },
      out: { type: 'string' },
      'sqlite-cache-mb': { type: 'string' },
      'sqlite-mmap-mb': { type: 'string' },
    },
  });
  const engine = values.engine as DialectName;
  if (engine !== 'sqlite' && engine !== 'postgres') throw new Error('--engine is sqlite or postgres');
  const databaseUrl = process.env.DATABASE_URL;
  if (engine === 'postgres' && !databaseUrl) throw new Error('--engine postgres needs DATABASE_URL');
  const result = await runTracingBench({
    engine,
    size: values.size!,
    seed: Number(values.seed),
    samples: Number(values.samples),
    warmup: Number(values.warmup),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(values.redis ? { redisUrl: values.redis } : {}),
    ...(values['sqlite-cache-mb'] !== undefined ? { sqliteCacheMb: Number(values['sqlite-cache-mb']) } : {}),
    ...(values['sqlite-mmap-mb'] !== undefined ? { sqliteMmapMb: Number(values['sqlite-mmap-mb']) } : {}),
  });
  const text = JSON.stringify(result, null, 2);
  if (values.out) writeFileSync(values.out, `${text}\n`);
  else console.log(text);
  const r = result;
  process.stderr.write(
    `[tracing ${r.size} ${r.engine}] (a) trace p50 ${r.trace.p50} ms p99 ${r.trace.p99} ms · (b) notify p50 ${r.notify.p50} ms p99 ${r.notify.p99} ms · ` +
      `healthz p50 ${r.baseline.healthz.p50} ms · bare p50 ${r.baseline.bare_fastify.p50} ms\n`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
