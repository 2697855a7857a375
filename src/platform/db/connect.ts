import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { startSqliteCheckpointer, type SqliteCheckpointer } from './sqlite-checkpointer.js';
import { LockWaitingSqliteDialect } from './sqlite-write-lock.js';
import type { Database } from './tables.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  readonly dialect: DialectName;
  /** SQLite: the database file (or ':memory:'). */
  readonly sqliteFile?: string;
  /** PostgreSQL: connection string. */
  readonly databaseUrl?: string;
  /** PostgreSQL: schema to use (created if missing); tests use one schema each. */
  readonly schema?: string;
  readonly poolSize?: number;
  /** SQLite file: how often a worker thread checkpoints the write-ahead log (0: SQLite's own, in commits). */
  readonly sqliteCheckpointMs?: number;
  /** SQLite: how long a statement or a transaction's start waits for another process's write lock. */
  readonly sqliteBusyTimeoutMs?: number;
  /** SQLite: the most MiB of database pages this connection keeps in memory (allocated as they are read). */
  readonly sqliteCacheMib?: number;
  /** SQLite: how many MiB at the start of the file are read through a memory mapping instead (0: none). */
  readonly sqliteMmapMib?: number;
}

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** PostgreSQL schema holding the tables (and the migration bookkeeping). */
  readonly schema: string | undefined;
  /** SQLite file: the thread that checkpoints its write-ahead log. */
  readonly sqliteCheckpointer?: SqliteCheckpointer;
  /** Checks the connection works (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// PostgreSQL returns int8/numeric as strings and dates as Date objects by default; the rest of the
// system uses numbers and 'YYYY-MM-DD' text on both engines. Epoch milliseconds fit a double exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

/** SQLite's page cache per connection unless configured (SQLITE_CACHE_MB). */
export const DEFAULT_CACHE_MIB = 128;
/** How much of the file SQLite reads through a memory mapping unless configured (SQLITE_MMAP_MB): its build's limit. */
export const DEFAULT_MMAP_MIB = 2047;

export function sqliteFileIn(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return join(dataDir, 'epitrace.sqlite');
}

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  return options.dialect === 'sqlite' ? openSqlite(options) : openPostgres(options);
}

function openSqlite(options: DatabaseOptions): DatabaseHandle {
  const file = options.sqliteFile ?? ':memory:';
  const connection = new SQLite(file);
  if (file !== ':memory:') chmodSync(file, 0o600);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  const busyTimeoutMs = options.sqliteBusyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  connection.pragma(`busy_timeout = ${busyTimeoutMs}`);
  // SQLite's default page cache is 2 MB: tracing lookups then go to the file system for every index page. The
  // start of the file (up to 2 GiB, SQLite's build limit) is read through a memory mapping instead; pages past it
  // come through this cache, so a larger database needs a larger one (SQLITE_CACHE_MB).
  connection.pragma(`cache_size = -${(options.sqliteCacheMib ?? DEFAULT_CACHE_MIB) * 1024}`);
  connection.pragma(`mmap_size = ${(options.sqliteMmapMib ?? DEFAULT_MMAP_MIB) * 2 ** 20}`);
  const checkpointMs = options.sqliteCheckpointMs ?? DEFAULT_CHECKPOINT_MS;
  const checkpointer =
    file !== ':memory:' && checkpointMs > 0 ? startSqliteCheckpointer(connection, file, checkpointMs) : undefined;
  const db = new Kysely<Database>({
    dialect: new LockWaitingSqliteDialect(
      withStatementCache(connection, STATEMENT_CACHE_SIZE),
      connection,
      busyTimeoutMs,
    ),
  });
  return {
    db,
    dialect: 'sqlite',
    schema: undefined,
    sqliteCheckpointer: checkpointer,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

const STATEMENT_CACHE_SIZE = 200;
const DEFAULT_CHECKPOINT_MS = 500;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Kysely prepares every query it runs; SQLite compiles a statement anew each time (a trace's batched lookups and
 * inserts, thousands of parameters each, spend milliseconds in it). The same SQL text gets the same compiled
 * statement back here, the least recently used ones forgotten first. Statements run to completion one at a time
 * (better-sqlite3 is synchronous and Kysely does not stream here), so sharing one is safe.
 */
export function withStatementCache(connection: SQLite.Database, size: number): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => connection.close(),
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (statement !== undefined) cache.delete(text);
      else statement = connection.prepare(text);
      cache.set(text, statement);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}

function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return `"${name}"`;
}

function openPostgres(options: DatabaseOptions): DatabaseHandle {
  if (options.databaseUrl === undefined) throw new Error('PostgreSQL needs a connection string');
  const settings = ['-c jit=off'];
  if (options.schema !== undefined) settings.push(`-c search_path=${quoteIdentifier(options.schema)}`);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    options: settings.join(' '),
    // Shown in pg_stat_activity: which backends are Epitrace's, and which schema (tenant, test) they serve.
    application_name: applicationName(options.schema),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    schema: options.schema ?? 'public',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** The application_name of Epitrace's PostgreSQL connections to `schema` (at most 63 bytes are kept by the server). */
export function applicationName(schema: string | undefined): string {
  return schema === undefined ? 'epitrace' : `epitrace:${schema}`;
}

/** Creates a PostgreSQL schema (used to give each test, or each tenant, its own namespace). */
export async function createPostgresSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`create schema if not exists ${quoteIdentifier(schema)}`);
  } finally {
    await client.end();
  }
}

export async function dropPostgresSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${quoteIdentifier(schema)} cascade`);
  } finally {
    await client.end();
  }
}
