import type { Kysely } from 'kysely';

/**
 * Tracing: the presence index (one row per place and time bucket an interaction covers, so matching is an
 * index lookup however long a stay is), rotating proximity tokens, the source case's infectious window,
 * per-person-day exposure totals, the notification outbox and the trace job queue.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('interactions').addColumn('peer_user_id', 'text').execute();
  await db.schema
    .alterTable('interactions')
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('app'))
    .execute();
  await db.schema
    .createIndex('interactions_peer_user_time_idx')
    .on('interactions')
    .columns(['peer_user_id', 'timestamp'])
    .execute();
  await db.schema.dropIndex('interactions_cell_bucket_idx').execute();
  await db.schema.dropIndex('interactions_venue_bucket_idx').execute();

  await db.schema
    .createTable('presence_index')
    .addColumn('place', 'text', (c) => c.notNull())
    .addColumn('bucket', 'integer', (c) => c.notNull())
    .addColumn('interaction_id', 'text', (c) => c.notNull().references('interactions.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('lat', 'double precision')
    .addColumn('lng', 'double precision')
    .addPrimaryKeyConstraint('presence_index_pk', ['place', 'bucket', 'interaction_id'])
    .execute();
  await db.schema.createIndex('presence_index_interaction_idx').on('presence_index').column('interaction_id').execute();

  await db.schema
    .createTable('proximity_tokens')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('valid_from', 'bigint', (c) => c.notNull())
    .addColumn('valid_to', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('proximity_tokens_user_idx')
    .on('proximity_tokens')
    .columns(['user_id', 'valid_from'])
    .execute();
  await db.schema.createIndex('proximity_tokens_valid_to_idx').on('proximity_tokens').column('valid_to').execute();

  await db.schema
    .alterTable('cases')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .execute();
  await db.schema.alterTable('cases').addColumn('report_date', 'date').execute();
  await db.schema.alterTable('cases').addColumn('window_start', 'bigint').execute();
  await db.schema.alterTable('cases').addColumn('window_end', 'bigint').execute();
  await db.schema.alterTable('cases').addColumn('traced_at', 'bigint').execute();
  await db.schema.alterTable('cases').addColumn('updated_at', 'bigint').execute();
  await db.schema.createIndex('cases_window_idx').on('cases').columns(['status', 'window_end']).execute();

  await db.schema.alterTable('exposure_risks').addColumn('exposed_user_id', 'text').execute();
  await db.schema.alterTable('exposure_risks').addColumn('contact_kind', 'text').execute();
  await db.schema.alterTable('exposure_risks').addColumn('place', 'text').execute();
  await db.schema.alterTable('exposure_risks').addColumn('episode_start', 'bigint').execute();
  await db.schema.alterTable('exposure_risks').addColumn('episode_end', 'bigint').execute();
  await db.schema
    .createIndex('exposure_risks_exposed_day_idx')
    .on('exposure_risks')
    .columns(['exposed_user_id', 'exposure_date'])
    .execute();

  await db.schema
    .createTable('exposure_days')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('weighted_minutes', 'double precision', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('notified_tier', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('exposure_days_pk', ['user_id', 'date'])
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('exposure_date', 'date', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('acked_at', 'bigint')
    .addUniqueConstraint('notifications_user_seq_uq', ['user_id', 'seq'])
    .execute();

  await db.schema
    .createTable('trace_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint')
    .addColumn('claimed_by', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('trace_jobs_claim_idx').on('trace_jobs').columns(['claimed_at', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['trace_jobs', 'notifications', 'exposure_days', 'proximity_tokens', 'presence_index']) {
    await db.schema.dropTable(table).execute();
  }
}
