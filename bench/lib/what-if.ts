/**
 * What-if measurements for the report: the co-location lookup of a trace done the ways we recommend, next to the
 * app's own (TracingRepository.presentAt, replayed with the arguments the trace passed). Read-only; nothing here
 * is used by the app.
 *
 * The app looks up every (place, bucket) key of the source — the H3 cell of each observation and its 6
 * neighbours, for each hour the observation covers — and gets back everyone indexed there, in chunks of 400 keys.
 * "filtered" sends one probe row per (source observation, key) instead and joins it to presence_index with the
 * time overlap and a bounding box of the GPS radius around the source's point in SQL (venues: same place and time
 * overlap), so only candidates that can form an episode come back. The start-time bounds let PostgreSQL skip the
 * partitions of other days, as the app's query does.
 *
 * On SQLite the primary-key index must be named (INDEXED BY): without ANALYZE statistics the planner otherwise
 * builds an automatic index on `bucket` over the whole table for every query (10 s instead of 8 ms for 400 probes
 * at 1 M interactions).
 */

import { sql, type Kysely } from 'kysely';
import { matchingKeys, type PresenceRecord } from '../../src/modules/tracing/matching.js';
import type { Database } from '../../src/platform/db/tables.js';

export interface LookupMeasure {
  readonly ms: number;
  /** Distinct interactions returned. */
  readonly candidates: number;
  readonly queries: number;
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

type Probe = [place: string, bucket: number, t0: number, t1: number, la0: number | null, la1: number | null, lo0: number | null, lo1: number | null];

async function presencePrimaryKeyIndex(db: Kysely<Database>): Promise<string> {
  const result = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'presence_index' and name like 'sqlite_autoindex_%'`.execute(db);
  const name = result.rows[0]?.name;
  if (name === undefined) throw new Error('presence_index has no primary-key index');
  return name;
}

/**
 * The app's lookup with the keys sent as arrays (PostgreSQL: `join unnest($1::text[], $2::int[])`; SQLite: a VALUES
 * table joined to the primary key) instead of a row-value IN list: same rows, same filters (the presentAt options
 * the trace used), all keys in one statement on PostgreSQL.
 */
export async function keysAsArrays(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  keys: ReadonlyArray<readonly [string, number]>,
  options: { excludeUserId?: string; startedFrom?: number; startedBefore?: number },
): Promise<LookupMeasure> {
  const unique = [...new Map(keys.map((k) => [`${k[0]}|${k[1]}`, k])).values()];
  const index = dialect === 'sqlite' ? await presencePrimaryKeyIndex(db) : '';
  const from = options.startedFrom ?? Number.MIN_SAFE_INTEGER;
  const to = options.startedBefore ?? Number.MAX_SAFE_INTEGER;
  const exclude = options.excludeUserId ?? '';
  const started = performance.now();
  const ids = new Set<string>();
  let queries = 0;
  for (const part of chunks(unique, dialect === 'postgres' ? 100_000 : 2_000)) {
    const query =
      dialect === 'postgres'
        ? sql<{ interaction_id: string }>`select p.interaction_id, p.user_id, p.place, p.started_at, p.ended_at, p.lat, p.lng
            from unnest(${part.map((k) => k[0])}::text[], ${part.map((k) => k[1])}::int[]) as k(place, bucket)
            join presence_index p on p.place = k.place and p.bucket = k.bucket
            where p.started_at >= ${from} and p.started_at < ${to} and p.user_id <> ${exclude}`
        : sql<{ interaction_id: string }>`with k(place, bucket) as (values ${sql.join(part.map((k) => sql`(${k[0]}, ${k[1]})`))})
            select p.interaction_id, p.user_id, p.place, p.started_at, p.ended_at, p.lat, p.lng
            from k cross join presence_index p indexed by ${sql.id(index)} on p.place = k.place and p.bucket = k.bucket
            where p.started_at >= ${from} and p.started_at < ${to} and p.user_id <> ${exclude}`;
    const result = await query.execute(db);
    queries += 1;
    for (const row of result.rows) ids.add(row.interaction_id);
  }
  return { ms: performance.now() - started, candidates: ids.size, queries };
}

export async function filtered(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  sources: readonly PresenceRecord[],
  options: { bucketMinutes: number; rings: number; radiusMeters: number; maxDurationMs: number; excludeUserId: string },
): Promise<LookupMeasure> {
  const marginLat = options.radiusMeters / 111_320;
  const probes: Probe[] = [];
  for (const s of sources) {
    for (const [place, bucket] of matchingKeys(s, options.bucketMinutes, options.rings)) {
      if (s.kind === 'location' && s.lat !== null && s.lng !== null) {
        const marginLng = options.radiusMeters / (111_320 * Math.cos((s.lat * Math.PI) / 180));
        probes.push([place, bucket, s.startMs, s.endMs, s.lat - marginLat, s.lat + marginLat, s.lng - marginLng, s.lng + marginLng]);
      } else {
        probes.push([place, bucket, s.startMs, s.endMs, null, null, null, null]);
      }
    }
  }
  const index = dialect === 'sqlite' ? await presencePrimaryKeyIndex(db) : '';
  const started = performance.now();
  const ids = new Set<string>();
  let queries = 0;
  for (const part of chunks(probes, 400)) {
    // Someone overlapping [t0, t1) started before t1 and at most maxDuration before t0.
    const from = Math.min(...part.map((p) => p[2])) - options.maxDurationMs;
    const to = Math.max(...part.map((p) => p[3]));
    const column = (i: number) => part.map((p) => p[i]);
    const query =
      dialect === 'postgres'
        ? sql<{ interaction_id: string }>`select distinct p.interaction_id
            from unnest(${column(0)}::text[], ${column(1)}::int[], ${column(2)}::int8[], ${column(3)}::int8[], ${column(4)}::float8[], ${column(5)}::float8[], ${column(6)}::float8[], ${column(7)}::float8[])
              as k(place, bucket, t0, t1, la0, la1, lo0, lo1)
            join presence_index p on p.place = k.place and p.bucket = k.bucket
            where p.started_at >= ${from} and p.started_at < ${to}
              and p.user_id <> ${options.excludeUserId} and p.started_at < k.t1 and p.ended_at > k.t0
              and (k.la0 is null or (p.lat between k.la0 and k.la1 and p.lng between k.lo0 and k.lo1))`
        : sql<{ interaction_id: string }>`with k(place, bucket, t0, t1, la0, la1, lo0, lo1) as (values ${sql.join(part.map((p) => sql`(${sql.join(p)})`))})
            select distinct p.interaction_id from k cross join presence_index p indexed by ${sql.id(index)} on p.place = k.place and p.bucket = k.bucket
            where p.started_at >= ${from} and p.started_at < ${to}
              and p.user_id <> ${options.excludeUserId} and p.started_at < k.t1 and p.ended_at > k.t0
              and (k.la0 is null or (p.lat between k.la0 and k.la1 and p.lng between k.lo0 and k.lo1))`;
    const result = await query.execute(db);
    queries += 1;
    for (const row of result.rows) ids.add(row.interaction_id);
  }
  return { ms: performance.now() - started, candidates: ids.size, queries };
}
