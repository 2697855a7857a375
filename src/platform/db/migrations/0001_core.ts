import type { Kysely } from 'kysely';

/** The seed's five tables with the columns the design brief adds, plus accounts, cases and the audit log. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('contact_info', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('device_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('device_tokens_user_idx').on('device_tokens').column('user_id').execute();

  await db.schema
    .createTable('staff')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('interactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('location', 'text')
    .addColumn('lat', 'double precision')
    .addColumn('lng', 'double precision')
    .addColumn('accuracy_m', 'double precision')
    .addColumn('venue_id', 'text')
    .addColumn('peer_token', 'text')
    .addColumn('attenuation_db', 'double precision')
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('time_bucket', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('interactions_user_time_idx')
    .on('interactions')
    .columns(['user_id', 'timestamp'])
    .execute();
  await db.schema
    .createIndex('interactions_cell_bucket_idx')
    .on('interactions')
    .columns(['location', 'time_bucket'])
    .execute();
  await db.schema
    .createIndex('interactions_venue_bucket_idx')
    .on('interactions')
    .columns(['venue_id', 'time_bucket'])
    .execute();
  await db.schema.createIndex('interactions_peer_token_idx').on('interactions').column('peer_token').execute();

  await db.schema
    .createTable('symptoms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('symptom', 'text', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('reported_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('symptoms_user_idx').on('symptoms').column('user_id').execute();

  await db.schema
    .createTable('cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('report_type', 'text', (c) => c.notNull())
    .addColumn('test_date', 'date')
    .addColumn('onset_date', 'date')
    .addColumn('managed_by', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cases_user_idx').on('cases').column('user_id').execute();
  await db.schema.createIndex('cases_managed_by_idx').on('cases').column('managed_by').execute();

  await db.schema
    .createTable('exposure_risks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('interaction_id', 'text', (c) => c.notNull().references('interactions.id').onDelete('cascade'))
    .addColumn('case_id', 'text', (c) => c.references('cases.id').onDelete('set null'))
    .addColumn('risk_level', 'decimal(3, 2)', (c) => c.notNull())
    .addColumn('exposure_date', 'date', (c) => c.notNull())
    .addColumn('minutes', 'double precision', (c) => c.notNull())
    .addColumn('weighted_minutes', 'double precision', (c) => c.notNull())
    .addColumn('proximity_bucket', 'text', (c) => c.notNull())
    .addColumn('infectiousness', 'text', (c) => c.notNull())
    .addColumn('report_type', 'text', (c) => c.notNull())
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('exposure_risks_interaction_case_uq', ['interaction_id', 'case_id'])
    .execute();
  await db.schema.createIndex('exposure_risks_case_idx').on('exposure_risks').column('case_id').execute();

  await db.schema
    .createTable('epidemiological_insights')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('date', 'date', (c) => c.notNull().unique())
    .addColumn('cases', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('symptom_reports', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('contacts_traced', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('notified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rt', 'double precision')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_role', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_user_id', 'text')
    .addColumn('subject_erased', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('request_id', 'text')
    .execute();
  await db.schema.createIndex('audit_log_subject_idx').on('audit_log').column('subject_user_id').execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_log',
    'epidemiological_insights',
    'exposure_risks',
    'cases',
    'symptoms',
    'interactions',
    'staff',
    'device_tokens',
    'users',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
