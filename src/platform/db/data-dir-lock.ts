import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';

/**
 * How a server process holds the data directory:
 * - `exclusive`: it is the only server on this DATA_DIR (no REDIS_URL: its real-time events stay in its memory, so
 *   a second server beside it would never see them);
 * - `shared`: every process on this DATA_DIR shares one Redis (`serve --workers`, stream workers, trace runners),
 *   so any number of them may run together, but never beside an exclusive one.
 */
export type DataDirLockMode = 'exclusive' | 'shared';

/** The data directory is held by another process in a way that excludes this one. */
export class DataDirLocked extends Error {
  constructor(
    readonly dataDir: string,
    /** The other process's id, when it wrote one and it is still running. */
    readonly otherPid: number | undefined,
    /** How the other process holds it: the opposite of what this one asked for, or exclusive. */
    readonly heldAs: DataDirLockMode,
  ) {
    super(`data directory ${dataDir} is locked by another process`);
    this.name = 'DataDirLocked';
  }
}

export interface DataDirLock {
  readonly mode: DataDirLockMode;
  /** Releases the lock (idempotent); the operating system releases it too when the process ends, however it ends. */
  release(): void;
}

const LOCK_FILE = 'epitrace.lock';
const PID_FILE = 'epitrace.pid';
const BRIEF_WAIT_MS = 200;

/**
 * Takes the data directory's lock, or throws DataDirLocked at once (it never waits).
 *
 * The lock is a lock of the operating system on a file descriptor the process keeps open: SQLite's own file locks
 * on a small database `epitrace.lock` in rollback-journal mode, which are exactly a readers-writer lock. A shared
 * holder keeps a read transaction open (SQLite's SHARED lock, any number at once); an exclusive holder keeps an
 * EXCLUSIVE transaction open, which SQLite grants only when no other process holds any lock on the file. The
 * kernel drops the locks of a process that ends, even by SIGKILL or a crash, so a stale lock cannot block the next
 * start (a pid file checked for liveness can: pids are reused, in containers the same pid comes back every time).
 * The holder's pid is written beside it (`epitrace.pid`) only to name it in the message of a refused process.
 */
export function lockDataDir(dataDir: string, mode: DataDirLockMode): DataDirLock {
  const connection = tryLock(dataDir, mode);
  if (connection === undefined) {
    // Refused as exclusive: the holders are shared ones if a shared lock can be had now, else an exclusive one.
    const probe = mode === 'exclusive' ? tryLock(dataDir, 'shared') : undefined;
    probe?.close();
    throw new DataDirLocked(dataDir, livePid(dataDir), probe === undefined ? 'exclusive' : 'shared');
  }
  writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  let released = false;
  return {
    mode,
    release: () => {
      if (released) return;
      released = true;
      connection.close();
    },
  };
}

/** The connection holding the lock, or undefined when another process's lock excludes it. */
function tryLock(dataDir: string, mode: DataDirLockMode): SQLite.Database | undefined {
  const file = join(dataDir, LOCK_FILE);
  const connection = new SQLite(file);
  try {
    chmodSync(file, 0o600);
    // A moment's wait: another process's refused attempt holds SQLite's PENDING lock for an instant.
    connection.pragma(`busy_timeout = ${BRIEF_WAIT_MS}`);
    connection.pragma('journal_mode = DELETE');
    if (mode === 'exclusive') {
      connection.exec('BEGIN EXCLUSIVE');
    } else {
      connection.exec('BEGIN');
      // A read takes the SHARED lock, which the open transaction keeps.
      connection.prepare('SELECT count(*) FROM sqlite_master').get();
    }
    return connection;
  } catch (error) {
    connection.close();
    if (isBusy(error)) return undefined;
    throw error;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** The pid the holder wrote, if that process is still running (and is not this one). */
function livePid(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as { code?: unknown }).code === 'EPERM' ? pid : undefined;
  }
}
