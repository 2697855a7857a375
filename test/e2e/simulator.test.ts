import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSchema, dropPostgresSchema } from '../../src/platform/db/connect.js';
import type { Agent, Place } from '../../src/simulator/city.js';
import type { Course } from '../../src/simulator/disease.js';
import { offsetMetres } from '../../src/simulator/geometry.js';
import { scoreTracing } from '../../src/simulator/ground-truth.js';
import { startLocalServer, type LocalServer } from '../../src/simulator/local-server.js';
import { runSimulation, type SimulationResult } from '../../src/simulator/runner.js';
import { scriptedScenario } from '../../src/simulator/scripted.js';
import { MS_PER_DAY as DAY, MS_PER_HOUR as HOUR, MS_PER_MINUTE as MINUTE } from '../../src/platform/time/calendar.js';
import { postgresUrl, testDialects } from '../helpers/dialects.js';

/**
 * A tiny scripted town whose answer is known. Day 0 is two days ago, day 2 is today (until now).
 * A (confirmed, onset day 1) lives with B, works beside C on day 0 and has a drink at venue V where D stops by
 * for 8 minutes; G visits A's home for the last 40 minutes before now. The script lets A infect B, D and F.
 *   truth:    A infected B (home) and D (venue); F never met A, so F is not infected; C and G met A but were spared.
 *   server:   B (household), C (8 h at the next desk) and G (40 min in A's home) are high-risk contacts; D's 8 minutes
 *             stay under the 5 weighted minutes of a notification (venue stays under 10 minutes are dropped).
 *   so:       notified {B, C, G}, infected {B, D}: precision 1/3, recall 1/2, all at the high tier.
 */
const [A, B, C, D, E, F, G] = [0, 1, 2, 3, 4, 5, 6];
const centre = { lat: 45.75, lng: 4.85 };
const at = (north: number, east: number) => offsetMetres(centre, north, east);
const place = (id: number, kind: Place['kind'], north: number, east: number, spots = 1): Place => ({
  id,
  kind,
  ...at(north, east),
  spots,
  neighbourhood: 0,
});
const places: Place[] = [
  place(0, 'home', 0, 0), // A and B
  place(1, 'home', 400, 0), // C
  place(2, 'home', 0, 400), // D
  place(3, 'home', -400, 0), // E
  place(4, 'home', 0, -400), // F
  place(5, 'home', 400, 400), // G
  place(6, 'work', 800, 800, 4),
  place(7, 'venue', -800, 800, 4),
];
const agent = (id: number, home: number): Agent => ({
  id,
  home,
  daytime: null,
  daytimeSpot: 0,
  child: false,
  hasApp: true,
  outingRate: 0,
});
const agents = [agent(A, 0), agent(B, 0), agent(C, 1), agent(D, 2), agent(E, 3), agent(F, 4), agent(G, 5)];
const courseOfA: Course = {
  infectedAt: -3 * DAY,
  infector: null,
  infectiousFrom: -1 * DAY,
  onsetAt: DAY + 8 * HOUR,
  infectiousUntil: 6 * DAY + 8 * HOUR,
  infectiousness: 1,
  selfReportAt: DAY + 10 * HOUR,
  confirmedAt: DAY + 14 * HOUR,
  isolatesFrom: DAY + 8 * HOUR,
};

const scenario = scriptedScenario({
  places,
  agents,
  seeds: [{ agent: A, course: courseOfA }],
  transmissions: [
    [A, B],
    [A, D],
    [A, F],
  ],
  outings: (person, runEnd) => {
    switch (person.id) {
      case A:
        return [
          { place: 6, spot: 0, start: 9 * HOUR, end: 17 * HOUR },
          { place: 7, spot: 0, start: 18 * HOUR, end: 19 * HOUR },
        ];
      case C:
        return [{ place: 6, spot: 0, start: 9 * HOUR, end: 17 * HOUR }];
      case D:
        return [{ place: 7, spot: 0, start: 18 * HOUR + 30 * MINUTE, end: 18 * HOUR + 38 * MINUTE }];
      case G:
        return [{ place: 0, spot: 0, start: runEnd - 40 * MINUTE, end: runEnd }];
      default:
        return [];
    }
  },
});

describe.each(testDialects())(
  'simulator ground truth and tracing precision/recall on a scripted town (%s)',
  (dialect) => {
    let server: LocalServer;
    let dataDir: string;
    let schema: string | undefined;
    let result: SimulationResult;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'epitrace-sim-test-'));
      const env: Record<string, string> = {};
      if (dialect === 'postgres') {
        schema = `t_${randomUUID().replaceAll('-', '')}`;
        await createPostgresSchema(postgresUrl(), schema);
        Object.assign(env, {
          DATABASE_URL: postgresUrl(),
          DATABASE_SCHEMA: schema,
          ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
          TOKEN_SECRET: randomBytes(32).toString('hex'),
          DB_POOL_SIZE: '4',
          PARTITION_DAYS_AHEAD: '1',
        });
      }
      server = await startLocalServer({ dataDir, env });
      result = await runSimulation({
        baseUrl: server.baseUrl,
        scenario,
        days: 3,
        speedUp: 100_000,
        seed: 1,
        professional: server.professional,
        authority: server.authority,
      });
    }, 180_000);

    afterAll(async () => {
      await server?.stop();
      if (schema !== undefined) await dropPostgresSchema(postgresUrl(), schema);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('records who infected whom, only along real contacts', () => {
      const truth = result.epidemic.transmissions.map((t) => ({
        infector: t.infector,
        infectee: t.infectee,
        place: t.place,
        close: t.close,
      }));
      expect(truth).toEqual([
        { infector: A, infectee: B, place: 0, close: true },
        { infector: A, infectee: D, place: 7, close: true },
      ]);
      expect([...result.epidemic.courses.keys()].sort()).toEqual([A, B, D]);
      // B was infected at their first contact with A while A was infectious: midnight of day 0 at home.
      expect(result.epidemic.transmissions[0]!.at).toBe(0);
      // D during the 8 minutes at the venue.
      expect(result.epidemic.transmissions[1]!.at).toBe(18 * HOUR + 30 * MINUTE);
    });

    it('drove the server through the API without a failed request', () => {
      expect(result.report.errors).toEqual({ total: 0, samples: [] });
      expect(result.report.epidemic).toMatchObject({ self_reports: 1, confirmations: 1, infected: 3, seeds: 1 });
      expect(result.phones.size).toBe(7);
      // Everyone's phone held its stream; the Bluetooth contact of the last minutes made G, A and B fetch tokens.
      expect(result.report.streams.held).toBe(7);
      expect(result.report.uploads.token_fetches).toBe(3);
    });

    it("reads A's notified contacts from the server and scores them against the ground truth", () => {
      expect(result.sources).toHaveLength(1);
      const [source] = result.sources;
      expect(source!.source).toBe(A);
      expect([...source!.infected].sort()).toEqual([B, D]);
      expect(new Map([...source!.notified].sort((x, y) => x[0] - y[0]))).toEqual(
        new Map([
          [B, 'high'],
          [C, 'high'],
          [G, 'high'],
        ]),
      );
      const any = { tier: 'any', notified: 3, truePositives: 1, infected: 2, precision: 1 / 3, recall: 1 / 2 };
      expect(result.report.tracing.by_source).toEqual([
        { ...any, tier: 'high' },
        { tier: 'medium', notified: 0, truePositives: 0, infected: 2, precision: null, recall: 0 },
        any,
      ]);
      expect(result.report.tracing.by_source).toEqual(scoreTracing(result.sources));
      // Every notification of the town came from A: the overall score is the same.
      expect(result.report.tracing.overall).toEqual(result.report.tracing.by_source);
    });

    it("times A's report to each notified contact's notification", () => {
      const notifiedPhones = [B, C, G].map((agentId) => result.phones.get(agentId)!);
      for (const phone of notifiedPhones) expect(phone.received.size).toBeGreaterThan(0);
      for (const agentId of [D, E, F]) expect(result.phones.get(agentId)!.received.size).toBe(0);
      expect(result.report.latency.report_to_notification_ms.count).toBe(3);
      expect(result.report.latency.report_to_delivery_ms.count).toBe(3);
    });
  },
);
