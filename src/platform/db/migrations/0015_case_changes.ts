import type { Kysely } from 'kysely';

/**
 * Corrections, closures and revocations of cases are audited with why: `audit_log.detail` holds the reason given
 * (PATCH /cases/{id}) or the revocation reason, next to the action. Notifications already have a `kind` column
 * (0002): 'exposure', and now 'update' for a tier that fell (the tier column then holds the new tier, 'low' included).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_log').addColumn('detail', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_log').dropColumn('detail').execute();
}
