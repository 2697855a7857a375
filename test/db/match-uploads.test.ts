import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
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
    const [source, x, y, z] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
    await upload(source, 60, 10);
    const caseId = await insertConfirmedCase(t, source, new Date(now).toISOString().slice(0, 10), now);
    expect(await t.app.tracing.traceCase(caseId)).toEqual({ risks: 0, notifications: 0, contacts: 0 });
    await t.app.traceWorker.idle();
    await t.app.traceWorker.stop(); // the uploads' own jobs stay queued: this test runs the match itself

    const uploads = [await upload(x, 40, 10), await upload(y, 16, 10), await upload(z, 40, 10, { lat: 48.87 })];
    expect(await t.app.tracing.matchUploads(uploads)).toEqual({ risks: 2, notifications: 1, contacts: 2 });
    expect(await t.app.tracing.matchUploads(uploads)).toEqual({ risks: 2, notifications: 0, contacts: 2 });

    const risks = await t.database.db.selectFrom('exposure_risks').select(['exposed_user_id', 'interaction_id', 'case_id', 'weighted_minutes']).orderBy('weighted_minutes', 'desc').execute();
    expect(risks).toEqual([
      { exposed_user_id: x.id, interaction_id: uploads[0]!.interactionIds[0], case_id: caseId, weighted_minutes: 15 },
      { exposed_user_id: y.id, interaction_id: uploads[1]!.interactionIds[0], case_id: caseId, weighted_minutes: 3 },
    ]);
    const notified = await t.database.db.selectFrom('notifications').select(['user_id', 'tier']).execute();
    expect(notified).toEqual([{ user_id: x.id, tier: 'high' }]);
  });
});
