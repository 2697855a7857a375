import { sql, type Kysely, type RawBuilder } from 'kysely';
import { isPostgres } from '../../../platform/db/column-arrays.js';
import type { Database, NewRow, Row } from '../../../platform/db/tables.js';
import { VENUE_PREFIX, venuePlace, type PresenceProbe, type PresenceRecord } from '../matching.js';
import { chunks, ID_CHUNK } from './batches.js';

/** SQLite: probes per statement (a row-value list well under the bound-parameter limit). */
const PROBE_CHUNK = 400;
/**
 * PostgreSQL: a trace's probes are split over this many statements run at once on separate connections (each
 * backend uses a core); a part has at least PG_PROBES_PER_PART probes, so small lookups stay one statement.
 */
const PG_LOOKUP_PARALLELISM = 2;
const PG_PROBES_PER_PART = 100;

type InteractionRow = Row<'interactions'>;
type PresenceRow = Pick<
  Row<'presence_index'>,
  'interaction_id' | 'user_id' | 'place' | 'started_at' | 'ended_at' | 'lat' | 'lng'
>;

export interface PresenceLookupOptions {
  readonly maxDurationMs: number;
  readonly excludeUserId?: string;
  readonly onlyUsers?: readonly string[];
}

/** The statement of one part of a presence lookup (see PresenceRepository.presentDuring). */
export function presenceLookup(
  postgres: boolean,
  part: readonly PresenceProbe[],
  options: PresenceLookupOptions,
): RawBuilder<PresenceRow> {
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
  const box = (pick: (b: NonNullable<PresenceProbe['box']>) => number) =>
    part.map((p) => (p.box === null ? null : pick(p.box)));
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
        part.map(
          (p) =>
            sql`(${p.place}, ${p.firstBucket}, ${p.lastBucket}, ${p.fromMs}, ${p.toMs}, ${p.box?.minLat ?? null}, ${p.box?.maxLat ?? null}, ${p.box?.minLng ?? null}, ${p.box?.maxLng ?? null})`,
        ),
      )})
      select p.interaction_id, p.user_id, p.place, p.started_at, p.ended_at, p.lat, p.lng
      from k cross join presence_index p
      where ${where}`;
}

export function toPresence(
  row: Pick<
    InteractionRow,
    | 'id'
    | 'user_id'
    | 'kind'
    | 'location'
    | 'venue_id'
    | 'timestamp'
    | 'ended_at'
    | 'lat'
    | 'lng'
    | 'attenuation_db'
    | 'peer_user_id'
  >,
): PresenceRecord {
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

const PRESENCE_COLUMNS = [
  'id',
  'user_id',
  'kind',
  'location',
  'venue_id',
  'timestamp',
  'ended_at',
  'lat',
  'lng',
  'attenuation_db',
  'peer_user_id',
] as const;

/**
 * People's observations as matching reads them (interactions and the presence index), and the copies of encounters
 * a trace mirrors into a peer's history.
 */
export class PresenceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** A person's observations overlapping [fromMs, toMs); `maxDurationMs` bounds how early one may start. */
  interactionsOf(userId: string, fromMs: number, toMs: number, maxDurationMs: number): Promise<PresenceRecord[]> {
    return this.overlapping('user_id', userId, fromMs, toMs, maxDurationMs);
  }

  /** Proximity records in which someone's phone saw `peerUserId` during [fromMs, toMs). */
  encountersWith(peerUserId: string, fromMs: number, toMs: number, maxDurationMs: number): Promise<PresenceRecord[]> {
    return this.overlapping('peer_user_id', peerUserId, fromMs, toMs, maxDurationMs);
  }

  private async overlapping(
    column: 'user_id' | 'peer_user_id',
    userId: string,
    fromMs: number,
    toMs: number,
    maxDurationMs: number,
  ): Promise<PresenceRecord[]> {
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
    const parts = postgres
      ? chunks(probes, Math.max(PG_PROBES_PER_PART, Math.ceil(probes.length / PG_LOOKUP_PARALLELISM)))
      : chunks(probes, PROBE_CHUNK);
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
      await trx
        .insertInto('interactions')
        .values(part)
        .onConflict((oc) => oc.columns(['id', 'timestamp']).doNothing())
        .execute();
    }
  }

  /** The person's own record of an encounter supersedes the copy made from the source's record. */
  async deleteMirroredEncounters(
    trx: Kysely<Database>,
    userId: string,
    peers: readonly string[],
    fromMs: number,
    toMs: number,
  ): Promise<void> {
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
}
