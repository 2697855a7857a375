/**
 * Every environment variable the server reads, with its default and meaning.
 * README's configuration table is checked against this list by a test.
 */
export interface VariableSpec {
  readonly name: string;
  readonly default: string | undefined;
  readonly description: string;
}

export const VARIABLES = [
  { name: 'PORT', default: '8080', description: 'TCP port the HTTP server listens on.' },
  { name: 'HOST', default: '127.0.0.1', description: 'Address to bind; use 0.0.0.0 behind a reverse proxy or in a container.' },
  { name: 'DATA_DIR', default: './data', description: 'Directory of the embedded SQLite database and generated key files.' },
  { name: 'DATABASE_URL', default: undefined, description: 'PostgreSQL connection string (postgres://...). Unset: embedded SQLite under DATA_DIR.' },
  { name: 'DATABASE_SCHEMA', default: 'public', description: 'PostgreSQL schema holding the tables (created if missing).' },
  { name: 'DB_POOL_SIZE', default: '10', description: 'Maximum PostgreSQL connections per process.' },
  { name: 'REDIS_URL', default: undefined, description: 'Redis connection string (redis://...) for rate limits shared between processes. Unset: in-process.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino log level: fatal, error, warn, info, debug, trace or silent.' },
  { name: 'ENCRYPTION_KEYS', default: undefined, description: 'Keys for personal data at rest: comma-separated `id:base64key` (32-byte AES-256 keys), the first one encrypts. Unset with SQLite: a key file is generated once under DATA_DIR. Required with DATABASE_URL.' },
  { name: 'TOKEN_SECRET', default: undefined, description: 'Secret (at least 32 characters) signing staff tokens. Unset with SQLite: generated once under DATA_DIR. Required with DATABASE_URL.' },
  { name: 'STAFF_TOKEN_TTL_SECONDS', default: '900', description: 'Lifetime of a staff token issued by POST /auth/login.' },
  { name: 'BODY_LIMIT_BYTES', default: '1048576', description: 'Largest accepted request body.' },
  { name: 'RATE_LIMIT_MAX', default: '600', description: 'Requests allowed per token (or per address when anonymous) per window.' },
  { name: 'RATE_LIMIT_WINDOW_MS', default: '60000', description: 'Rate-limit window length in milliseconds.' },
  { name: 'AUTH_RATE_LIMIT_MAX', default: '20', description: 'Registrations and login attempts allowed per address per window.' },
  { name: 'TRUST_PROXY', default: 'false', description: 'Trust X-Forwarded-For from a reverse proxy (true, false, or a hop count / address list).' },
  { name: 'TIME_ZONE', default: 'UTC', description: 'IANA time zone whose calendar days the risk model and analytics use.' },
  { name: 'H3_RESOLUTION', default: '10', description: 'H3 resolution of the cell stored with each located interaction (0-15).' },
  { name: 'TIME_BUCKET_MINUTES', default: '60', description: 'Width of the time buckets interactions are indexed by.' },
  { name: 'RETENTION_DAYS', default: '21', description: 'Interactions older than this many days are rejected on upload and deleted.' },
  { name: 'JOB_LEASE_SECONDS', default: '60', description: 'A trace job or periodic task held by a process that stopped passes to another after this long.' },
  { name: 'MAX_CLOCK_SKEW_SECONDS', default: '300', description: 'How far in the future a reported time may be.' },
] as const satisfies readonly VariableSpec[];

export type VariableName = (typeof VARIABLES)[number]['name'];
