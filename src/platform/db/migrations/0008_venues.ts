import type { Kysely } from 'kysely';

/**
 * Venues people check in at: the code printed in their QR code is the primary key and the `venue_id` of check-ins.
 * Who registered a venue is kept as a role (and the staff id for staff), never as an app user's id, so a venue
 * owner's erasure leaves nothing behind that names them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('venues')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('registered_by_role', 'text', (c) => c.notNull())
    .addColumn('registered_by_staff', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('venues').execute();
}
