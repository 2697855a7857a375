import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { ensureDailyPartitions } from '../partitions.js';
import { MS_PER_DAY } from '../../time/calendar.js';

/**
 * PostgreSQL: `interactions` and `presence_index` become partitioned by day, so retention drops whole
 * partitions. A partitioned table's unique keys must include the partition column, so interactions are keyed by
 * (id, timestamp) and the foreign keys into them are dropped: the code deletes dependent rows itself, on both
 * engines. SQLite keeps its tables and gains the same (id, timestamp) unique key, so one upsert works on both.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = await engine(db);
  if (dialect === 'sqlite') {
    await db.schema
      .createIndex('interactions_id_timestamp_uq')
      .unique()
      .on('interactions')
      .columns(['id', 'timestamp'])
      .execute();
    await db.schema.createIndex('presence_index_ended_idx').on('presence_index').column('ended_at').execute();
    await db.schema.createIndex('exposure_risks_episode_end_idx').on('exposure_risks').column('episode_end').execute();
    return;
  }
  await sql`alter table exposure_risks drop constraint if exists exposure_risks_interaction_id_fkey`.execute(db);
  await sql`alter table presence_index drop constraint if exists presence_index_interaction_id_fkey`.execute(db);

  await sql`alter table interactions rename to interactions_unpartitioned`.execute(db);
  await sql`create table interactions (like interactions_unpartitioned including defaults) partition by range ("timestamp")`.execute(
    db,
  );
  await sql`alter table interactions add constraint interactions_pk primary key (id, "timestamp")`.execute(db);
  await sql`create table interactions_default partition of interactions default`.execute(db);

  await sql`alter table presence_index rename to presence_index_unpartitioned`.execute(db);
  await sql`create table presence_index (like presence_index_unpartitioned including defaults) partition by range (started_at)`.execute(
    db,
  );
  await sql`alter table presence_index add constraint presence_index_pk2 primary key (place, bucket, interaction_id, started_at)`.execute(
    db,
  );
  await sql`create table presence_index_default partition of presence_index default`.execute(db);

  // Partitions for the data already there (bounded by retention) and tomorrow, before any row is copied; the
  // server creates the days further ahead when it starts.
  const bounds = await sql<{
    lo: number | null;
  }>`select min("timestamp") as lo from interactions_unpartitioned`.execute(db);
  const oldest = Number(bounds.rows[0]?.lo ?? Date.now());
  await ensureDailyPartitions(db, Math.max(oldest, Date.now() - 60 * MS_PER_DAY), Date.now() + MS_PER_DAY);

  await sql`insert into interactions select * from interactions_unpartitioned`.execute(db);
  await sql`insert into presence_index select * from presence_index_unpartitioned`.execute(db);
  await sql`drop table interactions_unpartitioned`.execute(db);
  await sql`drop table presence_index_unpartitioned`.execute(db);

  await sql`create index interactions_user_time_idx on interactions (user_id, "timestamp")`.execute(db);
  await sql`create index interactions_peer_user_time_idx on interactions (peer_user_id, "timestamp")`.execute(db);
  await sql`create index interactions_peer_token_idx on interactions (peer_token)`.execute(db);
  await sql`create index interactions_id_idx on interactions (id)`.execute(db);
  await sql`create index presence_index_interaction_idx on presence_index (interaction_id)`.execute(db);
  await sql`create index presence_index_ended_idx on presence_index (ended_at)`.execute(db);
  await sql`create index exposure_risks_episode_end_idx on exposure_risks (episode_end)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('0007_partitioned_interactions cannot be reverted');
}

async function engine(db: Kysely<unknown>): Promise<'sqlite' | 'postgres'> {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
