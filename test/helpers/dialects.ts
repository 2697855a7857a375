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

/**
 * What a suite needs beyond SQLite, and whether it can run here. `title` appends why it is skipped, so a bare
 * `npm test` says so in its output; in CI a missing service throws instead (see testDialects and testRedisUrl).
 */
export function needs(services: { readonly postgres?: boolean; readonly redis?: boolean }): {
  skip: boolean;
  title: (title: string) => string;
} {
  const missing: string[] = [];
  if (services.postgres === true && !testDialects().includes('postgres')) missing.push('DATABASE_URL');
  if (services.redis === true && testRedisUrl() === undefined) missing.push('REDIS_URL');
  const note = missing.length === 0 ? '' : ` (skipped: ${missing.join(' and ')} not set)`;
  return { skip: missing.length > 0, title: (title) => `${title}${note}` };
}
