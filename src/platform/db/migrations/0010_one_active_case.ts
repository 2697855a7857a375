import { sql, type Kysely } from 'kysely';

/** A person has at most one active case: reports and confirmations upgrade it (the database keeps the rule too). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create unique index cases_one_active_per_user on cases (user_id) where status = 'active'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index cases_one_active_per_user`.execute(db);
}
