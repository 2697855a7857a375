import type { DialectName } from '../../src/platform/db/connect.js';

/**
 * Every database test runs on SQLite, and on PostgreSQL when DATABASE_URL is set. CI always sets it:
 * there a missing DATABASE_URL is an error, never a silent skip.
 */
export function testDialects(): DialectName[] {
  const url = process.env.DATABASE_URL;
  if ((url === undefined || url === '') && process.env.CI === 'true') {
    throw new Error('CI=true but DATABASE_URL is not set: the PostgreSQL half of the suite would be skipped');
  }
  return url ? ['sqlite', 'postgres'] : ['sqlite'];
}

export function postgresUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  return url;
}

/** Redis for the cross-process tests: required in CI, optional on a laptop. */
export function testRedisUrl(): string | undefined {
  const url = process.env.REDIS_URL;
  if ((url === undefined || url === '') && process.env.CI === 'true') {
    throw new Error('CI=true but REDIS_URL is not set: the Redis half of the suite would be skipped');
  }
  return url || undefined;
}
