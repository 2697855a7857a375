import type { Kysely } from 'kysely';

/**
 * The streaming analytics engine's aggregates: more daily columns on `epidemiological_insights` (cases by onset,
 * traced cases, 7-day average, growth rate, doubling time, contacts and notifications per case), notification
 * outcomes per day and tier, and cases per H3 cell and day for the public aggregate. All of it is derived: the
 * engine recomputes any row from the cases, risks and notifications at any time.
 */
const INSIGHT_COLUMNS: Array<[string, 'integer' | 'double precision', boolean]> = [
  ['cases_by_onset', 'integer', true],
  ['traced_cases', 'integer', true],
  ['cases_7day_avg', 'double precision', true],
  ['growth_rate', 'double precision', false],
  ['doubling_time_days', 'double precision', false],
  ['contacts_per_case', 'double precision', false],
  ['notified_per_case', 'double precision', false],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  for (const [name, type, notNull] of INSIGHT_COLUMNS) {
    await db.schema
      .alterTable('epidemiological_insights')
      .addColumn(name, type, (c) => (notNull ? c.notNull().defaultTo(0) : c))
      .execute();
  }

  await db.schema
    .createTable('analytics_notification_outcomes')
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('notified', 'integer', (c) => c.notNull())
    .addColumn('became_cases', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_notification_outcomes_pk', ['date', 'tier'])
    .execute();

  await db.schema
    .createTable('analytics_cell_days')
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('cell', 'text', (c) => c.notNull())
    .addColumn('cases', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_cell_days_pk', ['date', 'cell'])
    .execute();

  // The engine reads notifications and symptom reports by the day they were made.
  await db.schema.createIndex('notifications_created_idx').on('notifications').column('created_at').execute();
  await db.schema.createIndex('symptoms_reported_idx').on('symptoms').column('reported_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('symptoms_reported_idx').execute();
  await db.schema.dropIndex('notifications_created_idx').execute();
  await db.schema.dropTable('analytics_cell_days').execute();
  await db.schema.dropTable('analytics_notification_outcomes').execute();
  for (const [name] of [...INSIGHT_COLUMNS].reverse()) {
    await db.schema.alterTable('epidemiological_insights').dropColumn(name).execute();
  }
}
