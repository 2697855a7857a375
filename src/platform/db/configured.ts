import type { Config } from '../../config/index.js';
import { type DatabaseHandle, openDatabase, sqliteFileIn } from './connect.js';

/** The database the configuration names: PostgreSQL when DATABASE_URL is set, the embedded SQLite file otherwise. */
export function openConfiguredDatabase(config: Config): DatabaseHandle {
  return config.dialect === 'postgres'
    ? openDatabase({
        dialect: 'postgres',
        databaseUrl: config.databaseUrl!,
        poolSize: config.dbPoolSize,
        schema: config.databaseSchema,
      })
    : openDatabase({
        dialect: 'sqlite',
        sqliteFile: sqliteFileIn(config.dataDir),
        sqliteCheckpointMs: config.sqliteCheckpointMs,
        sqliteBusyTimeoutMs: config.sqliteBusyTimeoutMs,
        sqliteCacheMib: config.sqliteCacheMib,
        sqliteMmapMib: config.sqliteMmapMib,
      });
}
