import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { locationObservation, registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const now = Date.now();
const minutesAgo = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

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

  const upload = async (who: AppUser) => {
    const stay = locationObservation({ started_at: minutesAgo(30), ended_at: minutesAgo(22) });
    const response = await t.app.inject({ method: 'POST', url: '/interactions', headers: who.auth, payload: { interactions: [stay] } });
    expect(response.statusCode, response.body).toBe(200);
  };
  const confirmedCase = async (who: AppUser) => {
    const id = randomUUID();
    const today = new Date().toISOString().slice(0, 10);
    await t.database.db
      .insertInto('cases')
      .values({ id, user_id: who.id, report_type: 'confirmed_test', onset_date: today, test_date: today, report_date: today, created_at: Date.now(), updated_at: Date.now() })
      .execute();
    return id;
  };

  it("the shared contact's day sums both sources' risks and is notified once", async () => {
    const [first, second, contact] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
    for (const who of [first, second, contact]) await upload(who);
    await t.app.traceWorker.idle();
    const cases = [await confirmedCase(first), await confirmedCase(second)];
    const traceBoth = () => Promise.all(cases.map((id) => t.app.tracing.traceCase(id)));

    if (dialect === 'postgres') {
      // Hold writes of exposure days until both traces wait: both have written their risk and, unless one waits
      // for the other to finish the shared day, read a day total without the other's risk.
      let pending: ReturnType<typeof traceBoth> | undefined;
      await t.database.db.transaction().execute(async (trx) => {
        await sql`lock table exposure_days in share row exclusive mode`.execute(trx);
        pending = traceBoth();
        await vi.waitFor(
          async () => {
            const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock' and (query ilike '%"exposure_days"%' or query ilike '%pg_advisory_xact_lock%')`.execute(t.database.db);
            expect(rows[0]!.n).toBe(2);
          },
          { timeout: 10_000, interval: 20 },
        );
      });
      await pending;
    } else {
      await traceBoth(); // SQLite writers run one at a time
    }

    const risks = await t.database.db.selectFrom('exposure_risks').select(['case_id', 'weighted_minutes']).where('exposed_user_id', '=', contact.id).orderBy('case_id').execute();
    expect(risks).toEqual(cases.sort().map((case_id) => ({ case_id, weighted_minutes: 4 })));
    const days = await t.database.db.selectFrom('exposure_days').select(['weighted_minutes', 'tier', 'notified_tier']).where('user_id', '=', contact.id).execute();
    expect(days).toEqual([{ weighted_minutes: 8, tier: 'medium', notified_tier: 'medium' }]);
    const notifications = await t.database.db.selectFrom('notifications').select('tier').where('user_id', '=', contact.id).execute();
    expect(notifications).toEqual([{ tier: 'medium' }]);
  });
});
