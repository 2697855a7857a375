import type { Kysely } from 'kysely';

/**
 * A venue owner who registers the same venue twice (same name and address, in any case and spacing) is offered the
 * one they have. `duplicate_key` is a keyed hash (HMAC-SHA256 under a key derived from the token secret) of who
 * registered it and the normalised name and address: an index lookup finds the owner's earlier venue without the
 * venue naming the app user (the hash cannot be reversed without the key and the account id), and without comparing
 * names in clear, which could be encrypted at rest. Venues registered before have none and are not offered.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('venues').addColumn('duplicate_key', 'text').execute();
  await db.schema.createIndex('venues_duplicate_key_idx').on('venues').column('duplicate_key').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('venues_duplicate_key_idx').execute();
  await db.schema.alterTable('venues').dropColumn('duplicate_key').execute();
}
