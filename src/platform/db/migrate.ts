import { Migrator, sql, type MigrationResultSet } from 'kysely';
import type { DatabaseHandle } from './connect.js';
import { migrationProvider } from './migrations/index.js';

export class MigrationError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly failed: string | undefined,
  ) {
    super(`migration ${failed ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'MigrationError';
  }
}

/** Applies every pending migration (Kysely takes a lock, so concurrent processes are safe). */
export async function migrateToLatest(database: DatabaseHandle): Promise<string[]> {
  if (database.dialect === 'postgres' && database.schema !== undefined && database.schema !== 'public') {
    await sql`create schema if not exists ${sql.id(database.schema)}`.execute(database.db);
  }
  // Kysely looks for its bookkeeping tables in every schema unless told which one: name it.
  const migrator = new Migrator({
    db: database.db,
    provider: migrationProvider,
    ...(database.schema === undefined ? {} : { migrationTableSchema: database.schema }),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(result.error, failed);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
