import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotificationsRepository } from '../../src/modules/notifications/repository.js';
import { TracingRepository } from '../../src/modules/tracing/repository.js';
import { registerUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

/** Text an array literal must escape: quotes, backslashes, braces, commas, blanks, NULL spelled out, newlines, non-ASCII. */
const AWKWARD = ['say "hi", then {leave}', 'back\\slash \\"', 'NULL', '', '  padded  ', 'line 1\nline 2\ttab', 'Zürich — 東京 ✓', '{}', ','];

/** Rows written as one array per column (PostgreSQL) read back exactly as given; SQLite's plain inserts alike. */
describe.each(testDialects())('rows written as column arrays on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('keeps awkward text, nulls and numbers as they were', async () => {
    const person = await registerUser(t.app);
    const inputs = AWKWARD.map((text, i) => ({
      id: randomUUID(),
      user_id: person.id,
      tier: i % 2 === 0 ? ('high' as const) : ('medium' as const),
      exposure_date: `2026-11-${String(10 + i).padStart(2, '0')}`,
      title: text,
      body: `${text}|${i}`,
      data: JSON.stringify({ text }),
      created_at: 1_795_000_000_123 + i,
    }));
    const written = await t.database.db.transaction().execute((trx) => new NotificationsRepository(t.database.db).insertExposureNotifications(trx, inputs));
    expect(written.map((n) => n.seq)).toEqual(inputs.map((_, i) => i + 1));
    const stored = await t.database.db.selectFrom('notifications').selectAll().where('user_id', '=', person.id).orderBy('seq').execute();
    expect(stored).toEqual(inputs.map((input, i) => ({ ...input, kind: 'exposure', seq: i + 1, acked_at: null })));
  });

  it('upserts person-days: inserts new ones, updates those there, nulls included', async () => {
    const [a, b] = [await registerUser(t.app), await registerUser(t.app)];
    const repository = new TracingRepository(t.database.db);
    const day = (userId: string, date: string, minutes: number, notified: 'medium' | 'high' | null) => ({
      user_id: userId,
      date,
      weighted_minutes: minutes,
      tier: minutes >= 15 ? ('high' as const) : minutes >= 5 ? ('medium' as const) : ('low' as const),
      notified_tier: notified,
      updated_at: 1_795_000_000_000 + Math.round(minutes * 1000),
    });
    await t.database.db.transaction().execute((trx) => repository.upsertExposureDays(trx, [day(a.id, '2026-11-20', 7.25, 'medium'), day(b.id, '2026-11-20', 2.5, null)]));
    await t.database.db.transaction().execute((trx) => repository.upsertExposureDays(trx, [day(a.id, '2026-11-20', 16.125, 'high'), day(a.id, '2026-11-21', 0.1, null)]));
    const stored = await t.database.db.transaction().execute((trx) =>
      repository.exposureDays(trx, [
        [a.id, '2026-11-20'],
        [a.id, '2026-11-21'],
        [b.id, '2026-11-20'],
        [b.id, '2026-11-21'],
      ]),
    );
    expect(Object.fromEntries(stored)).toEqual({
      [`${a.id}|2026-11-20`]: day(a.id, '2026-11-20', 16.125, 'high'),
      [`${a.id}|2026-11-21`]: day(a.id, '2026-11-21', 0.1, null),
      [`${b.id}|2026-11-20`]: day(b.id, '2026-11-20', 2.5, null),
    });
  });
});
