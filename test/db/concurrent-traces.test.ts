import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { insertConfirmedCase, uploadStay, whileTwoWritersWait } from '../helpers/tracing-fixtures.js';

const now = Date.now();
const today = new Date(now).toISOString().slice(0, 10);

/**
 * Two processes tracing two sources at the same moment, both of whom met the same person: that person's day must
 * sum both exposures. Each source alone gives 8 min × GPS 0.5 = 4 weighted minutes (low); together 8 (medium).
 */
describe.each(testDialects())('concurrent traces on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it("the shared contact's day sums both sources' risks and is notified once", async () => {
    const [first, second, contact] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
    for (const who of [first, second, contact]) await uploadStay(t, who, now - 30 * 60_000, now - 22 * 60_000);
    await t.app.traceWorker.idle();
    const cases = [await insertConfirmedCase(t, first, today, now), await insertConfirmedCase(t, second, today, now)];

    // Writes of exposure days are held until both traces wait: both have written their risk and, unless one waits
    // for the other to finish the shared day, read a day total without the other's risk.
    await whileTwoWritersWait(t, 'exposure_days', () => Promise.all(cases.map((id) => t.app.tracing.traceCase(id))));

    const risks = await t.database.db
      .selectFrom('exposure_risks')
      .select(['case_id', 'weighted_minutes'])
      .where('exposed_user_id', '=', contact.id)
      .orderBy('case_id')
      .execute();
    expect(risks).toEqual(cases.sort().map((case_id) => ({ case_id, weighted_minutes: 4 })));
    const days = await t.database.db
      .selectFrom('exposure_days')
      .select(['weighted_minutes', 'tier', 'notified_tier'])
      .where('user_id', '=', contact.id)
      .execute();
    expect(days).toEqual([{ weighted_minutes: 8, tier: 'medium', notified_tier: 'medium' }]);
    const notifications = await t.database.db
      .selectFrom('notifications')
      .select('tier')
      .where('user_id', '=', contact.id)
      .execute();
    expect(notifications).toEqual([{ tier: 'medium' }]);
  });
});
