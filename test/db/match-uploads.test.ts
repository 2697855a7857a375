import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import type { TracingRepository } from '../../src/modules/tracing/repository.js';
import { caseWindowMs } from '../../src/modules/tracing/service.js';
import { DEFAULT_RISK_MODEL } from '../../src/modules/tracing/risk-model.js';
import { insertConfirmedCase, uploadStay } from '../helpers/tracing-fixtures.js';

const now = Date.now();

/**
 * Late uploads of several people matched in one pass against an active, traced case: X stayed 30 minutes beside
 * the source (30 × GPS 0.5 = 15 weighted minutes: high), Y 6 minutes (3: low), Z elsewhere.
 */
describe.each(testDialects())('uploads matched together on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  const upload = (who: AppUser, fromMinutesAgo: number, toMinutesAgo: number, where: { lat?: number } = {}) =>
    uploadStay(t, who, now - fromMinutesAgo * 60_000, now - toMinutesAgo * 60_000, where);

  it('gives each uploader the risks of their own stays, and is idempotent', async () => {
    const [source, x, y, z] = await Promise.all([
      registerUser(t.app),
      registerUser(t.app),
      registerUser(t.app),
      registerUser(t.app),
    ]);
    await upload(source, 60, 10);
    const caseId = await insertConfirmedCase(t, source, new Date(now).toISOString().slice(0, 10), now);
    expect(await t.app.tracing.traceCase(caseId)).toEqual({ risks: 0, notifications: 0, contacts: 0 });
    await t.app.traceWorker.idle();
    await t.app.traceWorker.stop(); // the uploads' own jobs stay queued: this test runs the match itself

    const uploads = [await upload(x, 40, 10), await upload(y, 16, 10), await upload(z, 40, 10, { lat: 48.87 })];
    expect(await t.app.tracing.matchUploads(uploads)).toEqual({ risks: 2, notifications: 1, contacts: 2 });
    expect(await t.app.tracing.matchUploads(uploads)).toEqual({ risks: 2, notifications: 0, contacts: 2 });

    const risks = await t.database.db
      .selectFrom('exposure_risks')
      .select(['exposed_user_id', 'interaction_id', 'case_id', 'weighted_minutes'])
      .orderBy('weighted_minutes', 'desc')
      .execute();
    expect(risks).toEqual([
      { exposed_user_id: x.id, interaction_id: uploads[0]!.interactionIds[0], case_id: caseId, weighted_minutes: 15 },
      { exposed_user_id: y.id, interaction_id: uploads[1]!.interactionIds[0], case_id: caseId, weighted_minutes: 3 },
    ]);
    const notified = await t.database.db.selectFrom('notifications').select(['user_id', 'tier']).execute();
    expect(notified).toEqual([{ user_id: x.id, tier: 'high' }]);
  });

  it("a report stores its case's infectious window, so an upload matched before the case's trace runs meets the case", async () => {
    const [source, x] = await Promise.all([registerUser(t.app), registerUser(t.app)]);
    await t.app.traceWorker.stop(); // no job runs: neither the report's trace nor the uploads' matches
    await upload(source, 60, 10);
    const today = new Date(now).toISOString().slice(0, 10);
    const reported = await t.app.inject({
      method: 'POST',
      url: '/symptoms',
      headers: source.auth,
      payload: { symptom: 'fever', date: today },
    });
    expect(reported.statusCode, reported.body).toBe(201);
    const row = await t.database.db
      .selectFrom('cases')
      .selectAll()
      .where('user_id', '=', source.id)
      .executeTakeFirstOrThrow();
    expect(row.traced_at).toBeNull();
    const window = caseWindowMs(row, { riskModel: DEFAULT_RISK_MODEL, timeZone: 'UTC' });
    expect([row.window_start, row.window_end]).toEqual([window.start, window.end]);
    expect(window.end - window.start).toBe(10 * 86_400_000); // onset − 4 .. onset + 5, whole days

    // 30 minutes beside the self-reported source on its onset day: 30 × GPS 0.5 × self-report 0.5 = 7.5, medium.
    expect(await t.app.tracing.matchUploads([await upload(x, 40, 10)])).toEqual({
      risks: 1,
      notifications: 1,
      contacts: 1,
    });
    const risk = await t.database.db
      .selectFrom('exposure_risks')
      .select(['exposed_user_id', 'case_id', 'weighted_minutes'])
      .executeTakeFirstOrThrow();
    expect(risk).toEqual({ exposed_user_id: x.id, case_id: row.id, weighted_minutes: 7.5 });
  });

  it('the uploading process matches the rows it just stored without reading them back; a job from the table reads them', async () => {
    const [source, x, y] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
    await upload(source, 60, 10);
    const caseId = await insertConfirmedCase(t, source, new Date(now).toISOString().slice(0, 10), now);
    await t.app.tracing.traceCase(caseId);
    await t.app.traceWorker.idle();
    const repository = (t.app.tracing as unknown as { tracing: TracingRepository }).tracing;
    const reads = vi.spyOn(repository, 'interactionsByIds');

    // Through the API: the upload's match job runs in this process on the stored rows.
    await upload(x, 40, 10);
    await t.app.traceWorker.idle();
    expect(reads).not.toHaveBeenCalled();
    expect(
      await t.database.db
        .selectFrom('exposure_risks')
        .select(['exposed_user_id', 'weighted_minutes'])
        .where('exposed_user_id', '=', x.id)
        .execute(),
    ).toEqual([{ exposed_user_id: x.id, weighted_minutes: 15 }]);

    // A job as another process's sweeper finds it (ids only) reads the rows, and scores them the same.
    await t.app.traceWorker.stop();
    const late = await upload(y, 40, 10);
    expect(await t.app.tracing.matchUploads([late])).toEqual({ risks: 1, notifications: 1, contacts: 1 });
    expect(reads).toHaveBeenCalledWith(late.interactionIds);
    expect(
      await t.database.db
        .selectFrom('exposure_risks')
        .select(['exposed_user_id', 'weighted_minutes'])
        .where('exposed_user_id', '=', y.id)
        .execute(),
    ).toEqual([{ exposed_user_id: y.id, weighted_minutes: 15 }]);
  });
});
