import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDatabase,
} from 'kysely';

/**
 * How a SQLite connection waits for the write lock that another process (`serve --workers N`, a trace runner, the
 * CLI) holds.
 *
 * SQLite's own busy handler sleeps on the calling thread (1, 2, 5, 10 … 100 ms at a time). better-sqlite3 is
 * synchronous, so that sleep freezes the whole process — its open streams, its other requests — for as long as the
 * other process keeps the lock, and the retry comes at the end of a sleep rather than when the lock is free. Here
 * the attempt to take the lock fails at once and is retried from the event loop: the process goes on serving while
 * it waits, and takes the lock within about a millisecond of its release.
 *
 * - Transactions take the write lock when they begin (`BEGIN IMMEDIATE`). A deferred transaction that reads and then
 *   writes fails at once with SQLITE_BUSY when another process wrote in between (no busy handler can help it); an
 *   immediate one waits its turn. Every transaction here writes, so nothing is lost by taking the lock early.
 * - A statement that changes data outside a transaction runs as a transaction of its own, so that it waits the same
 *   way instead of in SQLite's busy handler.
 * - Everything else (reads, which in WAL mode do not wait for writers) keeps SQLite's busy timeout.
 */
export class LockWaitingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly connection: SQLite.Database,
    private readonly busyTimeoutMs: number,
  ) {
    super({ database });
  }

  override createDriver(): Driver {
    return new LockWaitingSqliteDriver(this.database, this.connection, this.busyTimeoutMs);
  }
}

class LockWaitingSqliteDriver extends SqliteDriver {
  private wrapped: LockWaitingConnection | undefined;

  constructor(
    private readonly database: SqliteDatabase,
    private readonly connection: SQLite.Database,
    private readonly busyTimeoutMs: number,
  ) {
    super({ database });
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.wrapped ??= new LockWaitingConnection(inner, this);
    return this.wrapped;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.beginImmediate(connection instanceof LockWaitingConnection ? connection.inner : connection);
  }

  /** `BEGIN IMMEDIATE`, retried from the event loop while another connection holds the write lock. */
  async beginImmediate(connection: DatabaseConnection): Promise<void> {
    const deadline = performance.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      this.connection.pragma('busy_timeout = 0');
      try {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        return;
      } catch (error) {
        if (!isBusy(error) || performance.now() >= deadline) throw error;
      } finally {
        this.connection.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      }
      await (attempt === 0
        ? new Promise((resolve) => setImmediate(resolve))
        : new Promise((resolve) => setTimeout(resolve, 1)));
    }
  }

  get inTransaction(): boolean {
    return this.connection.inTransaction;
  }

  /** A statement that needs the write lock and would take it by itself (no transaction is open). */
  changesDataOutsideTransaction(sql: string): boolean {
    if (this.connection.inTransaction || NOT_IN_A_TRANSACTION.test(sql)) return false;
    return !(this.database.prepare(sql) as SQLite.Statement).readonly;
  }
}

/** Transaction control, and statements SQLite refuses inside a transaction. */
const NOT_IN_A_TRANSACTION = /^\s*(begin|commit|end|rollback|savepoint|release|pragma|vacuum|attach|detach)\b/i;

class LockWaitingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly driver: LockWaitingSqliteDriver,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.driver.changesDataOutsideTransaction(query.sql)) return this.inner.executeQuery<R>(query);
    await this.driver.beginImmediate(this.inner);
    try {
      const result = await this.inner.executeQuery<R>(query);
      await this.inner.executeQuery(CompiledQuery.raw('commit'));
      return result;
    } catch (error) {
      if (this.driver.inTransaction) await this.inner.executeQuery(CompiledQuery.raw('rollback'));
      throw error;
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

const isBusy = (error: unknown) => error instanceof SQLite.SqliteError && error.code === 'SQLITE_BUSY';
