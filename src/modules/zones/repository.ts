import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../../platform/db/connect.js';
import type { Database, NewRow, Row, RowUpdate } from '../../platform/db/tables.js';
import type { InfectiousStay } from './model.js';

/** PostgreSQL advisory lock key serialising the recording of scans (and so the creation of clusters and alerts). */
const ZONES_LOCK_KEY = 0x45_50_5a_4e; // "EPZN"

export class ZonesRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  /** Runs `work` in one transaction that no other process's recording of a scan overlaps. */
  async exclusively<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      // SQLite: a single writer at a time already; PostgreSQL: a transaction-scoped advisory lock.
      if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${ZONES_LOCK_KEY})`.execute(trx);
      return work(trx);
    });
  }

  async insertScan(trx: Kysely<Database>, row: NewRow<'zone_scans'>): Promise<void> {
    await trx.insertInto('zone_scans').values(row).execute();
  }

  /** Scans run before `beforeMs` are deleted, the latest one always kept. */
  async pruneScans(trx: Kysely<Database>, beforeMs: number, keepId: string): Promise<void> {
    await trx.deleteFrom('zone_scans').where('ran_at', '<', beforeMs).where('id', '!=', keepId).execute();
  }

  latestScan(): Promise<Row<'zone_scans'> | undefined> {
    return this.db
      .selectFrom('zone_scans')
      .selectAll()
      .orderBy('ran_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Tracked clusters last significant on or after `date` (the only ones a new cluster can continue). */
  trackedEndingSince(trx: Kysely<Database>, date: string): Promise<Row<'zone_clusters'>[]> {
    return trx.selectFrom('zone_clusters').selectAll().where('end_date', '>=', date).execute();
  }

  /** Inserts a new tracked cluster unless its identity key exists; true when inserted. */
  async insertCluster(trx: Kysely<Database>, row: NewRow<'zone_clusters'>): Promise<boolean> {
    const inserted = await trx
      .insertInto('zone_clusters')
      .values(row)
      .onConflict((oc) => oc.column('identity_key').doNothing())
      .returning('id')
      .execute();
    return inserted.length === 1;
  }

  clusterByKey(trx: Kysely<Database>, identityKey: string): Promise<Row<'zone_clusters'> | undefined> {
    return trx.selectFrom('zone_clusters').selectAll().where('identity_key', '=', identityKey).executeTakeFirst();
  }

  clusterById(trx: Kysely<Database>, id: string): Promise<Row<'zone_clusters'> | undefined> {
    return trx.selectFrom('zone_clusters').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async updateCluster(trx: Kysely<Database>, id: string, patch: RowUpdate<'zone_clusters'>): Promise<void> {
    await trx.updateTable('zone_clusters').set(patch).where('id', '=', id).execute();
  }

  /**
   * Location stays and venue check-ins of active cases overlapping their infectious window and [sinceMs, untilMs).
   * `maxDurationMs` bounds how early an overlapping observation may start (so the time index is used).
   */
  async infectiousStays(sinceMs: number, untilMs: number, maxDurationMs: number): Promise<InfectiousStay[]> {
    const rows = await this.db
      .selectFrom('cases as c')
      .innerJoin('interactions as i', 'i.user_id', 'c.user_id')
      .select([
        'c.id as case_id',
        'c.window_start',
        'c.window_end',
        'i.kind',
        'i.location',
        'i.venue_id',
        'i.timestamp',
        'i.ended_at',
      ])
      .where('c.status', '=', 'active')
      .where('c.window_start', 'is not', null)
      .where('c.window_end', '>', sinceMs)
      .where('c.window_start', '<', untilMs)
      .where('i.kind', 'in', ['location', 'checkin'])
      .where('i.timestamp', '>=', sinceMs - maxDurationMs)
      .where('i.timestamp', '<', untilMs)
      .where('i.ended_at', '>', sinceMs)
      .whereRef('i.timestamp', '<', 'c.window_end')
      .whereRef('i.ended_at', '>', 'c.window_start')
      .execute();
    const stays: InfectiousStay[] = [];
    for (const r of rows) {
      const place = r.kind === 'checkin' ? r.venue_id : r.location;
      if (place === null) continue;
      stays.push({
        caseId: r.case_id,
        kind: r.kind === 'checkin' ? 'venue' : 'cell',
        place,
        startMs: r.timestamp,
        endMs: r.ended_at,
        windowStart: r.window_start!,
        windowEnd: r.window_end!,
      });
    }
    return stays;
  }
}
