import cluster, { type Worker } from 'node:cluster';
import { pino } from 'pino';
import { openConfiguredDatabase } from '../app.js';
import type { Config } from '../config/index.js';
import { migrateToLatest } from '../platform/db/migrate.js';
import { serve } from './serve.js';

export class ClusterConfigError extends Error {}

/** Environment variable the primary sets on each process it forks: what that process is for. */
const PROCESS_ROLE = 'EPITRACE_PROCESS_ROLE';
type Role = 'server' | 'trace-runner';

/** Shortest time between replacing crashed workers, so a worker that crashes at start cannot spin the CPU. */
const RESTART_DELAY_MS = 1_000;

/**
 * `epitrace serve --workers N`: a primary process migrates the database once, then runs N server processes
 * sharing the port (node:cluster), and with TRACE_JOBS=runners one trace runner that runs the trace jobs they write. A worker that dies is replaced; SIGTERM/SIGINT stop every worker gracefully.
 * The processes share state only through the database and Redis, so Redis is required.
 */
export async function serveWorkers(config: Config, workers: number): Promise<void> {
  if (!cluster.isPrimary) {
    await serve(config, { traceRunner: process.env[PROCESS_ROLE] === 'trace-runner' });
    return;
  }
  if (workers > 1 && config.redisUrl === undefined) {
    throw new ClusterConfigError('--workers above 1 needs REDIS_URL: the processes share real-time events, rate limits and job leadership through Redis');
  }
  const log = pino({ level: config.logLevel }).child({ role: 'primary' });
  const database = openConfiguredDatabase(config);
  try {
    const applied = await migrateToLatest(database);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
  } finally {
    await database.close();
  }

  // TRACE_JOBS=runners: the server processes leave trace jobs to a runner process, so no request waits behind a trace.
  const withRunner = config.traceJobs === 'runners';
  const roleOf = new Map<number, Role>();
  let stopping = false;
  let lastRestart = 0;
  const fork = (role: Role): Worker => {
    const worker = cluster.fork({ [PROCESS_ROLE]: role });
    roleOf.set(worker.id, role);
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const role = roleOf.get(worker.id) ?? 'server';
    roleOf.delete(worker.id);
    log.error({ worker: worker.process.pid, role, code, signal }, 'worker died; starting a replacement');
    const wait = Math.max(0, lastRestart + RESTART_DELAY_MS - Date.now());
    lastRestart = Date.now() + wait;
    setTimeout(() => {
      if (!stopping) fork(role);
    }, wait);
  });
  cluster.on('online', (worker) => log.info({ worker: worker.process.pid, role: roleOf.get(worker.id) }, 'worker started'));
  for (let i = 0; i < workers; i++) fork('server');
  if (withRunner) fork('trace-runner');

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    if (alive.length === 0) process.exit(0);
    let remaining = alive.length;
    for (const worker of alive) {
      worker.once('exit', () => {
        remaining -= 1;
        if (remaining === 0) process.exit(0);
      });
      worker.process.kill('SIGTERM');
    }
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
