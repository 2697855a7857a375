/**
 * What-if measurement for the report: the co-location lookup of a trace done the way the app did it before the
 * probes, next to the app's own (TracingRepository.presentDuring, replayed with the arguments the trace passed).
 * Read-only; nothing here is used by the app.
 *
 * "bucket keys" looks up every (place, bucket) key of the source — the H3 cell of each observation and its
 * neighbours, for each hour the observation covers, or the venue — with row-value `(place, bucket) IN (…)` lists
 * of 400 keys, and gets back everyone indexed there whether or not their time overlaps the source's.
 */

import { gridDisk } from 'h3-js';
import type { Kysely } from 'kysely';
import { bucketsOf, type PresenceRecord } from '../../src/modules/tracing/matching.js';
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

/** The (place, bucket) keys under which another person's presence could overlap this one. */
export function bucketKeys(record: PresenceRecord, bucketMinutes: number, rings: number): Array<[string, number]> {
  if (record.place === null || record.kind === 'proximity') return [];
  const places = record.kind === 'location' ? gridDisk(record.place, rings) : [record.place];
  return bucketsOf(record.startMs, record.endMs, bucketMinutes).flatMap((bucket) =>
    places.map((place): [string, number] => [place, bucket]),
  );
}

export async function bucketKeyLookup(
  db: Kysely<Database>,
  sources: readonly PresenceRecord[],
  options: { bucketMinutes: number; rings: number; excludeUserId: string; startedFrom: number; startedBefore: number },
): Promise<LookupMeasure & { keys: number }> {
  const keys = [
    ...new Map(
      sources
        .flatMap((s) => bucketKeys(s, options.bucketMinutes, options.rings))
        .map((k) => [`${k[0]}|${k[1]}`, k] as const),
    ).values(),
  ];
  const started = performance.now();
  const ids = new Set<string>();
  let queries = 0;
  for (const part of chunks(keys, 400)) {
    const rows = await db
      .selectFrom('presence_index')
      .select(['interaction_id', 'user_id', 'place', 'started_at', 'ended_at', 'lat', 'lng'])
      .where((eb) =>
        eb(
          eb.refTuple('place', 'bucket'),
          'in',
          part.map(([place, bucket]) => eb.tuple(place, bucket)),
        ),
      )
      .where('started_at', '>=', options.startedFrom)
      .where('started_at', '<', options.startedBefore)
      .where('user_id', '!=', options.excludeUserId)
      .execute();
    queries += 1;
    for (const row of rows) ids.add(row.interaction_id);
  }
  return { ms: performance.now() - started, candidates: ids.size, queries, keys: keys.length };
}
