import type { Kysely } from 'kysely';

/**
 * Infection zones and alerts: the results of each cluster scan, the clusters tracked across scans (so a cluster
 * found again is recognised and alerts once), the authorities' alerts (numbered: the SSE event id) and the outbox
 * of signed webhook deliveries (one per alert and URL, retried until delivered).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('zone_scans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ran_at', 'bigint', (c) => c.notNull())
    .addColumn('study_start', 'date', (c) => c.notNull())
    .addColumn('study_end', 'date', (c) => c.notNull())
    .addColumn('resolution', 'integer', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('total_cases', 'integer', (c) => c.notNull())
    .addColumn('located_cases', 'integer', (c) => c.notNull())
    .addColumn('cells_with_cases', 'integer', (c) => c.notNull())
    .addColumn('max_llr', 'double precision', (c) => c.notNull())
    .addColumn('p_value', 'double precision', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('clusters', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('zone_scans_ran_at_idx').on('zone_scans').column('ran_at').execute();

  await db.schema
    .createTable('zone_clusters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identity_key', 'text', (c) => c.notNull().unique())
    .addColumn('resolution', 'integer', (c) => c.notNull())
    .addColumn('centre', 'text', (c) => c.notNull())
    .addColumn('radius', 'integer', (c) => c.notNull())
    .addColumn('cells', 'text', (c) => c.notNull())
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('end_date', 'date', (c) => c.notNull())
    .addColumn('observed', 'integer', (c) => c.notNull())
    .addColumn('expected', 'double precision', (c) => c.notNull())
    .addColumn('relative_risk', 'double precision')
    .addColumn('llr', 'double precision', (c) => c.notNull())
    .addColumn('p_value', 'double precision', (c) => c.notNull())
    .addColumn('recurrence_interval_days', 'double precision', (c) => c.notNull())
    .addColumn('first_detected_at', 'bigint', (c) => c.notNull())
    .addColumn('last_detected_at', 'bigint', (c) => c.notNull())
    .addColumn('first_scan_id', 'text', (c) => c.notNull())
    .addColumn('last_scan_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('zone_clusters_end_date_idx').on('zone_clusters').column('end_date').execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('cluster_id', 'text', (c) => c.notNull().unique().references('zone_clusters.id').onDelete('cascade'))
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alerts_created_idx').on('alerts').column('created_at').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('webhook_deliveries_alert_url_uq', ['alert_id', 'url'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['state', 'next_attempt_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['webhook_deliveries', 'alerts', 'zone_clusters', 'zone_scans']) {
    await db.schema.dropTable(table).execute();
  }
}
