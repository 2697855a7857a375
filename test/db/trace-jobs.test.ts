import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, TraceJobsRepository } from '../../src/modules/tracing/repositories/trace-jobs-repository.js';
import { registerUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(testDialects())('trace jobs on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('a job left by a process that stopped is run by the next one; a job is claimed by one worker only', async () => {
    const jobs = new TraceJobsRepository(t.database.db);
    const user = await registerUser(t.app);
    const caseId = randomUUID();
    await t.database.db
      .insertInto('cases')
      .values({
        id: caseId,
        user_id: user.id,
        report_type: 'self_reported',
        onset_date: new Date().toISOString().slice(0, 10),
        test_date: null,
        managed_by: null,
        created_at: Date.now(),
      })
      .execute();
    // Written as a report's transaction would, but no process ran it (the one that wrote it stopped).
    const id = await jobs.enqueue(t.database.db, { kind: 'trace_case', caseId });
    const [claimedElsewhere] = await jobs.claimBatch('other-worker', Date.now(), 60_000, 10);
    expect(claimedElsewhere?.claimed_by).toBe('other-worker');
    expect(await jobs.claimBatch('third-worker', Date.now(), 60_000, 10)).toEqual([]); // the lease is live
    // The other worker dies; once its lease expires the job is claimable again and the sweep runs it.
    expect(await jobs.claimable(Date.now() + 61_000, 60_000, 10)).toEqual([id]);
    await t.database.db
      .updateTable('trace_jobs')
      .set({ claimed_at: Date.now() - 61_000 })
      .where('id', '=', id)
      .execute();
    await t.app.traceWorker.sweep();
    await t.app.traceWorker.idle();
    expect(await jobs.pending()).toBe(0);
    const traced = await t.database.db
      .selectFrom('cases')
      .select(['traced_at', 'window_start', 'window_end'])
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(traced.traced_at).not.toBeNull();
    expect(traced.window_end! - traced.window_start!).toBe(10 * 86_400_000); // onset − 4 .. onset + 5, whole days
  });

  it('a failing job is kept with its error and retried, up to a limit', async () => {
    const jobs = new TraceJobsRepository(t.database.db);
    const id = await jobs.enqueue(t.database.db, { kind: 'match_upload', userId: randomUUID(), interactionIds: [] });
    await jobs.fail(id, 'boom');
    const row = await t.database.db.selectFrom('trace_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.last_error).toBe('boom');
    expect(await jobs.claimable(Date.now(), 60_000, 10)).toEqual([id]);
    await t.database.db.updateTable('trace_jobs').set({ attempts: MAX_ATTEMPTS }).where('id', '=', id).execute();
    expect(await jobs.claimable(Date.now(), 60_000, 10)).toEqual([]);
  });

  it('a batch claim takes the oldest waiting jobs up to its limit, each for one claimer only, and expired leases again', async () => {
    const jobs = new TraceJobsRepository(t.database.db);
    const now = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        await jobs.enqueue(
          t.database.db,
          { kind: 'match_upload', userId: randomUUID(), interactionIds: [randomUUID()] },
          now + i,
        ),
      );
    const first = await jobs.claimBatch('runner-a', now + 10, 60_000, 3);
    expect(first.map((r) => r.id)).toEqual(ids.slice(0, 3));
    expect(first.map((r) => [r.claimed_by, r.attempts])).toEqual([
      ['runner-a', 1],
      ['runner-a', 1],
      ['runner-a', 1],
    ]);
    const second = await jobs.claimBatch('runner-b', now + 10, 60_000, 10);
    expect(second.map((r) => r.id)).toEqual(ids.slice(3));
    expect(await jobs.claimBatch('runner-c', now + 10, 60_000, 10)).toEqual([]);
    // runner-a stops; after its lease its jobs go to the next claimer (runner-b's lease is younger and still live).
    await t.database.db
      .updateTable('trace_jobs')
      .set({ claimed_at: now - 61_000 })
      .where('claimed_by', '=', 'runner-a')
      .execute();
    const takenOver = await jobs.claimBatch('runner-c', now + 10, 60_000, 10);
    expect(takenOver.map((r) => [r.id, r.claimed_by, r.attempts])).toEqual(
      ids.slice(0, 3).map((id) => [id, 'runner-c', 2]),
    );
  });
});
