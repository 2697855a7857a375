import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_core.js';

/** Migrations are compiled into the program (no directory scanning), in order. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_core': m0001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
