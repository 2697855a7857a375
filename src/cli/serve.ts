import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, VERSION } from '../app.js';
import type { Config } from '../config/index.js';
import { DataDirLocked, type DataDirLock, lockDataDir } from '../platform/db/data-dir-lock.js';
import { bannerText, shouldPrintBanner } from './banner.js';
import { acceptHandedConnections, announceReady } from './connection-dispatcher.js';
import { listenFailure } from './listen-failure.js';
import { checkDataDir, checkServices, usesDataDir } from './start-checks.js';
import { StartupFailure } from './startup-failure.js';

export interface ServeOptions {
  /** Run trace jobs only (`epitrace trace-runner`): the app is built and its trace worker runs, but nothing listens. */
  readonly traceRunner?: boolean;
  /**
   * A worker of `serve --stream-workers M`: the primary accepts the connections and passes each one on, so this
   * process does not listen on the public port.
   */
  readonly handedConnections?: boolean;
  /**
   * Run the background work (trace sweeps, analytics, zone scans, webhooks, periodic tasks); false for a stream
   * process.
   */
  readonly background?: boolean;
  /** Print the start-up banner when BANNER allows it (the processes of `serve --workers` leave it to none). */
  readonly banner?: boolean;
}

/** How long a graceful shutdown may take before the process gives up and exits 1. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Runs the server until SIGTERM/SIGINT, then stops accepting, finishes requests in flight and closes the database.
 * A problem the operator can fix (data directory not writable or in use, PostgreSQL or Redis unreachable, port in
 * use, HOST not an address) is thrown as a StartupFailure before anything runs, with the one line to print.
 */
export async function serve(config: Config, options: ServeOptions = {}): Promise<FastifyInstance> {
  if (usesDataDir(config)) checkDataDir(config.dataDir);
  await checkServices(config);
  const lock = config.dialect === 'sqlite' ? takeDataDirLock(config) : undefined;
  let app: FastifyInstance;
  try {
    app = await buildApp(config, {
      traceRunner: options.traceRunner === true,
      background: options.background !== false,
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  let closing = false;
  let stopTakingConnections = () => {};
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    stopTakingConnections();
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const timer = setTimeout(() => {
      app.log.error(`graceful shutdown timed out after ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    app.close().then(
      () => {
        lock?.release();
        app.log.info('stopped: the database is closed');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  // A terminal's Ctrl-C sends SIGINT to the whole process group (npm, node): the same graceful stop as SIGTERM, and a
  // second signal while stopping changes nothing.
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    if (options.traceRunner === true) {
      await app.ready();
      app.log.info({ role: 'trace-runner' }, 'trace runner ready: running the trace jobs servers leave');
    } else if (options.handedConnections === true) {
      // Listening on a loopback port of its own (never used) starts what Node does for a listening HTTP server: the
      // header and request timeouts of its connections, and a graceful close.
      await app.listen({ port: 0, host: '127.0.0.1', exclusive: true });
      stopTakingConnections = acceptHandedConnections(app.server);
      announceReady();
    } else {
      await app.listen({ port: config.port, host: config.host });
    }
  } catch (error) {
    const failure = listenFailure(error, config.host, config.port);
    await app.close().catch(() => {});
    lock?.release();
    throw failure ?? error;
  }
  if (options.banner !== false && options.traceRunner !== true && options.handedConnections !== true)
    await printBanner(app, config);
  return app;
}

/**
 * Without Redis, real-time events stay in this process's memory: a second server on the same SQLite DATA_DIR would
 * write where this one reads, and neither would deliver the other's events. So it takes the directory alone. With
 * Redis every process shares the events: they share the directory (and still exclude a server without Redis).
 */
export function takeDataDirLock(config: Config): DataDirLock {
  const mode = config.redisUrl === undefined ? 'exclusive' : 'shared';
  try {
    return lockDataDir(config.dataDir, mode);
  } catch (error) {
    if (!(error instanceof DataDirLocked)) throw error;
    const pid = error.otherPid === undefined ? '' : ` (pid ${error.otherPid})`;
    const holder =
      error.heldAs === 'shared'
        ? `Epitrace processes sharing Redis${pid}; set the same REDIS_URL here to run beside them`
        : mode === 'shared'
          ? `an Epitrace server without REDIS_URL${pid}; stop it`
          : `another Epitrace server${pid}; stop it`;
    throw new StartupFailure(
      `data directory ${config.dataDir} is in use by ${holder}, or give this one its own DATA_DIR`,
    );
  }
}

async function printBanner(app: FastifyInstance, config: Config): Promise<void> {
  if (!shouldPrintBanner(config.banner)) return;
  const address = app.server.address();
  if (address === null || typeof address === 'string') return;
  let staffAccounts: number;
  try {
    staffAccounts = await app.staffAccountCount();
  } catch (error) {
    app.log.warn({ err: error }, 'could not count the staff accounts for the start-up banner');
    return;
  }
  process.stdout.write(bannerText({ version: VERSION, address: address as AddressInfo, config, staffAccounts }));
}
