import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/**
 * SQLite copies the write-ahead log back into the database file (a checkpoint) inside whichever commit makes the
 * log pass 1,000 pages; with better-sqlite3 that commit blocks the event loop for the whole copy and its fsync, and
 * the request that happened to commit waits for it. Here the connection's automatic checkpoints are turned off and
 * a worker thread with its own connection runs a PASSIVE checkpoint every `everyMs` (it never waits for readers
 * or writers, so the server's connection is not held up). If the thread fails, automatic checkpoints come back.
 */
export interface SqliteCheckpointer {
  /** Checkpoints that copied at least one page, so far. */
  readonly checkpoints: number;
  /** The latest of those: frames in the log, and how many of them are now in the database file. */
  readonly lastCheckpoint: { readonly log: number; readonly checkpointed: number } | undefined;
  stop(): Promise<void>;
}

// Plain CommonJS run by the worker (`eval`): the server may run from TypeScript sources that a worker could not load.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file);
db.pragma('busy_timeout = 0');
let copied = 0;
const timer = setInterval(() => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result.checkpointed > 0 && result.checkpointed !== copied) parentPort.postMessage({ log: result.log, checkpointed: result.checkpointed });
    copied = result.checkpointed;
  } catch (error) {
    if (error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED') throw error;
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

export function startSqliteCheckpointer(
  connection: SQLite.Database,
  file: string,
  everyMs: number,
): SqliteCheckpointer {
  connection.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, everyMs },
  });
  worker.unref();
  let checkpoints = 0;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let lastCheckpoint: { log: number; checkpointed: number } | undefined;
  worker.on('message', (message: { log: number; checkpointed: number }) => {
    checkpoints += 1;
    lastCheckpoint = message;
  });
  const fallBack = () => {
    if (!stopping && connection.open) connection.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  worker.on('error', fallBack);
  let exited = false;
  worker.on('exit', () => {
    exited = true;
    fallBack();
  });
  return {
    get checkpoints() {
      return checkpoints;
    },
    get lastCheckpoint() {
      return lastCheckpoint;
    },
    // Idempotent: a database handle may be closed twice (once by its owner, once by the app holding it).
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        if (exited) return; // it failed earlier (automatic checkpoints came back then)
        worker.ref(); // the thread's exit is awaited: it must keep the process alive until then
        const exit = new Promise((resolve) => worker.once('exit', resolve));
        worker.postMessage('stop');
        await exit;
      })()),
  };
}
