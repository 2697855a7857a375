import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type RawBuilder } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/connect.js';
import { expectProblem, locationObservation, registerUser } from '../helpers/actors.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts a transaction on `holder` that runs `write` and keeps the write lock until the returned release is called. */
async function holdLock(holder: DatabaseHandle, write: RawBuilder<unknown>) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = holder.db.transaction().execute(async (trx) => {
    await write.execute(trx);
    locked();
    await released;
  });
  await isLocked;
  return { release, done };
}

// SQLite only: two handles on one file stand for two server processes (`serve --workers 2`) sharing the database.
describe('SQLite transactions waiting for another connection’s write lock', () => {
  let dir: string;
  const handles: DatabaseHandle[] = [];
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const openTwo = async (busyTimeoutMs: number) => {
    dir = mkdtempSync(join(tmpdir(), 'epitrace-lock-'));
    const file = join(dir, 'db.sqlite');
    const open = () =>
      openDatabase({ dialect: 'sqlite', sqliteFile: file, sqliteCheckpointMs: 0, sqliteBusyTimeoutMs: busyTimeoutMs });
    const [holder, waiter] = [open(), open()];
    handles.push(holder, waiter);
    await sql`create table t (v text)`.execute(holder.db);
    return { holder, waiter };
  };

  /**
   * Runs `write` on the waiter while the holder keeps the lock: it must still wait after 50 ms, then commit after the
   * holder.
   */
  const expectWaitsThenCommits = async (
    holder: DatabaseHandle,
    _waiter: DatabaseHandle,
    write: () => Promise<unknown>,
  ) => {
    const { release, done } = await holdLock(holder, sql`insert into t values ('holder')`);
    let finished = false;
    const waiting = write().finally(() => (finished = true));
    // SQLite's own busy handler would sleep on this thread until its timeout, then fail: this timer could not fire
    // before that, and the holder could never commit.
    await sleep(50);
    expect(finished).toBe(false);
    release();
    await done;
    await waiting;
    const rows = (await sql<{ v: string }>`select v from t order by rowid`.execute(holder.db)).rows;
    expect(rows.map((r) => r.v)).toEqual(['holder', 'waiter']);
  };

  it('waits without blocking the thread, then begins once the holder commits', async () => {
    const { holder, waiter } = await openTwo(2000);
    await expectWaitsThenCommits(holder, waiter, () =>
      waiter.db.transaction().execute(async (trx) => sql`insert into t values ('waiter')`.execute(trx)),
    );
  });

  it('a write outside a transaction waits the same way, and commits once the holder has', async () => {
    const { holder, waiter } = await openTwo(2000);
    await expectWaitsThenCommits(holder, waiter, () => sql`insert into t values ('waiter')`.execute(waiter.db));
    // A statement that fails leaves no transaction open.
    await expect(sql`insert into missing values (1)`.execute(waiter.db)).rejects.toThrow(/no such table/);
    await sql`insert into t values ('after')`.execute(waiter.db);
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(holder.db)).rows[0]!.n).toBe(3);
  });

  it('gives up with SQLITE_BUSY after the busy timeout, the thread serving timers all along', async () => {
    const { holder, waiter } = await openTwo(150);
    const { release, done } = await holdLock(holder, sql`insert into t values ('holder')`);
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 10);
    const started = performance.now();
    await expect(
      waiter.db.transaction().execute(async (trx) => sql`insert into t values ('waiter')`.execute(trx)),
    ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    const waited = performance.now() - started;
    clearInterval(ticker);
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(ticks).toBeGreaterThanOrEqual(2);
    release();
    await done;
    // The failed attempt left nothing behind: the waiter's connection starts and commits a transaction normally.
    await waiter.db.transaction().execute(async (trx) => sql`insert into t values ('after')`.execute(trx));
    const rows = (await sql<{ v: string }>`select v from t order by rowid`.execute(holder.db)).rows;
    expect(rows.map((r) => r.v)).toEqual(['holder', 'after']);
  });
});

// SQLite only: the app's database and a second handle on its file, standing for another server process.
describe('a request whose write waits past SQLITE_BUSY_TIMEOUT_MS', () => {
  let t: TestApp;
  let other: DatabaseHandle;
  beforeEach(async () => {
    t = await buildTestApp('sqlite', { SQLITE_BUSY_TIMEOUT_MS: '100' });
    other = openDatabase({ dialect: 'sqlite', sqliteFile: t.sqliteFile!, sqliteCheckpointMs: 0 });
  });
  afterEach(async () => {
    await other.close();
    await t.close();
  });

  it('is refused with 503 and Retry-After, stores nothing, and succeeds when retried after the lock is free', async () => {
    const user = await registerUser(t.app);
    const observation = locationObservation();
    const { release, done: holding } = await holdLock(other, sql`delete from interactions where 0`);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/interactions',
      headers: user.auth,
      payload: { interactions: [observation] },
    });
    const problem = expectProblem(refused, 503);
    expect(problem.detail).toMatch(/busy.*nothing was stored/);
    expect(refused.headers['retry-after']).toBe('1');
    release();
    await holding;
    expect(
      await t.database.db.selectFrom('interactions').select('id').where('user_id', '=', user.id).execute(),
    ).toEqual([]);
    const retried = await t.app.inject({
      method: 'POST',
      url: '/interactions',
      headers: user.auth,
      payload: { interactions: [observation] },
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ created: 1, duplicates: 0 });
  });
});
