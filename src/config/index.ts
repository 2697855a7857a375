import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { VARIABLES, type VariableName } from './variables.js';

export type Dialect = 'sqlite' | 'postgres';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly dialect: Dialect;
  readonly databaseUrl: string | undefined;
  readonly databaseSchema: string;
  readonly dbPoolSize: number;
  readonly sqliteCheckpointMs: number;
  readonly sqliteBusyTimeoutMs: number;
  readonly sqliteCacheMib: number;
  readonly sqliteMmapMib: number;
  readonly redisUrl: string | undefined;
  readonly logLevel: LogLevel;
  /** Log lines: JSON (for machines), pretty (for people), or auto: pretty when standard output is a terminal. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /** The start-up banner (URLs, where data lives, first steps): auto prints it when standard output is a terminal. */
  readonly banner: 'auto' | 'on' | 'off';
  readonly encryptionKeys: string | undefined;
  readonly tokenSecret: string | undefined;
  readonly staffTokenTtlSeconds: number;
  /** A staff session ends when it was not refreshed for this long. */
  readonly staffSessionIdleMinutes: number;
  /** A staff session ends this long after its sign-in, however active. */
  readonly staffSessionMaxHours: number;
  readonly bodyLimitBytes: number;
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
  readonly authRateLimitMax: number;
  readonly trustProxy: boolean | number | string;
  readonly timeZone: string;
  readonly h3Resolution: number;
  readonly timeBucketMinutes: number;
  readonly retentionDays: number;
  readonly maxClockSkewSeconds: number;
  /** k of the public aggregate: counts from 1 to k-1 are suppressed. */
  readonly publicMinCases: number;
  /** How long a verification code's short form can be redeemed. */
  readonly verificationCodeTtlMinutes: number;
  /** Failed redemptions allowed per account and per address in an hour. */
  readonly verificationMaxAttempts: number;
  /** Delay between an event and the analytics recomputation it asks for. */
  readonly analyticsSettleMs: number;
  readonly jobLeaseSeconds: number;
  readonly traceJobs: 'here' | 'runners';
  /** What a self-report does: notify its contacts (default), hold them until confirmed, or open no case. */
  readonly selfReports: 'notify' | 'hold' | 'off';
  readonly partitionDaysAhead: number;
  readonly zones: ZonesConfig;
  readonly webhooks: WebhooksConfig;
}

/** Cluster scan settings (docs/zones-and-alerts.md). */
export interface ZonesConfig {
  readonly scanResolution: number;
  readonly scanDays: number;
  readonly scanMaxRings: number;
  readonly scanMaxDurationDays: number;
  readonly scanReplications: number;
  readonly scanSeed: string;
  readonly scanMinCases: number;
  readonly alertRecurrenceDays: number;
  readonly scanDebounceMs: number;
  readonly scanIntervalMs: number;
}

/** Where and how cluster alerts are POSTed. */
export interface WebhooksConfig {
  readonly urls: readonly string[];
  readonly secret: string | undefined;
  readonly timeoutMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly giveUpHours: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads `.env` from the working directory (if any); real environment variables win. */
export function environmentWithDotenv(env: Env = process.env, dotenvPath = resolve('.env')): Env {
  if (!existsSync(dotenvPath)) return env;
  const fromFile = parseDotenv(readFileSync(dotenvPath));
  return { ...fromFile, ...env };
}

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: VariableName): string | undefined {
    const value = this.env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
    return VARIABLES.find((v) => v.name === name)?.default;
  }

  string(name: VariableName): string {
    return this.raw(name) ?? '';
  }

  optional(name: VariableName): string | undefined {
    return this.raw(name);
  }

  int(name: VariableName, min: number, max: number): number {
    const text = this.raw(name) ?? '';
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${text}")`);
      return min;
    }
    return value;
  }

  oneOf<T extends string>(name: VariableName, allowed: readonly T[]): T {
    const text = this.raw(name) ?? '';
    if (!(allowed as readonly string[]).includes(text)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${text}")`);
      return allowed[0] as T;
    }
    return text as T;
  }
}

function parseTrustProxy(text: string): boolean | number | string {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Builds the validated configuration; throws ConfigError listing every bad value at once. */
export function loadConfig(env: Env = environmentWithDotenv()): Config {
  const r = new Reader(env);
  const databaseUrl = r.optional('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    r.problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const redisUrl = r.optional('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    r.problems.push('REDIS_URL must start with redis:// or rediss://');
  }
  const tokenSecret = r.optional('TOKEN_SECRET');
  if (tokenSecret !== undefined && tokenSecret.length < 32) {
    r.problems.push('TOKEN_SECRET must be at least 32 characters long');
  }
  const encryptionKeys = r.optional('ENCRYPTION_KEYS');
  if (databaseUrl !== undefined) {
    if (encryptionKeys === undefined)
      r.problems.push('ENCRYPTION_KEYS is required when DATABASE_URL is set (every process must share the keys)');
    if (tokenSecret === undefined)
      r.problems.push('TOKEN_SECRET is required when DATABASE_URL is set (every process must share it)');
  }
  const databaseSchema = r.string('DATABASE_SCHEMA');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(databaseSchema))
    r.problems.push(`DATABASE_SCHEMA must be a lower-case SQL identifier (got "${databaseSchema}")`);
  const timeZone = r.string('TIME_ZONE');
  if (env.TRACE_JOBS === 'runners' && redisUrl === undefined)
    r.problems.push('TRACE_JOBS=runners needs REDIS_URL: the server wakes the trace runners through Redis');
  if (!isTimeZone(timeZone)) r.problems.push(`TIME_ZONE must be an IANA time zone name (got "${timeZone}")`);

  const config: Config = {
    port: r.int('PORT', 0, 65535),
    host: r.string('HOST'),
    dataDir: resolve(r.string('DATA_DIR')),
    dialect: databaseUrl === undefined ? 'sqlite' : 'postgres',
    databaseUrl,
    databaseSchema,
    dbPoolSize: r.int('DB_POOL_SIZE', 1, 1000),
    sqliteCheckpointMs: r.int('SQLITE_CHECKPOINT_MS', 0, 3_600_000),
    sqliteBusyTimeoutMs: r.int('SQLITE_BUSY_TIMEOUT_MS', 0, 600_000),
    sqliteCacheMib: r.int('SQLITE_CACHE_MB', 2, 1_048_576),
    sqliteMmapMib: r.int('SQLITE_MMAP_MB', 0, 2047),
    redisUrl,
    logLevel: r.oneOf('LOG_LEVEL', ['info', 'fatal', 'error', 'warn', 'debug', 'trace', 'silent'] as const),
    logFormat: r.oneOf('LOG_FORMAT', ['auto', 'json', 'pretty'] as const),
    banner: r.oneOf('BANNER', ['auto', 'on', 'off'] as const),
    encryptionKeys,
    tokenSecret,
    staffTokenTtlSeconds: r.int('STAFF_TOKEN_TTL_SECONDS', 2, 86_400),
    staffSessionIdleMinutes: r.int('STAFF_SESSION_IDLE_MINUTES', 1, 10_080),
    staffSessionMaxHours: r.int('STAFF_SESSION_MAX_HOURS', 1, 8_760),
    bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 1024, 64 * 1024 * 1024),
    rateLimitMax: r.int('RATE_LIMIT_MAX', 1, 10_000_000),
    rateLimitWindowMs: r.int('RATE_LIMIT_WINDOW_MS', 1000, 86_400_000),
    authRateLimitMax: r.int('AUTH_RATE_LIMIT_MAX', 1, 10_000_000),
    trustProxy: parseTrustProxy(r.string('TRUST_PROXY')),
    timeZone,
    h3Resolution: r.int('H3_RESOLUTION', 0, 15),
    timeBucketMinutes: r.int('TIME_BUCKET_MINUTES', 1, 1440),
    retentionDays: r.int('RETENTION_DAYS', 1, 3650),
    maxClockSkewSeconds: r.int('MAX_CLOCK_SKEW_SECONDS', 0, 3600),
    publicMinCases: r.int('PUBLIC_MIN_CASES', 2, 1000),
    verificationCodeTtlMinutes: r.int('VERIFICATION_CODE_TTL_MINUTES', 1, 1440),
    verificationMaxAttempts: r.int('VERIFICATION_MAX_ATTEMPTS', 1, 1000),
    analyticsSettleMs: r.int('ANALYTICS_SETTLE_MS', 0, 60_000),
    jobLeaseSeconds: r.int('JOB_LEASE_SECONDS', 1, 3600),
    traceJobs: r.oneOf('TRACE_JOBS', ['here', 'runners'] as const),
    selfReports: r.oneOf('SELF_REPORTS', ['notify', 'hold', 'off'] as const),
    partitionDaysAhead: r.int('PARTITION_DAYS_AHEAD', 1, 365),
    zones: readZones(r),
    webhooks: readWebhooks(r),
  };
  if (config.zones.scanResolution > config.h3Resolution) {
    r.problems.push(
      `SCAN_RESOLUTION must not be finer than H3_RESOLUTION (${config.h3Resolution}), the resolution case cells are known at (got ${config.zones.scanResolution})`,
    );
  }
  if (config.staffSessionIdleMinutes * 60 <= config.staffTokenTtlSeconds) {
    r.problems.push(
      `STAFF_SESSION_IDLE_MINUTES (${config.staffSessionIdleMinutes}) must be longer than a staff token lasts (STAFF_TOKEN_TTL_SECONDS=${config.staffTokenTtlSeconds}): the dashboard refreshes when the token runs out`,
    );
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function readZones(r: Reader): ZonesConfig {
  const scanDays = r.int('SCAN_DAYS', 2, 365);
  const scanReplications = r.int('SCAN_REPLICATIONS', 999, 99_999);
  const alertRecurrenceDays = r.int('SCAN_ALERT_RECURRENCE_DAYS', 1, 1_000_000);
  // With R permutations the smallest p-value is 1/(R+1): a longer recurrence interval can never be reached.
  if (alertRecurrenceDays > scanReplications + 1) {
    r.problems.push(
      `SCAN_ALERT_RECURRENCE_DAYS (${alertRecurrenceDays}) can never be reached with SCAN_REPLICATIONS=${scanReplications}: at most ${scanReplications + 1}`,
    );
  }
  const scanMaxDurationDays = r.int('SCAN_MAX_DURATION_DAYS', 1, 365);
  if (scanMaxDurationDays > scanDays)
    r.problems.push(`SCAN_MAX_DURATION_DAYS must not exceed SCAN_DAYS (${scanDays}) (got ${scanMaxDurationDays})`);
  const scanSeed = r.string('SCAN_SEED');
  if (scanSeed.length > 100) r.problems.push('SCAN_SEED must be at most 100 characters');
  return {
    scanResolution: r.int('SCAN_RESOLUTION', 0, 15),
    scanDays,
    scanMaxRings: r.int('SCAN_MAX_RINGS', 0, 20),
    scanMaxDurationDays,
    scanReplications,
    scanSeed,
    scanMinCases: r.int('SCAN_MIN_CASES', 1, 1_000_000),
    alertRecurrenceDays,
    scanDebounceMs: r.int('SCAN_DEBOUNCE_MS', 0, 3_600_000),
    scanIntervalMs: r.int('SCAN_INTERVAL_MS', 1000, 86_400_000),
  };
}

function readWebhooks(r: Reader): WebhooksConfig {
  const urls = (r.optional('WEBHOOK_URLS') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const url of urls) {
    let ok = false;
    try {
      const parsed = new URL(url);
      ok = parsed.protocol === 'https:' || parsed.protocol === 'http:';
    } catch {
      ok = false;
    }
    // Never echo the URL itself: it may carry a credential.
    if (!ok)
      r.problems.push(
        `WEBHOOK_URLS must be comma-separated http:// or https:// URLs (entry ${urls.indexOf(url) + 1} is not)`,
      );
  }
  if (new Set(urls).size !== urls.length) r.problems.push('WEBHOOK_URLS lists a URL twice');
  const secret = r.optional('WEBHOOK_SECRET');
  if (secret !== undefined && secret.length < 32) r.problems.push('WEBHOOK_SECRET must be at least 32 characters long');
  if (urls.length > 0 && secret === undefined)
    r.problems.push('WEBHOOK_SECRET is required when WEBHOOK_URLS is set (receivers verify the signature)');
  const retryBaseMs = r.int('WEBHOOK_RETRY_BASE_MS', 10, 86_400_000);
  const retryMaxMs = r.int('WEBHOOK_RETRY_MAX_MS', 10, 86_400_000);
  if (retryMaxMs < retryBaseMs) r.problems.push('WEBHOOK_RETRY_MAX_MS must not be less than WEBHOOK_RETRY_BASE_MS');
  return {
    urls,
    secret,
    timeoutMs: r.int('WEBHOOK_TIMEOUT_MS', 100, 300_000),
    retryBaseMs,
    retryMaxMs,
    giveUpHours: r.int('WEBHOOK_GIVE_UP_HOURS', 1, 8760),
  };
}
