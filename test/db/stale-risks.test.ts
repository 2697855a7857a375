import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TracingRepository } from '../../src/modules/tracing/repository.js';
import { registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { insertConfirmedCase, uploadStay } from '../helpers/tracing-fixtures.js';

const DAY = 86_400_000;
const now = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => iso(ms).slice(0, 10);

/** What a re-trace removes: risks its window no longer covers; never a risk a late upload's match wrote meanwhile. */
describe.each(testDialects())('stale risks on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  const upload = (who: AppUser, from: number, to: number) => uploadStay(t, who, from, to);
  const newCase = (who: AppUser, onset: string) => insertConfirmedCase(t, who, onset, now);
  const risksOf = (caseId: string) =>
    t.database.db
      .selectFrom('exposure_risks')
      .select(['exposed_user_id'])
      .where('case_id', '=', caseId)
      .orderBy('exposed_user_id')
      .execute();

  it('a re-trace after the onset was corrected to a later day removes the risk of a stay that left the window', async () => {
    const [source, early, recent] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
    const fiveDaysAgo = now - 5 * DAY;
    for (const who of [source, early]) await upload(who, fiveDaysAgo - 60 * 60_000, fiveDaysAgo);
    for (const who of [source, recent]) await upload(who, now - 60 * 60_000, now - 10 * 60_000);
    await t.app.traceWorker.idle();
    const caseId = await newCase(source, dayOf(now - 4 * DAY)); // window: 8 days ago to tomorrow, both stays
    await t.app.tracing.traceCase(caseId);
    expect((await risksOf(caseId)).map((r) => r.exposed_user_id).sort()).toEqual([early.id, recent.id].sort());

    // A minute later the onset is corrected to today: the window starts 4 days ago, without the stay 5 days ago.
    await t.database.db
      .updateTable('exposure_risks')
      .set({ updated_at: now - 60_000 })
      .where('case_id', '=', caseId)
      .execute();
    await t.database.db
      .updateTable('cases')
      .set({ onset_date: dayOf(now) })
      .where('id', '=', caseId)
      .execute();
    await t.app.tracing.traceCase(caseId);
    expect(await risksOf(caseId)).toEqual([{ exposed_user_id: recent.id }]);
  });

  it("a risk a late upload's match writes while a re-trace is reading survives the re-trace", async () => {
    const [source, first, late] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
    await upload(source, now - 60 * 60_000, now - 10 * 60_000);
    await upload(first, now - 60 * 60_000, now - 10 * 60_000);
    await t.app.traceWorker.idle();
    const caseId = await newCase(source, dayOf(now));
    await t.app.tracing.traceCase(caseId);
    await t.app.traceWorker.stop(); // this test runs the late upload's match itself, at the moment it wants

    // During the re-trace's lookup (after it read who was there), the late upload arrives and is matched.
    const lookup = TracingRepository.prototype.presentDuring;
    let interleaved = false;
    vi.spyOn(TracingRepository.prototype, 'presentDuring').mockImplementation(async function (
      this: TracingRepository,
      ...args
    ) {
      const found = await lookup.apply(this, args);
      if (!interleaved) {
        interleaved = true;
        const uploaded = await upload(late, now - 60 * 60_000, now - 10 * 60_000);
        await t.app.tracing.matchUploads([uploaded]);
        expect(await risksOf(caseId)).toHaveLength(2);
      }
      return found;
    });
    await t.app.tracing.traceCase(caseId);
    expect(interleaved).toBe(true);
    expect((await risksOf(caseId)).map((r) => r.exposed_user_id).sort()).toEqual([first.id, late.id].sort());
  });
});
