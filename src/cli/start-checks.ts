import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { checkRedisReachable } from '../platform/bus/redis-reachable.js';
import { checkPostgresReachable } from '../platform/db/postgres-reachable.js';
import { hidePassword } from './hide-password.js';
import { StartupFailure } from './startup-failure.js';

/** How long start-up waits for PostgreSQL or Redis to answer before it gives up. */
export const SERVICE_TIMEOUT_MS = 5_000;

/** Whether this configuration keeps anything under DATA_DIR: the SQLite database, or generated key files. */
export function usesDataDir(config: Config): boolean {
  return config.dialect === 'sqlite' || config.encryptionKeys === undefined || config.tokenSecret === undefined;
}

/** DATA_DIR exists (it is created if missing) and files can be written in it; otherwise a StartupFailure. */
export function checkDataDir(dataDir: string): void {
  const probe = join(dataDir, `.write-check-${process.pid}`);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    throw new StartupFailure(
      `data directory ${dataDir} is not writable (${reason(error)}); set DATA_DIR to a directory this user can write`,
    );
  }
}

/** PostgreSQL and Redis, when configured, answer within SERVICE_TIMEOUT_MS; otherwise a StartupFailure. */
export async function checkServices(config: Config, timeoutMs = SERVICE_TIMEOUT_MS): Promise<void> {
  const checks: Promise<void>[] = [];
  if (config.databaseUrl !== undefined) {
    const url = config.databaseUrl;
    checks.push(
      checkPostgresReachable(url, timeoutMs).catch((error: unknown) => {
        throw new StartupFailure(
          `cannot connect to PostgreSQL at ${hidePassword(url)} (${reason(error)}); check DATABASE_URL and that the database server is running`,
        );
      }),
    );
  }
  if (config.redisUrl !== undefined) {
    const url = config.redisUrl;
    checks.push(
      checkRedisReachable(url, timeoutMs).catch((error: unknown) => {
        throw new StartupFailure(
          `cannot connect to Redis at ${hidePassword(url)} (${reason(error)}); check REDIS_URL and that Redis is running`,
        );
      }),
    );
  }
  // Every check runs to its end (no dangling connection), then the first failure is reported.
  const results = await Promise.allSettled(checks);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}

/** An error's code and message on one line, e.g. "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5432". */
export function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = (error.message || error.constructor.name).split('\n')[0]!;
  const code = (error as { code?: unknown }).code;
  // Several addresses tried (localhost → ::1 and 127.0.0.1): Node reports an AggregateError with an empty message.
  if (error instanceof AggregateError && error.message === '' && error.errors.length > 0)
    return error.errors.map(reason).join('; ');
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
