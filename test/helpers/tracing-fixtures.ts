import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { expect, vi } from 'vitest';
import { locationObservation, type AppUser } from './actors.js';
import { applicationName } from '../../src/platform/db/connect.js';
import { postgresUrl } from './dialects.js';
import type { TestApp } from './test-app.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Uploads one location stay (the default place of `locationObservation`) from `fromMs` to `toMs`; returns it as a match
 * job would name it.
 */
export async function uploadStay(
  t: TestApp,
  who: AppUser,
  fromMs: number,
  toMs: number,
  overrides: Record<string, unknown> = {},
): Promise<{ userId: string; interactionIds: string[] }> {
  const stay = locationObservation({ started_at: iso(fromMs), ended_at: iso(toMs), ...overrides });
  const response = await t.app.inject({
    method: 'POST',
    url: '/interactions',
    headers: who.auth,
    payload: { interactions: [stay] },
  });
  expect(response.statusCode, response.body).toBe(200);
  return { userId: who.id, interactionIds: [stay.id as string] };
}

/** Writes a confirmed case straight into the database (no trace job): the test runs its traces itself. */
export async function insertConfirmedCase(
  t: TestApp,
  who: AppUser,
  onsetDay: string,
  now = Date.now(),
): Promise<string> {
  const id = randomUUID();
  const today = iso(now).slice(0, 10);
  await t.database.db
    .insertInto('cases')
    .values({
      id,
      user_id: who.id,
      report_type: 'confirmed_test',
      onset_date: onsetDay,
      test_date: today,
      report_date: today,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

/**
 * Forces two concurrent writers to meet on PostgreSQL: holds writes to `table` until two backends wait (on the table,
 * or on one of Epitrace's write locks), then lets them go. Only this test's backends count (its schema is in their
 * application_name): tests of other files run at the same time on the same database. On SQLite writers run one at a
 * time: `start` just runs.
 */
export async function whileTwoWritersWait<T>(t: TestApp, table: string, start: () => Promise<T>): Promise<T> {
  if (t.dialect !== 'postgres') return start();
  // Background work of earlier tests on this app (a trace, the analytics) could be a third writer waiting on the
  // table, and the count below would never be two: let it finish first.
  await t.app.traceWorker.idle();
  await t.app.analytics.idle();
  // The watcher has its own connection: the app's pool (four in tests) is busy with the holder and the two writers.
  const watcher = new pg.Client({ connectionString: postgresUrl() });
  await watcher.connect();
  try {
    let pending: Promise<T> | undefined;
    await t.database.db.transaction().execute(async (trx) => {
      await sql`lock table ${sql.table(table)} in share row exclusive mode`.execute(trx);
      pending = start();
      await vi.waitFor(
        async () => {
          const { rows } = await watcher.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity
             where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'
               and (query ilike $2 or query ilike '%pg_advisory_xact_lock%')`,
            [applicationName(t.database.schema), `%"${table}"%`],
          );
          expect(rows[0]!.n).toBe(2);
        },
        { timeout: 10_000, interval: 20 },
      );
    });
    return pending!;
  } finally {
    await watcher.end();
  }
}
