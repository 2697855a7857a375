import type { Kysely } from 'kysely';

/**
 * Verification codes: how a confirmed result reaches the phone. A health professional or a laboratory issues a code
 * (only keyed hashes of its short and long forms are stored, with the issuer and the claims); the resident redeems it
 * once. Failed redemptions are kept for an hour, by account and by address (each key a keyed hash), for the attempt
 * limit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('verification_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('short_hash', 'text', (c) => c.notNull().unique())
    .addColumn('long_hash', 'text', (c) => c.notNull().unique())
    .addColumn('report_type', 'text', (c) => c.notNull())
    .addColumn('test_date', 'text', (c) => c.notNull())
    .addColumn('onset_date', 'text')
    .addColumn('issued_by', 'text', (c) => c.notNull())
    .addColumn('issuer_role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('short_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('long_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('used_by', 'text')
    .addColumn('case_id', 'text')
    .execute();
  await db.schema
    .createTable('verification_failures')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('verification_failures_key_at_idx')
    .on('verification_failures')
    .columns(['key', 'at'])
    .execute();
  await db.schema.createIndex('verification_failures_at_idx').on('verification_failures').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('verification_failures').execute();
  await db.schema.dropTable('verification_codes').execute();
}
