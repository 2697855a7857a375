import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { insertConfirmedCase, uploadStay } from '../helpers/tracing-fixtures.js';

const now = Date.now();

/**
 * On SQLite every statement of a trace runs on the server's thread, so a trace that never yields holds back every
 * request that arrives while it runs. A trace lets them in between its steps.
 */
describe.each(testDialects())('a trace lets other work in between its steps on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => t.close());

  it('work queued for the next turn of the event loop runs before the trace has notified anyone', async () => {
    const [source, contact] = await Promise.all([registerUser(t.app), registerUser(t.app)]);
    await uploadStay(t, source, now - 60 * 60_000, now - 10 * 60_000);
    await uploadStay(t, contact, now - 50 * 60_000, now - 10 * 60_000);
    await t.app.traceWorker.idle();
    const caseId = await insertConfirmedCase(t, source, new Date(now).toISOString().slice(0, 10), now);

    // Stands for a request that arrives once the trace has started: it reads how many notifications exist.
    let otherWork: Promise<number> | undefined;
    const trace = t.app.tracing.traceCase(caseId);
    setImmediate(() => {
      otherWork = t.database.db
        .selectFrom('notifications')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
        .then((row) => Number(row.n));
    });
    const outcome = await trace;

    expect(outcome).toMatchObject({ notifications: 1 }); // 40 min × GPS 0.5 = 20 weighted minutes: high
    expect(otherWork, 'the queued work had not started when the trace ended').toBeDefined();
    expect(await otherWork).toBe(0);
  });
});
