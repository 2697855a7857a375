import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/connect.js';

// SQLite only: PostgreSQL checkpoints in its own server processes.
describe('SQLite write-ahead log checkpoints in a worker thread', () => {
  let dir: string;
  let handle: DatabaseHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (checkpointMs?: number) => {
    dir = mkdtempSync(join(tmpdir(), 'epitrace-wal-'));
    const file = join(dir, 'db.sqlite');
    handle = openDatabase({
      dialect: 'sqlite',
      sqliteFile: file,
      ...(checkpointMs === undefined ? {} : { sqliteCheckpointMs: checkpointMs }),
    });
    return { handle, wal: `${file}-wal` };
  };
  const autocheckpoint = async (h: DatabaseHandle) =>
    (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(h.db)).rows[0]!.wal_autocheckpoint;
  // About 12 MB of pages: three times what SQLite would let the log grow to before checkpointing in a commit.
  const writeMegabytes = (h: DatabaseHandle) =>
    sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < 3000) insert into blobs select randomblob(4000) from n`.execute(
      h.db,
    );

  it('the connection leaves checkpoints to the thread, which copies the log back so the log is reused, not grown', async () => {
    const { handle: h, wal } = open(20);
    expect(await autocheckpoint(h)).toBe(0);
    await sql`create table blobs (b blob)`.execute(h.db);
    await writeMegabytes(h);
    const afterFirst = statSync(wal).size;
    // A checkpoint may have copied the table's creation while the blobs were being written: wait for one that
    // copied the whole log.
    const whole = () => {
      const last = h.sqliteCheckpointer!.lastCheckpoint;
      return last !== undefined && last.checkpointed === last.log && last.log * 4096 >= afterFirst / 2;
    };
    const deadline = Date.now() + 20_000;
    while (!whole() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(h.sqliteCheckpointer!.checkpoints).toBeGreaterThan(0);
    expect(whole()).toBe(true);
    // Once everything in the log is in the database file, the next write starts the log over.
    await writeMegabytes(h);
    expect(statSync(wal).size).toBeLessThanOrEqual(afterFirst);
    const count = await sql<{ n: number }>`select count(*) as n from blobs`.execute(h.db);
    expect(count.rows[0]!.n).toBe(6000);
  });

  it('SQLITE_CHECKPOINT_MS=0 keeps SQLite’s own checkpoints (every 1,000 pages, in a commit) and starts no thread', async () => {
    const { handle: h } = open(0);
    expect(await autocheckpoint(h)).toBe(1000);
    expect(h.sqliteCheckpointer).toBeUndefined();
  });

  it('is on by default for a database file, and stops with the database', async () => {
    const { handle: h } = open();
    expect(h.sqliteCheckpointer).toBeDefined();
    await h.close();
    await h.close(); // a second close (an owner, then the app holding the handle) returns too
    handle = undefined;
  });

  it('a process that only opens and closes the database exits by itself, with 0 (closing waits for the thread)', () => {
    dir = mkdtempSync(join(tmpdir(), 'epitrace-wal-'));
    const fixture = new URL('../fixtures/open-close-sqlite.ts', import.meta.url).pathname;
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture, join(dir, 'db.sqlite')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
