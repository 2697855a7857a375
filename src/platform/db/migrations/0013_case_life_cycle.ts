import type { Kysely } from 'kysely';

/**
 * A case has a life. The stored status stays 'active' (open), 'closed' or, new, 'revoked'; what an open case is
 * (self-reported, held, confirmed) follows from its report type and `held_at`, so every query of open cases and the
 * one-open-case-per-person index keep working. Confirmed cases from before get their creation time as confirmed_at.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['confirmed_at', 'closed_at', 'revoked_at', 'held_at']) {
    await db.schema.alterTable('cases').addColumn(column, 'bigint').execute();
  }
  await db.schema.alterTable('cases').addColumn('revoked_reason', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['confirmed_at', 'closed_at', 'revoked_at', 'held_at', 'revoked_reason']) {
    await db.schema.alterTable('cases').dropColumn(column).execute();
  }
}
