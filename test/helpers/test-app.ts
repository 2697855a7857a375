import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { openConfiguredDatabase } from '../../src/platform/db/configured.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import {
  createPostgresSchema,
  dropPostgresSchema,
  openDatabase,
  sqliteFileIn,
  type DatabaseHandle,
  type DialectName,
} from '../../src/platform/db/connect.js';
import { postgresUrl } from './dialects.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly database: DatabaseHandle;
  readonly config: Config;
  readonly dialect: DialectName;
  /** SQLite file (sqlite only). */
  readonly sqliteFile: string | undefined;
  close(): Promise<void>;
}

/** A fresh app on a fresh database: a new SQLite file, or a new PostgreSQL schema. */
export async function buildTestApp(dialect: DialectName, env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ENCRYPTION_KEYS: `test1:${randomBytes(32).toString('base64')}`,
    TOKEN_SECRET: randomBytes(32).toString('hex'),
    // Fewer partitions to create and drop per PostgreSQL test schema; the partition test asks for more.
    PARTITION_DAYS_AHEAD: '1',
    ...env,
  });
  let database: DatabaseHandle;
  let schema: string | undefined;
  let sqliteFile: string | undefined;
  if (dialect === 'postgres') {
    schema = `t_${randomUUID().replaceAll('-', '')}`;
    await createPostgresSchema(postgresUrl(), schema);
    database = openDatabase({ dialect: 'postgres', databaseUrl: postgresUrl(), schema, poolSize: 4 });
  } else {
    sqliteFile = sqliteFileIn(config.dataDir);
    // As every process opens it: the file under DATA_DIR with the SQLite settings of the configuration.
    database = openConfiguredDatabase(config);
  }
  const app = await buildApp(config, { database, logger: false });
  await app.ready();
  return {
    app,
    database,
    config,
    dialect,
    sqliteFile,
    close: async () => {
      await app.close();
      if (schema !== undefined) await dropPostgresSchema(postgresUrl(), schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
