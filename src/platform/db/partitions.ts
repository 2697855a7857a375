import { sql, type Kysely } from 'kysely';
import { MS_PER_DAY } from '../time/calendar.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- partition DDL works on any schema */

/**
 * Daily range partitions on PostgreSQL (tables partitioned by an epoch-millisecond column). Partitions are
 * named `<table>_pYYYYMMDD` and cover one UTC day; a DEFAULT partition catches anything outside them.
 */
export const PARTITIONED_TABLES = [
  { table: 'interactions', column: 'timestamp' },
  { table: 'presence_index', column: 'started_at' },
] as const;

export function partitionName(table: string, dayStartMs: number): string {
  return `${table}_p${new Date(dayStartMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export function utcDayStart(ms: number): number {
  return Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;
}

/** Existing daily partitions of a table: name → first millisecond of its day. */
// biome-ignore lint/suspicious/noExplicitAny: called with the app's Kysely<Database> and with migrations' Kysely<any>
export async function dailyPartitions(db: Kysely<any>, table: string): Promise<Map<string, number>> {
  const rows = await sql<{ name: string }>`
    select c.relname as name
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    join pg_namespace n on n.oid = p.relnamespace
    where p.relname = ${table} and n.nspname = current_schema()`.execute(db);
  const out = new Map<string, number>();
  for (const { name } of rows.rows) {
    const match = /_p(\d{4})(\d{2})(\d{2})$/.exec(name);
    if (match) out.set(name, Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  }
  return out;
}

/**
 * Creates the missing daily partitions for [fromMs, toMs], all in one round trip. A day whose rows already went to
 * the DEFAULT partition cannot get its own partition (PostgreSQL refuses); it is skipped and reported.
 */
export async function ensureDailyPartitions(
  // biome-ignore lint/suspicious/noExplicitAny: called with the app's Kysely<Database> and with migrations' Kysely<any>
  db: Kysely<any>,
  fromMs: number,
  toMs: number,
): Promise<{ created: string[]; skipped: string[] }> {
  const wanted: Array<{ table: string; name: string; day: number }> = [];
  const before = new Set<string>();
  for (const { table } of PARTITIONED_TABLES) {
    const existing = await dailyPartitions(db, table);
    for (const name of existing.keys()) before.add(name);
    for (let day = utcDayStart(fromMs); day <= toMs; day += MS_PER_DAY) {
      const name = partitionName(table, day);
      if (!existing.has(name)) wanted.push({ table, name, day });
    }
  }
  if (wanted.length === 0) return { created: [], skipped: [] };
  // Names and bounds are generated here (identifiers of the form table_pYYYYMMDD, integers), never user input.
  const statements = wanted.map(
    ({ table, name, day }) =>
      `BEGIN CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF "${table}" FOR VALUES FROM (${day}) TO (${day + MS_PER_DAY}); EXCEPTION WHEN others THEN NULL; END;`,
  );
  await sql.raw(`DO $$ BEGIN ${statements.join(' ')} END $$`).execute(db);
  const after = new Set<string>();
  for (const { table } of PARTITIONED_TABLES)
    for (const name of (await dailyPartitions(db, table)).keys()) after.add(name);
  return {
    created: wanted.filter((w) => after.has(w.name) && !before.has(w.name)).map((w) => w.name),
    skipped: wanted.filter((w) => !after.has(w.name)).map((w) => w.name),
  };
}

/** Drops every daily partition whose whole day ended before `beforeMs`: retention without deleting rows one by one. */
// biome-ignore lint/suspicious/noExplicitAny: called with the app's Kysely<Database> and with migrations' Kysely<any>
export async function dropDailyPartitionsBefore(db: Kysely<any>, beforeMs: number): Promise<string[]> {
  const dropped: string[] = [];
  for (const { table } of PARTITIONED_TABLES) {
    for (const [name, day] of await dailyPartitions(db, table)) {
      if (day + MS_PER_DAY <= beforeMs) {
        await sql`drop table if exists ${sql.id(name)}`.execute(db);
        dropped.push(name);
      }
    }
  }
  return dropped;
}
