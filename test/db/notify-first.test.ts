import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationsService } from '../../src/modules/notifications/service.js';
import { TracingRepository } from '../../src/modules/tracing/repository.js';
import type { Row } from '../../src/platform/db/tables.js';
import { registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { insertConfirmedCase, uploadStay } from '../helpers/tracing-fixtures.js';

const now = Date.now();

/**
 * A trace notifies the people whose day rises before it writes the risks: the notifications are stored (the outbox)
 * and pushed first, then every risk is written. The source spent 40 minutes beside H (40 × GPS 0.5 = 20 weighted
 * minutes: high) and 6 beside L (3: low).
 */
describe.each(testDialects())('a trace notifies first on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  const upload = (who: AppUser, fromMinutesAgo: number, toMinutesAgo: number) =>
    uploadStay(t, who, now - fromMinutesAgo * 60_000, now - toMinutesAgo * 60_000);

  /** The source's case, not yet traced: H beside the source 40 minutes, L 6 minutes. */
  const sourceBesideHighAndLow = async () => {
    const [source, high, low] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
    await upload(source, 60, 10);
    await upload(high, 50, 10);
    await upload(low, 16, 10);
    await t.app.traceWorker.idle();
    return { high, low, caseId: await insertConfirmedCase(t, source, new Date(now).toISOString().slice(0, 10), now) };
  };
  /** H's day: 20 weighted minutes, high, notified; L's: 3, low, not notified. */
  const expectDaysOf = async (high: AppUser, low: AppUser) => {
    const days = await t.database.db
      .selectFrom('exposure_days')
      .select(['user_id', 'weighted_minutes', 'tier', 'notified_tier'])
      .orderBy('weighted_minutes', 'desc')
      .execute();
    expect(days).toEqual([
      { user_id: high.id, weighted_minutes: 20, tier: 'high', notified_tier: 'high' },
      { user_id: low.id, weighted_minutes: 3, tier: 'low', notified_tier: null },
    ]);
  };

  it("stores and publishes the high-risk contact's notification before the risks are written", async () => {
    const { high, low, caseId } = await sourceBesideHighAndLow();

    const atPublish: Array<{ notified: string[]; stored: string[]; riskHolders: string[] }> = [];
    const publish = NotificationsService.prototype.publishCreated;
    vi.spyOn(NotificationsService.prototype, 'publishCreated').mockImplementation(async function (
      this: NotificationsService,
      rows: readonly Row<'notifications'>[],
    ) {
      const holders = await t.database.db
        .selectFrom('exposure_risks')
        .select('exposed_user_id')
        .where('case_id', '=', caseId)
        .execute();
      const stored = await t.database.db.selectFrom('notifications').select('user_id').execute();
      atPublish.push({
        notified: rows.map((r) => r.user_id),
        stored: stored.map((n) => n.user_id),
        riskHolders: holders.map((h) => h.exposed_user_id!).sort(),
      });
      return publish.call(this, rows);
    });
    const outcome = await t.app.tracing.traceCase(caseId);

    expect(outcome).toEqual({ risks: 2, notifications: 1, contacts: 2 });
    expect(atPublish).toEqual([
      { notified: [high.id], stored: [high.id], riskHolders: [] },
      { notified: [], stored: [high.id], riskHolders: [high.id, low.id].sort() },
    ]);
    const notification = await t.database.db.selectFrom('notifications').select('tier').executeTakeFirstOrThrow();
    expect(notification.tier).toBe('high');
    await expectDaysOf(high, low);
    const traced = await t.database.db
      .selectFrom('cases')
      .select('traced_at')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(traced.traced_at).not.toBeNull();
  });

  it('a trace that fails after notifying is run again: the risks are written and nobody is notified twice', async () => {
    const { high, low, caseId } = await sourceBesideHighAndLow();
    // The process dies (here: the write fails) between the notifications' transaction and the risks'.
    const upsert = vi
      .spyOn(TracingRepository.prototype, 'upsertRisks')
      .mockRejectedValueOnce(new Error('connection lost'));
    await expect(t.app.tracing.traceCase(caseId)).rejects.toThrow('connection lost');
    expect(await t.database.db.selectFrom('exposure_risks').selectAll().execute()).toEqual([]);
    expect((await t.database.db.selectFrom('notifications').select('user_id').execute()).map((n) => n.user_id)).toEqual(
      [high.id],
    );

    // The job is retried (its lease runs out): the same trace writes the risks and finds the day already notified.
    upsert.mockRestore();
    expect(await t.app.tracing.traceCase(caseId)).toEqual({ risks: 2, notifications: 0, contacts: 2 });
    expect((await t.database.db.selectFrom('notifications').select('user_id').execute()).map((n) => n.user_id)).toEqual(
      [high.id],
    );
    await expectDaysOf(high, low);
  });

  it("a re-trace's own earlier risks are replaced, not added, when it decides whom to notify first", async () => {
    const [source, low] = await Promise.all([registerUser(t.app), registerUser(t.app)]);
    await upload(source, 60, 10);
    await upload(low, 16, 10);
    const elsewhere = await uploadStay(t, low, now - 120 * 60_000, now - 100 * 60_000, { lat: 48.87 });
    await t.app.traceWorker.idle();
    const caseId = await insertConfirmedCase(t, source, new Date(now).toISOString().slice(0, 10), now);
    expect(await t.app.tracing.traceCase(caseId)).toEqual({ risks: 1, notifications: 0, contacts: 1 }); // 6 min × 0.5 = 3: low
    // As if an earlier trace (another model version, a wider window) had scored this episode 4.9 and found one more
    // that this trace no longer finds: either, added to this trace's 3, would reach medium (5).
    const [risk] = await t.database.db.selectFrom('exposure_risks').selectAll().execute();
    await t.database.db.updateTable('exposure_risks').set({ weighted_minutes: 4.9 }).execute();
    await t.database.db
      .insertInto('exposure_risks')
      .values({
        ...risk!,
        id: `${risk!.id}-stale`,
        interaction_id: elsewhere.interactionIds[0]!,
        weighted_minutes: 4.9,
        updated_at: now - 600_000,
      })
      .execute();
    expect(await t.app.tracing.traceCase(caseId)).toEqual({ risks: 1, notifications: 0, contacts: 1 });
    expect(await t.database.db.selectFrom('notifications').selectAll().execute()).toEqual([]);
    expect(
      await t.database.db.selectFrom('exposure_risks').select(['interaction_id', 'weighted_minutes']).execute(),
    ).toEqual([{ interaction_id: risk!.interaction_id, weighted_minutes: 3 }]);
    expect(
      await t.database.db.selectFrom('exposure_days').select(['weighted_minutes', 'tier', 'notified_tier']).execute(),
    ).toEqual([{ weighted_minutes: 3, tier: 'low', notified_tier: null }]);
  });
});
