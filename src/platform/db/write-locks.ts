import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

/**
 * Serialises transactions that read-then-write the same logical record (a person's active case, a person's
 * exposure day) when no row exists yet to lock. PostgreSQL: transaction-scoped advisory locks, taken in sorted
 * order in one statement so that two transactions never wait on each other in a cycle. SQLite needs none: its
 * transactions begin IMMEDIATE, so writers already run one at a time.
 */
export async function lockKeys(trx: Kysely<Database>, keys: Iterable<string>): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  await sql`select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest(${sorted}::text[]) with ordinality as t(k, i) order by i`.execute(
    trx,
  );
}
