import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * PostgreSQL: presence_index's primary key also carries the columns a tracing probe reads (user, end, coordinates),
 * so a probe is an index-only scan: it reads the key's pages, never the table's. Rows are stored in upload order, so
 * the rows of one (place, bucket) lie on as many table pages as there are uploads; once the table outgrows memory,
 * those reads were most of a trace's time. (SQLite's table is already clustered on this key: migration 0009.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter table presence_index drop constraint presence_index_pk2`.execute(db);
  await sql`alter table presence_index add constraint presence_index_pk2
    primary key (place, bucket, interaction_id, started_at) include (user_id, ended_at, lat, lng)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter table presence_index drop constraint presence_index_pk2`.execute(db);
  await sql`alter table presence_index add constraint presence_index_pk2 primary key (place, bucket, interaction_id, started_at)`.execute(
    db,
  );
}
