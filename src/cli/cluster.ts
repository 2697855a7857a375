import cluster, { type Worker } from 'node:cluster';
import { getPriority, setPriority } from 'node:os';
import { pino, type Logger } from 'pino';
import { openConfiguredDatabase } from '../platform/db/configured.js';
import type { Config } from '../config/index.js';
import { migrateToLatest } from '../platform/db/migrate.js';
import { loggerOptions } from '../platform/observability/logger.js';
import { ConnectionDispatcher, isReadyMessage } from './connection-dispatcher.js';
import { checkCanListen, listenFailure } from './listen-failure.js';
import { serve, takeDataDirLock } from './serve.js';
import { StartupFailure } from './startup-failure.js';
import { checkDataDir, checkServices, usesDataDir } from './start-checks.js';

export class ClusterConfigError extends Error {}

/** Environment variable the primary sets on each process it forks: what that process is for. */
const PROCESS_ROLE = 'EPITRACE_PROCESS_ROLE';
/** Set on the workers of `--stream-workers M`: the primary accepts the connections and hands them over. */
const HANDED_CONNECTIONS = 'EPITRACE_HANDED_CONNECTIONS';
type Role = 'server' | 'streams' | 'trace-runner';

/**
 * Stream processes run at a lower CPU priority (this much higher a nice value) than server processes: on a busy machine
 * a
 * heartbeat or a stream's replay can wait a few milliseconds, a request should not. Under contention the kernel
 * gives a process at nice 5 about a third of the CPU share of one at 0; idle, it changes nothing.
 */
export const STREAM_WORKER_NICE = 5;

/** How long the primary waits for a new connection's request line (Node's own default for request headers). */
const FIRST_LINE_TIMEOUT_MS = 60_000;

/** A worker's exit code when it met a StartupFailure (it printed why): replacing it would not help. */
const WORKER_CANNOT_START = 78;

/** Shortest time between replacing crashed workers, so a worker that crashes at start cannot spin the CPU. */
const RESTART_DELAY_MS = 1_000;

/**
 * `epitrace serve --workers N [--stream-workers M]`: a primary process migrates the database once, then runs N server
 * processes sharing the port (node:cluster), and with TRACE_JOBS=runners one trace runner that runs the trace jobs
 * they write. With M stream processes, the primary accepts the connections itself and passes real-time streams to
 * the M stream processes, everything else to the N servers (see ConnectionDispatcher). A worker that dies is
 * replaced; SIGTERM/SIGINT stop every worker gracefully. The processes share state only through the database and
 * Redis, so Redis is required.
 */
export async function serveWorkers(config: Config, workers: number, streamWorkers = 0): Promise<void> {
  if (!cluster.isPrimary) {
    const role = process.env[PROCESS_ROLE] as Role | undefined;
    try {
      await serve(config, {
        banner: false,
        traceRunner: role === 'trace-runner',
        handedConnections: process.env[HANDED_CONNECTIONS] === '1',
        background: role !== 'streams',
      });
    } catch (error) {
      if (!(error instanceof StartupFailure)) throw error;
      // A replacement would fail the same way (the port is taken): the primary stops instead of retrying forever.
      process.stderr.write(`epitrace: ${error.message}\n`);
      process.exit(WORKER_CANNOT_START);
    }
    return;
  }
  if (workers + streamWorkers > 1 && config.redisUrl === undefined) {
    throw new ClusterConfigError(
      '--workers above 1 or --stream-workers needs REDIS_URL: the processes share real-time events, rate limits and job leadership through Redis',
    );
  }
  // What would stop every worker is checked once here, and said in one line (a worker that cannot start is replaced
  // again and again). The primary shares the data directory's lock with its workers for as long as it runs.
  if (usesDataDir(config)) checkDataDir(config.dataDir);
  await checkServices(config);
  await checkCanListen(config.host, config.port);
  if (config.dialect === 'sqlite' && config.redisUrl !== undefined) takeDataDirLock(config);
  const { stream, ...logOptions } = loggerOptions(config);
  const log = (stream === undefined ? pino(logOptions) : pino(logOptions, stream)).child({ role: 'primary' });
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
  const dispatcher =
    streamWorkers > 0 ? new ConnectionDispatcher(log, { firstLineTimeoutMs: FIRST_LINE_TIMEOUT_MS }) : undefined;
  // biome-ignore lint/correctness/noUnusedVariables: read by `??=`, so the dispatcher listens once
  let listening: Promise<void> | undefined;
  const fork = (role: Role): Worker => {
    const worker = cluster.fork({ [PROCESS_ROLE]: role, ...(dispatcher ? { [HANDED_CONNECTIONS]: '1' } : {}) });
    roleOf.set(worker.id, role);
    if (role === 'streams') lowerPriority(worker, log);
    if (dispatcher !== undefined && role !== 'trace-runner') {
      worker.on('message', (message: unknown) => {
        if (!isReadyMessage(message) || stopping) return;
        dispatcher.add(worker, role);
        // The port opens once every process started with it can take connections (later, a role none of whose
        // processes is up has its connections served by the other role's).
        if (dispatcher.readyCount('server') >= workers && dispatcher.readyCount('streams') >= streamWorkers)
          listening ??= dispatcher.listen(config.port, config.host).then(
            () =>
              log.info(
                { port: config.port, host: config.host, workers, streamWorkers },
                'primary accepting connections',
              ),
            (error: unknown) => {
              const failure = listenFailure(error, config.host, config.port);
              if (failure === undefined) log.fatal({ err: error }, 'cannot listen');
              else process.stderr.write(`epitrace: ${failure.message}\n`);
              stop('SIGTERM', failure?.exitCode ?? 1);
            },
          );
      });
    }
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    dispatcher?.remove(worker);
    if (stopping) return;
    if (code === WORKER_CANNOT_START) {
      stop('SIGTERM', 1);
      return;
    }
    const role = roleOf.get(worker.id) ?? 'server';
    roleOf.delete(worker.id);
    log.error({ worker: worker.process.pid, role, code, signal }, 'worker died; starting a replacement');
    const wait = Math.max(0, lastRestart + RESTART_DELAY_MS - Date.now());
    lastRestart = Date.now() + wait;
    setTimeout(() => {
      if (!stopping) fork(role);
    }, wait);
  });
  cluster.on('online', (worker) =>
    log.info({ worker: worker.process.pid, role: roleOf.get(worker.id) }, 'worker started'),
  );
  for (let i = 0; i < workers; i++) fork('server');
  for (let i = 0; i < streamWorkers; i++) fork('streams');
  if (withRunner) fork('trace-runner');

  const stop = (signal: NodeJS.Signals, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    void dispatcher?.close();
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    if (alive.length === 0) process.exit(exitCode);
    let remaining = alive.length;
    for (const worker of alive) {
      worker.once('exit', () => {
        remaining -= 1;
        if (remaining === 0) process.exit(exitCode);
      });
      worker.process.kill('SIGTERM');
    }
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function lowerPriority(worker: Worker, log: Pick<Logger, 'warn'>): void {
  try {
    setPriority(worker.process.pid!, Math.min(19, getPriority() + STREAM_WORKER_NICE));
  } catch (error) {
    log.warn(
      { err: error, worker: worker.process.pid },
      "could not lower the stream process's CPU priority; it runs at the servers' priority",
    );
  }
}
