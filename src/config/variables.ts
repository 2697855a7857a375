/**
 * Every environment variable the server reads, with its default and meaning.
 * docs/configuration.md's table (and README's short one) is checked against this list by a test.
 */
export interface VariableSpec {
  readonly name: string;
  readonly default: string | undefined;
  readonly description: string;
}

export const VARIABLES = [
  { name: 'PORT', default: '8080', description: 'TCP port the HTTP server listens on.' },
  {
    name: 'HOST',
    default: '127.0.0.1',
    description: 'Address to bind; use 0.0.0.0 behind a reverse proxy or in a container.',
  },
  {
    name: 'DATA_DIR',
    default: './data',
    description: 'Directory of the embedded SQLite database and generated key files.',
  },
  {
    name: 'DATABASE_URL',
    default: undefined,
    description: 'PostgreSQL connection string (postgres://...). Unset: embedded SQLite under DATA_DIR.',
  },
  {
    name: 'DATABASE_SCHEMA',
    default: 'public',
    description: 'PostgreSQL schema holding the tables (created if missing).',
  },
  { name: 'DB_POOL_SIZE', default: '10', description: 'Maximum PostgreSQL connections per process.' },
  {
    name: 'SQLITE_BUSY_TIMEOUT_MS',
    default: '5000',
    description:
      'SQLite: how long a write waits for the write lock another process holds (`serve --workers N`, a trace runner, the CLI) before the request is refused with 503. The waiting process goes on serving meanwhile.',
  },
  {
    name: 'SQLITE_CHECKPOINT_MS',
    default: '500',
    description:
      "SQLite: how often a worker thread copies the write-ahead log into the database file, so no request's commit does it. 0: SQLite's own checkpoints, inside commits.",
  },
  {
    name: 'SQLITE_CACHE_MB',
    default: '128',
    description:
      "SQLite: the most MiB of database pages each process keeps in its own memory, taken only as pages are read. The pages of the file's first SQLITE_MMAP_MB are read through the memory mapping instead; past that, give it room for the recent days of `presence_index` (see Scaling out), or tracing reads pages from the file system.",
  },
  {
    name: 'SQLITE_MMAP_MB',
    default: '2047',
    description:
      "SQLite: how much of the database file, from its start, is read through a memory mapping (the operating system's page cache) instead of SQLITE_CACHE_MB; 2047 is SQLite's build limit, 0 turns it off. Where the host reclaims the page cache (some virtual machines), turn it off and size SQLITE_CACHE_MB to the database instead.",
  },
  {
    name: 'REDIS_URL',
    default: undefined,
    description: 'Redis connection string (redis://...) for rate limits shared between processes. Unset: in-process.',
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'pino log level: fatal, error, warn, info, debug, trace or silent.',
  },
  {
    name: 'LOG_FORMAT',
    default: 'auto',
    description:
      'Log lines: `json` (one JSON object a line, for log collectors), `pretty` (coloured, for people), or `auto`: pretty when standard output is a terminal, JSON otherwise.',
  },
  {
    name: 'BANNER',
    default: 'auto',
    description:
      'The short text printed once the server listens (the URLs of the app, the dashboard and the API docs, where data and keys live, how to create the first staff account): `auto` prints it when standard output is a terminal, `on` always, `off` never.',
  },
  {
    name: 'ENCRYPTION_KEYS',
    default: undefined,
    description:
      'Keys for personal data at rest: comma-separated `id:base64key` (32-byte AES-256 keys), the first one encrypts. Unset with SQLite: a key file is generated once under DATA_DIR. Required with DATABASE_URL.',
  },
  {
    name: 'TOKEN_SECRET',
    default: undefined,
    description:
      'Secret (at least 32 characters) signing staff tokens. Unset with SQLite: generated once under DATA_DIR. Required with DATABASE_URL.',
  },
  {
    name: 'STAFF_TOKEN_TTL_SECONDS',
    default: '900',
    description:
      'Lifetime of a staff access token issued by POST /auth/login and POST /auth/refresh (2 to 86400; the dashboard refreshes it while in use).',
  },
  {
    name: 'STAFF_SESSION_IDLE_MINUTES',
    default: '30',
    description:
      'A staff session not refreshed for this many minutes ends (its refresh token no longer works); must be longer than STAFF_TOKEN_TTL_SECONDS.',
  },
  {
    name: 'STAFF_SESSION_MAX_HOURS',
    default: '12',
    description:
      'A staff session ends this many hours after its sign-in, however active; then the person signs in again.',
  },
  { name: 'BODY_LIMIT_BYTES', default: '1048576', description: 'Largest accepted request body.' },
  {
    name: 'RATE_LIMIT_MAX',
    default: '600',
    description: 'Requests allowed per token (or per address when anonymous) per window.',
  },
  { name: 'RATE_LIMIT_WINDOW_MS', default: '60000', description: 'Rate-limit window length in milliseconds.' },
  {
    name: 'AUTH_RATE_LIMIT_MAX',
    default: '20',
    description: 'Registrations and login attempts allowed per address per window.',
  },
  {
    name: 'TRUST_PROXY',
    default: 'false',
    description: 'Trust X-Forwarded-For from a reverse proxy (true, false, or a hop count / address list).',
  },
  {
    name: 'TIME_ZONE',
    default: 'UTC',
    description: 'IANA time zone whose calendar days the risk model and analytics use.',
  },
  {
    name: 'H3_RESOLUTION',
    default: '10',
    description: 'H3 resolution of the cell stored with each located interaction (0-15).',
  },
  { name: 'TIME_BUCKET_MINUTES', default: '60', description: 'Width of the time buckets interactions are indexed by.' },
  {
    name: 'RETENTION_DAYS',
    default: '21',
    description: 'Interactions older than this many days are rejected on upload and deleted.',
  },
  {
    name: 'PARTITION_DAYS_AHEAD',
    default: '7',
    description: 'PostgreSQL: daily partitions of interactions are created this many days ahead.',
  },
  {
    name: 'TRACE_JOBS',
    default: 'here',
    description:
      'Where trace jobs run. `here`: each server process runs the jobs it creates. `runners`: servers leave them to trace runner processes, which serve no requests, so no request waits behind a trace: `serve --workers N` starts one beside its N servers; on other machines run `epitrace trace-runner`. Needs REDIS_URL.',
  },
  {
    name: 'SELF_REPORTS',
    default: 'notify',
    description:
      "What a self-report (POST /symptoms) does. `notify`: it opens a self-reported case, traced at once, whose contacts are notified. `hold`: the case is traced and its contacts' risks are written, but nobody is notified because of it until it is confirmed (POST /cases or a verification code); professionals review held cases with GET /cases?status=held. `off`: the symptom is recorded and no case is opened.",
  },
  {
    name: 'JOB_LEASE_SECONDS',
    default: '60',
    description: 'A trace job or periodic task held by a process that stopped passes to another after this long.',
  },
  { name: 'MAX_CLOCK_SKEW_SECONDS', default: '300', description: 'How far in the future a reported time may be.' },
  {
    name: 'ANALYTICS_SETTLE_MS',
    default: '500',
    description:
      "The analytics engine starts recomputing this long after the event that needs it (0-60000), so a report's trace gets the database first; events meanwhile are coalesced.",
  },
  {
    name: 'PUBLIC_MIN_CASES',
    default: '5',
    description:
      'k of the public aggregate (GET /analytics/public): a day or area with 1 to k-1 cases is suppressed (2-1000).',
  },
  // Verification codes (how a confirmed result reaches the phone).
  {
    name: 'VERIFICATION_CODE_TTL_MINUTES',
    default: '60',
    description:
      "How long a verification code's short form (read out on the phone) can be redeemed, in minutes (1-1440); the long form (link or QR code) lasts 24 hours.",
  },
  {
    name: 'VERIFICATION_MAX_ATTEMPTS',
    default: '10',
    description:
      'Failed verification-code redemptions (unknown, mistyped, used or expired codes) allowed per account and per address in an hour (1-1000); past it, POST /cases/redeem answers 429 with Retry-After.',
  },
  // Infection zones (cluster scan) and alerts.
  {
    name: 'SCAN_RESOLUTION',
    default: '8',
    description:
      "H3 resolution cases are counted at for the cluster scan (0-15, at most H3_RESOLUTION); a case's cell is mapped to its parent at this resolution.",
  },
  {
    name: 'SCAN_DAYS',
    default: '14',
    description: 'Study period of the cluster scan: the last this many days, by report date.',
  },
  {
    name: 'SCAN_MAX_RINGS',
    default: '3',
    description: 'Largest cluster radius, in H3 rings around a centre cell (0 = single cells).',
  },
  {
    name: 'SCAN_MAX_DURATION_DAYS',
    default: '7',
    description: 'Longest cluster duration in days (1 to SCAN_DAYS); every cluster ends today (prospective scan).',
  },
  {
    name: 'SCAN_REPLICATIONS',
    default: '999',
    description: 'Monte Carlo permutations behind each p-value (at least 999).',
  },
  {
    name: 'SCAN_SEED',
    default: '12345678',
    description: 'Seed of the permutations: the same cases give the same p-values in every process and run.',
  },
  { name: 'SCAN_MIN_CASES', default: '2', description: 'Fewest cases a cluster may have.' },
  {
    name: 'SCAN_ALERT_RECURRENCE_DAYS',
    default: '100',
    description:
      'A cluster whose recurrence interval reaches this many days is significant and raises an alert (100 days: p <= 0.01 in a daily analysis).',
  },
  {
    name: 'SCAN_DEBOUNCE_MS',
    default: '5000',
    description: 'The scan reruns this long after the last case event (and at most 6 times this long after the first).',
  },
  {
    name: 'SCAN_INTERVAL_MS',
    default: '900000',
    description: 'The scan also reruns this often (a new day, missed events); an unchanged input is skipped.',
  },
  {
    name: 'WEBHOOK_URLS',
    default: undefined,
    description:
      'Comma-separated http(s) URLs each cluster alert is POSTed to, signed with WEBHOOK_SECRET. Unset: no webhooks.',
  },
  {
    name: 'WEBHOOK_SECRET',
    default: undefined,
    description:
      "Shared secret (at least 32 characters) of the webhooks' HMAC-SHA256 signature. Required with WEBHOOK_URLS.",
  },
  { name: 'WEBHOOK_TIMEOUT_MS', default: '10000', description: 'One webhook attempt gives up after this long.' },
  {
    name: 'WEBHOOK_RETRY_BASE_MS',
    default: '5000',
    description: 'Delay before retrying a failed webhook delivery; doubles with each failure (with jitter).',
  },
  {
    name: 'WEBHOOK_RETRY_MAX_MS',
    default: '3600000',
    description: 'Longest delay between two attempts of a webhook delivery.',
  },
  {
    name: 'WEBHOOK_GIVE_UP_HOURS',
    default: '168',
    description: 'A webhook delivery still failing this long after its alert is marked failed and no longer retried.',
  },
] as const satisfies readonly VariableSpec[];

export type VariableName = (typeof VARIABLES)[number]['name'];
