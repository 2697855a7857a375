import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotificationsRepository } from '../../src/modules/notifications/repository.js';
import { RisksRepository } from '../../src/modules/tracing/repositories/risks-repository.js';
import { registerUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { insertConfirmedCase, uploadStay } from '../helpers/tracing-fixtures.js';

/**
 * Text an array literal must escape: quotes, backslashes, braces, commas, blanks, NULL spelled out, newlines,
 * non-ASCII.
 */
const AWKWARD = [
  'say "hi", then {leave}',
  'back\\slash \\"',
  'NULL',
  '',
  '  padded  ',
  'line 1\nline 2\ttab',
  'Zürich — 東京 ✓',
  '{}',
  ',',
];

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
    const written = await t.database.db
      .transaction()
      .execute((trx) => new NotificationsRepository(t.database.db).insertExposureNotifications(trx, inputs));
    expect(written.map((n) => n.seq)).toEqual(inputs.map((_, i) => i + 1));
    const stored = await t.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', person.id)
      .orderBy('seq')
      .execute();
    expect(stored).toEqual(inputs.map((input, i) => ({ ...input, kind: 'exposure', seq: i + 1, acked_at: null })));
  });

  it('upserts person-days: inserts new ones, updates those there, nulls included', async () => {
    const [a, b] = [await registerUser(t.app), await registerUser(t.app)];
    const repository = new RisksRepository(t.database.db);
    const day = (userId: string, date: string, minutes: number, notified: 'medium' | 'high' | null) => ({
      user_id: userId,
      date,
      weighted_minutes: minutes,
      tier: minutes >= 15 ? ('high' as const) : minutes >= 5 ? ('medium' as const) : ('low' as const),
      notified_tier: notified,
      updated_at: 1_795_000_000_000 + Math.round(minutes * 1000),
    });
    await t.database.db
      .transaction()
      .execute((trx) =>
        repository.upsertExposureDays(trx, [
          day(a.id, '2026-11-20', 7.25, 'medium'),
          day(b.id, '2026-11-20', 2.5, null),
        ]),
      );
    await t.database.db
      .transaction()
      .execute((trx) =>
        repository.upsertExposureDays(trx, [
          day(a.id, '2026-11-20', 16.125, 'high'),
          day(a.id, '2026-11-21', 0.1, null),
        ]),
      );
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

  it("reads each asked day's total, notified tier and, where wanted, heaviest risk (ties: the smallest id) with the day's count", async () => {
    const [source, a, b] = [await registerUser(t.app), await registerUser(t.app), await registerUser(t.app)];
    const now = Date.now();
    const stays = [];
    for (let i = 0; i < 5; i++)
      stays.push(
        (await uploadStay(t, i < 4 ? a : b, now - (60 - i * 10) * 60_000, now - (55 - i * 10) * 60_000))
          .interactionIds[0]!,
      );
    const caseId = await insertConfirmedCase(t, source, '2026-11-20', now);
    const risk = (interactionId: string, id: string, exposedUserId: string, date: string, weighted: number) => ({
      id,
      interaction_id: interactionId,
      case_id: caseId,
      exposed_user_id: exposedUserId,
      contact_kind: 'gps',
      place: 'cell',
      minutes: weighted * 2,
      weighted_minutes: weighted,
      risk_level: 0.25,
      exposure_date: date,
      proximity_bucket: 'gps',
      infectiousness: 'standard',
      report_type: 'confirmed_test',
      model_version: 'v1',
      episode_start: now - 3_600_000,
      episode_end: now - 3_000_000,
      created_at: now,
      updated_at: now,
    });
    const rows = [
      risk(stays[0]!, 'c-risk', a.id, '2026-11-21', 4),
      risk(stays[1]!, 'b-risk', a.id, '2026-11-21', 6.5),
      risk(stays[2]!, 'a-risk', a.id, '2026-11-21', 6.5), // same weight as b-risk, smaller id: the main one
      risk(stays[3]!, 'd-risk', a.id, '2026-11-22', 1),
      risk(stays[4]!, 'e-risk', b.id, '2026-11-21', 2),
    ];
    await t.database.db.insertInto('exposure_risks').values(rows).execute();
    await t.database.db
      .insertInto('exposure_days')
      .values({
        user_id: a.id,
        date: '2026-11-21',
        weighted_minutes: 10.5,
        tier: 'medium',
        notified_tier: 'medium',
        updated_at: now,
      })
      .execute();
    const repository = new RisksRepository(t.database.db);
    const asked = [
      [a.id, '2026-11-21'],
      [b.id, '2026-11-21'],
      [b.id, '2026-11-22'],
    ] as const;
    const read = (wantsMain: (total: number, notifiedTier: string | null) => boolean) =>
      t.database.db.transaction().execute(async (trx) => {
        const states = await repository.dayStates(trx, asked, wantsMain);
        return Object.fromEntries(
          [...states].map(([key, day]) => [
            key,
            {
              total: day.total,
              notified: day.notifiedTier,
              main: day.main && {
                id: day.main.main.id,
                weighted: day.main.main.weighted_minutes,
                count: day.main.count,
                case: day.main.main.case_id,
              },
            },
          ]),
        );
      });
    expect(await read(() => true)).toEqual({
      [`${a.id}|2026-11-21`]: {
        total: 17,
        notified: 'medium',
        main: { id: 'a-risk', weighted: 6.5, count: 3, case: caseId },
      },
      [`${b.id}|2026-11-21`]: { total: 2, notified: null, main: { id: 'e-risk', weighted: 2, count: 1, case: caseId } },
      [`${b.id}|2026-11-22`]: { total: 0, notified: null, main: null },
    });
    // Only the days the caller picks (here: a total of 5 or more, not yet notified of high) come with their heaviest
    // risk.
    expect(await read((total, notified) => total >= 5 && notified !== 'high')).toEqual({
      [`${a.id}|2026-11-21`]: {
        total: 17,
        notified: 'medium',
        main: { id: 'a-risk', weighted: 6.5, count: 3, case: caseId },
      },
      [`${b.id}|2026-11-21`]: { total: 2, notified: null, main: null },
      [`${b.id}|2026-11-22`]: { total: 0, notified: null, main: null },
    });
  });
});
