import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationsService } from '../../src/modules/notifications/service.js';
import type { Row } from '../../src/platform/db/tables.js';
import { registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { insertConfirmedCase, uploadStay } from '../helpers/tracing-fixtures.js';

const now = Date.now();

/**
 * A trace notifies the people whose day rises before it writes everyone else's risks: the source spent 40 minutes
 * beside H (40 × GPS 0.5 = 20 weighted minutes: high) and 6 beside L (3: low).
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

  const upload = (who: AppUser, fromMinutesAgo: number, toMinutesAgo: number) => uploadStay(t, who, now - fromMinutesAgo * 60_000, now - toMinutesAgo * 60_000);

  it("publishes the high-risk contact's notification before the low-risk contact's risk is written", async () => {
    const [source, high, low] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
    await upload(source, 60, 10);
    await upload(high, 50, 10);
    await upload(low, 16, 10);
    await t.app.traceWorker.idle();
    const caseId = await insertConfirmedCase(t, source, new Date(now).toISOString().slice(0, 10), now);

    const risksAtPublish: Array<{ notified: string[]; riskHolders: string[] }> = [];
    const publish = NotificationsService.prototype.publishCreated;
    vi.spyOn(NotificationsService.prototype, 'publishCreated').mockImplementation(async function (this: NotificationsService, rows: readonly Row<'notifications'>[]) {
      const holders = await t.database.db.selectFrom('exposure_risks').select('exposed_user_id').where('case_id', '=', caseId).execute();
      risksAtPublish.push({ notified: rows.map((r) => r.user_id), riskHolders: holders.map((h) => h.exposed_user_id!) });
      return publish.call(this, rows);
    });
    const outcome = await t.app.tracing.traceCase(caseId);

    expect(outcome).toEqual({ risks: 2, notifications: 1, contacts: 2 });
    expect(risksAtPublish).toEqual([
      { notified: [high.id], riskHolders: [high.id] },
      { notified: [], riskHolders: expect.arrayContaining([high.id, low.id]) },
    ]);
    const days = await t.database.db.selectFrom('exposure_days').select(['user_id', 'weighted_minutes', 'tier', 'notified_tier']).orderBy('weighted_minutes', 'desc').execute();
    expect(days).toEqual([
      { user_id: high.id, weighted_minutes: 20, tier: 'high', notified_tier: 'high' },
      { user_id: low.id, weighted_minutes: 3, tier: 'low', notified_tier: null },
    ]);
    const traced = await t.database.db.selectFrom('cases').select('traced_at').where('id', '=', caseId).executeTakeFirstOrThrow();
    expect(traced.traced_at).not.toBeNull();
  });
});
