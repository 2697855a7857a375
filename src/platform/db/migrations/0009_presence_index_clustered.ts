import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * SQLite: presence_index becomes a WITHOUT ROWID table, clustered on its primary key (place, bucket,
 * interaction_id). A tracing probe is a range scan of that key; in a rowid table every row it finds costs a second
 * look-up in the table itself for the times and coordinates. (PostgreSQL keeps its partitioned table.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`create table presence_index_clustered (
    place text not null,
    bucket integer not null,
    interaction_id text not null references interactions (id) on delete cascade,
    user_id text not null,
    started_at bigint not null,
    ended_at bigint not null,
    lat double precision,
    lng double precision,
    constraint presence_index_pk primary key (place, bucket, interaction_id)
  ) without rowid`.execute(db);
  await sql`insert into presence_index_clustered (place, bucket, interaction_id, user_id, started_at, ended_at, lat, lng)
    select place, bucket, interaction_id, user_id, started_at, ended_at, lat, lng from presence_index order by place, bucket, interaction_id`.execute(
    db,
  );
  await sql`drop table presence_index`.execute(db);
  await sql`alter table presence_index_clustered rename to presence_index`.execute(db);
  await sql`create index presence_index_interaction_idx on presence_index (interaction_id)`.execute(db);
  await sql`create index presence_index_ended_idx on presence_index (ended_at)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('0009_presence_index_clustered cannot be reverted');
}
