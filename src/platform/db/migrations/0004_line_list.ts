import type { Kysely } from 'kysely';

/**
 * Cases that are not app users: a line list imported by the health department (dates of any age), and the
 * cell where each app case spent most time (set by its trace), so analytics and cluster detection see every case.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('line_list_cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('external_id', 'text', (c) => c.unique())
    .addColumn('onset_date', 'date')
    .addColumn('report_date', 'date', (c) => c.notNull())
    .addColumn('cell', 'text')
    .addColumn('lat', 'double precision')
    .addColumn('lng', 'double precision')
    .addColumn('infector_external_id', 'text')
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .addColumn('imported_by', 'text')
    .execute();
  await db.schema.createIndex('line_list_cases_report_idx').on('line_list_cases').column('report_date').execute();
  await db.schema.createIndex('line_list_cases_onset_idx').on('line_list_cases').column('onset_date').execute();
  await db.schema.alterTable('cases').addColumn('cell', 'text').execute();
  await db.schema.createIndex('cases_report_date_idx').on('cases').column('report_date').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('line_list_cases').execute();
}
