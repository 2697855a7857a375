import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProximityTokensRepository } from '../../src/modules/proximity-tokens/repository.js';
import { ProximityTokensService } from '../../src/modules/proximity-tokens/service.js';
import { RetentionRepository } from '../../src/modules/tracing/repositories/retention-repository.js';
import { purgeExpired } from '../../src/modules/tracing/retention.js';
import {
  dailyPartitions,
  dropDailyPartitionsBefore,
  ensureDailyPartitions,
  partitionName,
  utcDayStart,
} from '../../src/platform/db/partitions.js';
import { startPeriodicTasks } from '../../src/platform/jobs/periodic.js';
import { registerUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const DAY = 86_400_000;

describe.each(testDialects())('retention on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  async function seedInteraction(userId: string, endedDaysAgo: number): Promise<string> {
    const id = randomUUID();
    const ended = Date.now() - endedDaysAgo * DAY;
    await t.database.db
      .insertInto('interactions')
      .values({
        id,
        user_id: userId,
        kind: 'location',
        location: '8a1fb466249ffff',
        lat: 48.85,
        lng: 2.35,
        accuracy_m: 5,
        venue_id: null,
        peer_token: null,
        attenuation_db: null,
        timestamp: ended - 600_000,
        ended_at: ended,
        time_bucket: 0,
        received_at: ended,
        peer_user_id: null,
      })
      .execute();
    await t.database.db
      .insertInto('presence_index')
      .values({
        place: '8a1fb466249ffff',
        bucket: Math.floor(ended / 3_600_000),
        interaction_id: id,
        user_id: userId,
        started_at: ended - 600_000,
        ended_at: ended,
        lat: 48.85,
        lng: 2.35,
      })
      .execute();
    return id;
  }

  it('deletes observations, their index rows and risks, tokens and day totals older than the retention period, and keeps the rest', async () => {
    const user = await registerUser(t.app);
    const source = await registerUser(t.app);
    const old = await seedInteraction(user.id, 22);
    const recent = await seedInteraction(user.id, 20);
    const caseId = randomUUID();
    await t.database.db
      .insertInto('cases')
      .values({
        id: caseId,
        user_id: source.id,
        report_type: 'confirmed_test',
        onset_date: null,
        test_date: null,
        managed_by: null,
        created_at: Date.now(),
      })
      .execute();
    for (const [interactionId, endedDaysAgo] of [
      [old, 22],
      [recent, 20],
    ] as const) {
      const episodeEnd = Date.now() - endedDaysAgo * DAY;
      await t.database.db
        .insertInto('exposure_risks')
        .values({
          id: randomUUID(),
          interaction_id: interactionId,
          case_id: caseId,
          risk_level: 0.5,
          exposure_date: '2026-11-01',
          minutes: 15,
          weighted_minutes: 15,
          proximity_bucket: 'gps_colocation',
          infectiousness: 'high',
          report_type: 'confirmed_test',
          model_version: 'v1',
          created_at: 0,
          updated_at: 0,
          exposed_user_id: user.id,
          contact_kind: 'gps',
          place: null,
          episode_start: episodeEnd - 600_000,
          episode_end: episodeEnd,
        })
        .execute();
    }
    const today = new Date().toISOString().slice(0, 10);
    const longAgo = new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10);
    for (const date of [today, longAgo]) {
      await t.database.db
        .insertInto('exposure_days')
        .values({ user_id: user.id, date, weighted_minutes: 15, tier: 'high', notified_tier: 'high', updated_at: 0 })
        .execute();
    }
    const tokens = new ProximityTokensService(new ProximityTokensRepository(t.database.db), t.config.tokenSecret!);
    await tokens.issueFor(user.id, Date.now() - 23 * DAY, 4);
    await tokens.issueFor(user.id, Date.now(), 4);

    const result = await purgeExpired(
      {
        tracing: new RetentionRepository(t.database.db),
        deleteTokensOlderThan: (cutoff) => tokens.deleteOlderThan(cutoff),
      },
      Date.now(),
      21,
      'UTC',
    );
    expect(result).toEqual({ interactions: 1, proximity_tokens: 4, exposure_days: 1 });

    const db = t.database.db;
    expect((await db.selectFrom('interactions').select('id').execute()).map((r) => r.id)).toEqual([recent]);
    expect(
      (await db.selectFrom('presence_index').select('interaction_id').execute()).map((r) => r.interaction_id),
    ).toEqual([recent]);
    expect(
      (await db.selectFrom('exposure_risks').select('interaction_id').execute()).map((r) => r.interaction_id),
    ).toEqual([recent]);
    expect(await db.selectFrom('proximity_tokens').select('token').execute()).toHaveLength(4);
    expect((await db.selectFrom('exposure_days').select('date').execute()).map((r) => r.date)).toEqual([today]);
    // Running again finds nothing more to delete.
    expect(
      await purgeExpired(
        { tracing: new RetentionRepository(db), deleteTokensOlderThan: (cutoff) => tokens.deleteOlderThan(cutoff) },
        Date.now(),
        21,
        'UTC',
      ),
    ).toEqual({ interactions: 0, proximity_tokens: 0, exposure_days: 0 });
  });
});

describe('periodic tasks', () => {
  it('run on their timer, one run of a task at a time, and stop cleanly', async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const log = { info: () => undefined, error: () => undefined } as never;
    const stop = startPeriodicTasks(
      [
        {
          name: 'slow',
          everyMs: 5,
          run: async () => {
            running += 1;
            if (running > 1) overlapped = true;
            await new Promise((r) => setTimeout(r, 20));
            running -= 1;
            runs += 1;
          },
        },
      ],
      log,
    );
    while (runs < 3) await new Promise((r) => setTimeout(r, 5));
    await stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
    expect(overlapped).toBe(false);
  });
});

describe.runIf(testDialects().includes('postgres'))('partitioned interactions on postgres', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp('postgres', { RETENTION_DAYS: '21', PARTITION_DAYS_AHEAD: '7' });
  });
  afterEach(async () => {
    await t.close();
  });

  it('creates daily partitions ahead, stores rows in them, and retention drops whole old partitions', async () => {
    const db = t.database.db;
    const names = async (table: string) => [...(await dailyPartitions(db, table)).keys()].sort();
    const today = utcDayStart(Date.now());
    expect(await names('interactions')).toContain(partitionName('interactions', today + 7 * DAY));
    expect(await names('presence_index')).toContain(partitionName('presence_index', today - DAY));
    // Older days, as a server that has run for weeks has them.
    expect((await ensureDailyPartitions(db, today - 25 * DAY, today)).created).toContain(
      partitionName('interactions', today - 25 * DAY),
    );

    const user = await registerUser(t.app);
    const startedAt = Date.now() - 3_600_000;
    const upload = await t.app.inject({
      method: 'POST',
      url: '/interactions',
      headers: user.auth,
      payload: {
        interactions: [
          {
            id: randomUUID(),
            kind: 'location',
            lat: 48.85,
            lng: 2.35,
            started_at: new Date(startedAt).toISOString(),
            ended_at: new Date(Date.now() - 1_800_000).toISOString(),
          },
        ],
      },
    });
    expect(upload.statusCode).toBe(200);
    // The row lives in the partition of the day it started (yesterday's in the first hour of a UTC day).
    const itsDay = partitionName('interactions', utcDayStart(startedAt));
    const inPartition = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(itsDay)}`.execute(db);
    expect(inPartition.rows[0]!.n).toBe(1);
    const inDefault = await sql<{ n: number }>`select count(*)::int as n from interactions_default`.execute(db);
    expect(inDefault.rows[0]!.n).toBe(0);

    const tokens = new ProximityTokensService(new ProximityTokensRepository(db), t.config.tokenSecret!);
    const result = await purgeExpired(
      {
        tracing: new RetentionRepository(db),
        deleteTokensOlderThan: (c) => tokens.deleteOlderThan(c),
        dropPartitionsBefore: (c) => dropDailyPartitionsBefore(db, c),
      },
      Date.now(),
      21,
      'UTC',
    );
    expect(result.partitions_dropped).toBeGreaterThan(0);
    const left = await names('interactions');
    // Days entirely before the cutoff minus one day (an observation lasts at most a day) are gone; the rest stay.
    expect(left).not.toContain(partitionName('interactions', today - 23 * DAY));
    expect(left).toContain(partitionName('interactions', today - 21 * DAY));
    expect(left).toContain(partitionName('interactions', today));
    expect(left).toContain(itsDay);
    expect(await db.selectFrom('interactions').select('id').execute()).toHaveLength(1);
  });
});
