/**
 * Seeded synthetic city for the tracing benchmark (issue 3): N app users around Paris over 14 days, written straight
 * into a database with the production row builders (toRow, presenceRowsOf) — not over HTTP, which is the ingest
 * benchmark's business.
 *
 *   npx tsx bench/generate.ts --size 1m                       # SQLite under bench/data/tracing-1m/
 *   DATABASE_URL=postgres://... npx tsx bench/generate.ts --engine postgres --size 10m   # schema bench_tracing_10m
 *   npx tsx bench/generate.ts --size 10m --dry-run            # count the rows without writing them
 *
 * The city. Users live in a square around Paris whose area grows with the number of users (105 km² — Paris intra
 * muros — at 10,000 users), so the density of people, and with it the number of contacts per person, is the same at
 * every size: 10× the data means 10× the people, not 10× the contacts of each. Each user has a home, most a
 * workplace (offices of ~15 people, desks up to 25 m apart), favourite venues near home (one venue per ten users)
 * and friends among their nearest neighbours. Per user and day (days 0–4 of each week are weekdays), roughly:
 *  - two long home stays (midnight → leaving, coming back → midnight),
 *  - on weekdays a commute, two long stays at the desk and a lunch break,
 *  - 5-minute location stays while out and about (commute, lunch, errands at spots and venues near home), with GPS
 *    jitter of a few metres (σ = 3 m),
 *  - 1–3 venue check-ins (QR codes), each also seen as location stays at the venue,
 *  - 2–5 Bluetooth encounters started with colleagues (weekdays) or friends (weekends), recorded on the initiator's
 *    phone and, 80% of the time, on the peer's; the token observed is the peer's real rotating token
 *    (deriveToken with the deployment's key) and is stored in proximity_tokens, and peer_user_id is set as ingest
 *    resolves it.
 * The number of 5-minute stays is tuned so that a user-day has ~71.4 interactions on average: 1,000 users → ~1 M
 * interactions, 10,000 users → ~10 M.
 *
 * Planted pairs. For each source the benchmark traces, one "buddy" (a friend living nearby) visits the source at home
 * from 20:00 to 21:00 UTC on day −3 (onset + 2 for the onset the benchmark reports, day −5): a 60-minute GPS
 * co-location a few metres apart, 60 × 0.5 (GPS) × 1.0 (infectiousness) × 0.5 (self-report) = 15 weighted minutes:
 * tier high, so every trace notifies at least that buddy.
 *
 * Determinism. Every user-day draws from its own xoshiro128** stream (seed, user, day), ids included, so the data is
 * a function of (seed, size) shifted in time to end at the start of the generation day (the anchor, UTC). A database
 * is reused when its recorded spec matches and its anchor is recent enough for the data to stay inside retention.
 *
 * Bulk paths. The schema is made by the app's migrations; the secondary indexes of the loaded tables are dropped and
 * rebuilt from their own definitions after the load. SQLite: one prepared statement per table, ~50,000 interactions
 * per transaction, journal off during the load, foreign keys off (the generator writes consistent rows). PostgreSQL:
 * one daily partition per generated day (as a deployment running for two weeks has), `insert ... select * from
 * unnest(...)` of 10,000 rows per statement, two connections so generation and insertion overlap, then VACUUM
 * ANALYZE (the state autovacuum reaches).
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Observation } from '../src/contracts/interactions.js';
import { presenceRowsOf, toRow, type IngestRules } from '../src/modules/interactions/model.js';
import {
  deriveToken,
  deriveTokenKey,
  intervalOf,
  intervalStart,
  PROXIMITY_TOKEN_INTERVAL_MS,
} from '../src/modules/proximity-tokens/model.js';
import { addDays } from '../src/platform/time/calendar.js';
import { Xoshiro128 } from '../src/modules/zones/prng.js';
import {
  createPostgresSchema,
  dropPostgresSchema,
  openDatabase,
  sqliteFileIn,
  type DialectName,
} from '../src/platform/db/connect.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import { migrationProvider } from '../src/platform/db/migrations/index.js';
import { ensureDailyPartitions } from '../src/platform/db/partitions.js';
import type { NewRow } from '../src/platform/db/tables.js';
import { progress } from './lib/progress.js';

/** Bump when the generated data changes for the same spec: older databases are then regenerated. */
export const GENERATOR_VERSION = 2;
export const DEFAULT_SEED = 20240601;
export const DAYS = 14;
const MIN = 60_000;
const DAY = 86_400_000;
/** 10 M interactions / (10,000 users × 14 days). */
export const INTERACTIONS_PER_USER_DAY = 10_000_000 / (10_000 * DAYS);
/** Paris intra muros, km², at 10,000 users; scaled with the number of users (constant density). */
const AREA_KM2_PER_10K_USERS = 105;
const CENTRE = { lat: 48.8566, lng: 2.3522 };
const M_PER_DEG_LAT = 111_320;
const M_PER_DEG_LNG = 111_320 * Math.cos((CENTRE.lat * Math.PI) / 180);
/** GPS jitter of one reported point (standard deviation per axis, metres). */
const GPS_SIGMA_M = 3;
/** The production defaults the rows are built with (H3_RESOLUTION, TIME_BUCKET_MINUTES, RETENTION_DAYS). */
export const INGEST_RULES: IngestRules = {
  h3Resolution: 10,
  timeBucketMinutes: 60,
  retentionDays: 21,
  maxClockSkewMs: 300_000,
  maxDurationMs: DAY,
};
/** The data must stay inside retention (21 days) while reused: at most this many days between anchor and today. */
export const MAX_ANCHOR_AGE_DAYS = 5;
/** Day of the planted visits, relative to the anchor, and the onset the benchmark reports (relative to the anchor). */
export const VISIT_DAY_FROM_ANCHOR = -3;
export const ONSET_DAY_FROM_ANCHOR = -5;
const PEER_RECORDS_TOO = 0.8;
const MEAN_INITIATIONS = 2 + 1 + 1 / 3;

export const SIZES: Readonly<Record<string, { users: number; pairs: number }>> = {
  '100k': { users: 100, pairs: 20 },
  '1m': { users: 1_000, pairs: 45 },
  '10m': { users: 10_000, pairs: 45 },
};

export interface CitySpec {
  readonly generator: number;
  readonly seed: number;
  readonly size: string;
  readonly users: number;
  readonly days: number;
  /** The UTC day the data ends at (exclusive): the generation day. */
  readonly anchorDay: string;
  readonly interactionsPerUserDay: number;
  readonly areaKm2: number;
  /** Planted (source, buddy) pairs: the benchmark's warm-up and measured sources. */
  readonly pairs: number;
  readonly h3Resolution: number;
  readonly bucketMinutes: number;
}

export function todayUtc(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function citySpec(size: string, seed = DEFAULT_SEED, anchorDay = todayUtc()): CitySpec {
  const preset = SIZES[size];
  if (preset === undefined) throw new Error(`unknown size ${size}; one of ${Object.keys(SIZES).join(', ')}`);
  return {
    generator: GENERATOR_VERSION,
    seed,
    size,
    users: preset.users,
    days: DAYS,
    anchorDay,
    interactionsPerUserDay: INTERACTIONS_PER_USER_DAY,
    areaKm2: (AREA_KM2_PER_10K_USERS * preset.users) / 10_000,
    pairs: preset.pairs,
    h3Resolution: INGEST_RULES.h3Resolution,
    bucketMinutes: INGEST_RULES.timeBucketMinutes,
  };
}

/** Same data apart from the time shift: everything but the anchor day matches. */
export function sameCity(a: CitySpec, b: CitySpec): boolean {
  const strip = ({ anchorDay: _a, ...rest }: CitySpec) => JSON.stringify(rest, Object.keys(rest).sort());
  return strip(a) === strip(b);
}

/** Secrets of the benchmark deployment: the generator derives proximity tokens with the same key the app uses. */
export function benchSecrets(seed: number): { tokenSecret: string; encryptionKeys: string } {
  const key = createHash('sha256').update(`epitrace-bench-encryption-${seed}`).digest('base64');
  return { tokenSecret: `epitrace-bench-token-secret-${seed}-not-for-production`, encryptionKeys: `bench1:${key}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Where generated databases live
// ---------------------------------------------------------------------------------------------------------------

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

export function sqliteDataDir(size: string): string {
  return join(BENCH_DIR, 'data', `tracing-${size}`);
}

export function sqliteFile(size: string): string {
  return join(sqliteDataDir(size), 'epitrace.sqlite');
}

export function postgresSchema(size: string): string {
  return `bench_tracing_${size}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The plan: who lives and works where, who is friends with whom, the planted pairs (cheap: no interactions)
// ---------------------------------------------------------------------------------------------------------------

export interface PlantedPair {
  readonly source: string;
  readonly buddy: string;
}

export interface CityPlan {
  readonly spec: CitySpec;
  readonly userIds: readonly string[];
  /** Planar metres east/north of the centre, 2 numbers per user. */
  readonly home: Float64Array;
  readonly desk: Float64Array;
  /** Workplace index per user, −1 for people without one. */
  readonly workplaceOf: Int32Array;
  readonly workplaceMembers: readonly Int32Array[];
  readonly venueIds: readonly string[];
  readonly venue: Float64Array;
  readonly nearVenues: readonly Int32Array[];
  readonly lunchVenues: readonly Int32Array[];
  readonly friends: readonly Int32Array[];
  readonly pairs: ReadonlyArray<{ source: number; buddy: number }>;
  /** Pair index of a source / of a buddy, −1 otherwise. */
  readonly sourcePair: Int32Array;
  readonly buddyPair: Int32Array;
  /** 00:00 UTC of day 0. */
  readonly startMs: number;
  readonly visitDay: number;
  readonly onsetDay: string;
}

/** A UUID (version 4 layout) from 128 bits of a hash: stable ids for stable inputs. */
function uuidFromHash(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return formatUuid(h);
}

function formatUuid(hex32: string): string {
  const variant = ((parseInt(hex32[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-4${hex32.slice(13, 16)}-${variant}${hex32.slice(17, 20)}-${hex32.slice(20, 32)}`;
}

const HEX8 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex32 = (x: number) => HEX8[x >>> 24]! + HEX8[(x >>> 16) & 255]! + HEX8[(x >>> 8) & 255]! + HEX8[x & 255]!;

/** splitmix32's finaliser: a bijection on 32-bit integers that scatters nearby inputs. */
function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Ids that look random (as phones generate them) and are unique by construction: the first 64 bits are bijections
 * of (user, day) and of the id's rank that user-day, the rest comes from the user-day's stream. (Ids drawn from the
 * streams alone collide at 10 M: a stream's state is seeded from 32 bits, so among 140,000 user-days a few share it.)
 */
function newId(rng: Xoshiro128, userDay: number, rank: number, seedBits: number): string {
  return formatUuid(
    hex32(mix32(userDay ^ seedBits)) +
      hex32(mix32(rank ^ 0x9e3779b9)) +
      hex32(rng.nextUint32()) +
      hex32(rng.nextUint32()),
  );
}

/** Points on a uniform grid of buckets, for k-nearest queries without a quadratic scan. */
class PointGrid {
  private readonly cells = new Map<string, number[]>();
  constructor(
    private readonly xy: Float64Array,
    private readonly cellM: number,
  ) {
    for (let i = 0; i < xy.length / 2; i++) {
      const key = this.key(Math.floor(xy[2 * i]! / cellM), Math.floor(xy[2 * i + 1]! / cellM));
      const list = this.cells.get(key);
      if (list) list.push(i);
      else this.cells.set(key, [i]);
    }
  }

  private key(cx: number, cy: number): string {
    return `${cx},${cy}`;
  }

  /** The k points nearest to (x, y), nearest first, skipping `exclude`. */
  nearest(x: number, y: number, k: number, exclude = -1): Int32Array {
    const cx = Math.floor(x / this.cellM);
    const cy = Math.floor(y / this.cellM);
    const found: Array<[number, number]> = [];
    const total = this.xy.length / 2 - (exclude >= 0 ? 1 : 0);
    for (let ring = 0; ; ring++) {
      for (let dx = -ring; dx <= ring; dx++) {
        for (let dy = -ring; dy <= ring; dy++) {
          if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
          for (const i of this.cells.get(this.key(cx + dx, cy + dy)) ?? []) {
            if (i === exclude) continue;
            found.push([Math.hypot(this.xy[2 * i]! - x, this.xy[2 * i + 1]! - y), i]);
          }
        }
      }
      // Everything within ring × cell size of the query is found once the ring is complete.
      const complete = found.filter(([d]) => d <= ring * this.cellM).length >= k;
      if (complete || found.length >= total) break;
    }
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return Int32Array.from(found.slice(0, k).map(([, i]) => i));
  }
}

export function planCity(spec: CitySpec): CityPlan {
  const rng = new Xoshiro128(spec.seed, 0);
  const n = spec.users;
  const side = Math.sqrt(spec.areaKm2) * 1000;
  const uniform = () => (rng.nextFloat() - 0.5) * side;
  const userIds = Array.from({ length: n }, (_, i) => uuidFromHash(`epitrace-bench/${spec.seed}/user/${i}`));

  const home = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) home[i] = uniform();

  const workplaces = Math.max(1, Math.round(n / 15));
  const office = new Float64Array(2 * workplaces);
  for (let i = 0; i < 2 * workplaces; i++) office[i] = uniform();
  const workplaceOf = new Int32Array(n);
  const desk = new Float64Array(2 * n);
  const members: number[][] = Array.from({ length: workplaces }, () => []);
  for (let u = 0; u < n; u++) {
    if (rng.nextFloat() < 0.1) {
      workplaceOf[u] = -1; // no workplace: every day is spent around home
      desk[2 * u] = home[2 * u]!;
      desk[2 * u + 1] = home[2 * u + 1]!;
      continue;
    }
    const w = rng.nextInt(workplaces);
    workplaceOf[u] = w;
    members[w]!.push(u);
    // A desk in a disc of 25 m around the office point.
    const r = 25 * Math.sqrt(rng.nextFloat());
    const a = 2 * Math.PI * rng.nextFloat();
    desk[2 * u] = office[2 * w]! + r * Math.cos(a);
    desk[2 * u + 1] = office[2 * w + 1]! + r * Math.sin(a);
  }

  const venueCount = Math.max(5, Math.round(n / 10));
  const venue = new Float64Array(2 * venueCount);
  for (let i = 0; i < 2 * venueCount; i++) venue[i] = uniform();
  const venueIds = Array.from({ length: venueCount }, (_, i) => `venue-${String(i).padStart(6, '0')}`);
  const venueGrid = new PointGrid(venue, 500);
  const nearVenues = Array.from({ length: n }, (_, u) =>
    venueGrid.nearest(home[2 * u]!, home[2 * u + 1]!, Math.min(8, venueCount)),
  );
  const lunchVenues = Array.from({ length: workplaces }, (_, w) =>
    venueGrid.nearest(office[2 * w]!, office[2 * w + 1]!, Math.min(4, venueCount)),
  );

  const homeGrid = new PointGrid(home, 300);
  const friends = Array.from({ length: n }, (_, u) =>
    homeGrid.nearest(home[2 * u]!, home[2 * u + 1]!, Math.min(6, n - 1), u),
  );

  // Sources spread evenly over the users; each one's buddy is their nearest friend not already planted.
  const sourcePair = new Int32Array(n).fill(-1);
  const buddyPair = new Int32Array(n).fill(-1);
  const pairs: Array<{ source: number; buddy: number }> = [];
  const count = Math.min(spec.pairs, Math.floor(n / 4));
  for (let j = 0; j < count; j++) sourcePair[Math.floor(((j + 0.5) * n) / count)] = j;
  for (let u = 0; u < n; u++) {
    const j = sourcePair[u]!;
    if (j < 0) continue;
    const buddy = [...friends[u]!].find((f) => sourcePair[f] === -1 && buddyPair[f] === -1);
    if (buddy === undefined) throw new Error(`no free friend to plant as buddy of user ${u}`);
    buddyPair[buddy] = j;
    pairs[j] = { source: u, buddy };
  }

  const startMs = Date.parse(`${addDays(spec.anchorDay, -spec.days)}T00:00:00Z`);
  return {
    spec,
    userIds,
    home,
    desk,
    workplaceOf,
    workplaceMembers: members.map((m) => Int32Array.from(m)),
    venueIds,
    venue,
    nearVenues,
    lunchVenues,
    friends,
    pairs,
    sourcePair,
    buddyPair,
    startMs,
    visitDay: spec.days + VISIT_DAY_FROM_ANCHOR,
    onsetDay: addDays(spec.anchorDay, ONSET_DAY_FROM_ANCHOR),
  };
}

export function plantedPairs(plan: CityPlan): PlantedPair[] {
  return plan.pairs.map((p) => ({ source: plan.userIds[p.source]!, buddy: plan.userIds[p.buddy]! }));
}

// ---------------------------------------------------------------------------------------------------------------
// One user-day
// ---------------------------------------------------------------------------------------------------------------

interface Point {
  x: number;
  y: number;
}

/** An observation as the phone of `owner` uploads it; `peer` is the resolved owner of a proximity token, else −1. */
export interface Emitted {
  readonly owner: number;
  readonly observation: Observation;
  readonly peer: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface TokenUse {
  readonly token: string;
  readonly owner: number;
  readonly interval: number;
}

/**
 * Everything the phones record on day `d` because of user `u`: u's own observations and the peers' records of the
 * encounters u started. Tokens observed are appended to `tokens`.
 */
export function userDay(
  plan: CityPlan,
  tokenKey: Buffer,
  u: number,
  d: number,
  emit: (e: Emitted) => void,
  tokens: (t: TokenUse) => void,
): void {
  const rng = new Xoshiro128(plan.spec.seed, 1 + u * 64 + d);
  let idRank = 0;
  const seedBits = mix32(plan.spec.seed);
  const nextId = () => newId(rng, u * 64 + d, idRank++, seedBits);
  const day0 = plan.startMs + d * DAY;
  const at = (hours: number, minutes = 0) => day0 + hours * 3_600_000 + minutes * MIN;
  const works = plan.workplaceOf[u]! >= 0 && d % 7 < 5; // day 0 is a Monday
  const home: Point = { x: plan.home[2 * u]!, y: plan.home[2 * u + 1]! };
  const desk: Point = { x: plan.desk[2 * u]!, y: plan.desk[2 * u + 1]! };
  const visiting = d === plan.visitDay && plan.buddyPair[u]! >= 0 ? plan.pairs[plan.buddyPair[u]!]!.source : -1;
  const hosting = d === plan.visitDay && plan.sourcePair[u]! >= 0;

  const jitter = (p: Point, sigma = GPS_SIGMA_M): Point => ({
    x: p.x + rng.nextGaussian() * sigma,
    y: p.y + rng.nextGaussian() * sigma,
  });
  const location = (p: Point, start: number, end: number, reported?: Point) => {
    const q = reported ?? jitter(p);
    emit({
      owner: u,
      peer: -1,
      observation: {
        id: nextId(),
        kind: 'location',
        lat: CENTRE.lat + q.y / M_PER_DEG_LAT,
        lng: CENTRE.lng + q.x / M_PER_DEG_LNG,
        accuracy_m: 5 + rng.nextInt(11),
        started_at: iso(start),
        ended_at: iso(end),
      },
    });
  };
  const checkin = (v: number, start: number, end: number) =>
    emit({
      owner: u,
      peer: -1,
      observation: {
        id: nextId(),
        kind: 'checkin',
        venue_id: plan.venueIds[v]!,
        started_at: iso(start),
        ended_at: iso(end),
      },
    });

  // How many 5-minute stays today: what is left of the day's budget after the long stays, check-ins and encounters.
  const initiations = 2 + rng.nextInt(3) + (rng.nextFloat() < 1 / 3 ? 1 : 0);
  let checkinsLeft = works ? (rng.nextFloat() < 0.5 ? 1 : 0) + (rng.nextFloat() < 0.6 ? 1 : 0) : 2 + rng.nextInt(2);
  const lunchCheckin = works && checkinsLeft > 0 && rng.nextFloat() < 0.5;
  const fixed = 2 + (works ? 2 : 0) + checkinsLeft + initiations + MEAN_INITIATIONS * PEER_RECORDS_TOO;
  // (+1: errands cut short by the evening leave a little of the budget unused.)
  let stays = Math.max(6, Math.round(plan.spec.interactionsPerUserDay - fixed + 1 + (rng.nextFloat() * 16 - 8)));

  let t = 0;
  let here: Point = home;
  const stay5 = (p: Point) => {
    location(p, t, t + 5 * MIN);
    t += 5 * MIN;
    stays -= 1;
  };
  /** Moving from `here` to `to`: one 5-minute stay per ~1.7 km (20 km/h), at points along the way. */
  const travel = (to: Point) => {
    const dist = Math.hypot(to.x - here.x, to.y - here.y);
    const steps = Math.min(8, Math.max(1, Math.ceil(dist / 1_667)));
    for (let s = 0; s < steps; s++) {
      const f = (s + 0.5) / steps;
      stay5({
        x: here.x + (to.x - here.x) * f + rng.nextGaussian() * 10,
        y: here.y + (to.y - here.y) * f + rng.nextGaussian() * 10,
      });
    }
    here = to;
  };
  /** A few 5-minute stays at one spot (people spread over a few metres), with a check-in at a venue. */
  const spotVisit = (spot: Point, count: number, venue: number) => {
    const start = t;
    const where = jitter(spot, 4);
    for (let s = 0; s < count; s++) stay5(where);
    if (venue >= 0) checkin(venue, start, t);
    here = spot;
  };
  const venuePoint = (v: number): Point => ({ x: plan.venue[2 * v]!, y: plan.venue[2 * v + 1]! });
  /** Errands near home until the stay budget or `latest` runs out; then back home. */
  const errands = (latest: number) => {
    while (stays > 3 && t < latest - 15 * MIN) {
      const atVenue = checkinsLeft > 0 && (rng.nextFloat() < 0.6 || stays < 12);
      let spot: Point;
      let v = -1;
      if (atVenue || rng.nextFloat() < 0.4) {
        const near = plan.nearVenues[u]!;
        v = near[rng.nextInt(near.length)]!;
        spot = venuePoint(v);
      } else {
        const r = 1_500 * Math.sqrt(rng.nextFloat());
        const a = 2 * Math.PI * rng.nextFloat();
        spot = { x: home.x + r * Math.cos(a), y: home.y + r * Math.sin(a) };
      }
      travel(spot);
      const fit = Math.floor((latest - t) / (5 * MIN));
      const count = Math.min(stays - 1, fit, 2 + rng.nextInt(7));
      if (count < 2) break;
      const withCheckin = atVenue && v >= 0;
      spotVisit(spot, count, withCheckin ? v : -1);
      if (withCheckin) checkinsLeft -= 1;
    }
    travel(home);
  };

  let encounterFrom: number;
  let encounterTo: number;
  let peers: Int32Array;
  if (works) {
    t = at(7, rng.nextInt(121));
    location(home, day0, t);
    travel(desk);
    encounterFrom = t;
    const lunch = Math.max(at(12, rng.nextInt(61)), t + 30 * MIN);
    location(desk, t, lunch);
    t = lunch;
    const lunchStays = 9 + rng.nextInt(7);
    if (lunchCheckin) {
      const near = plan.lunchVenues[plan.workplaceOf[u]!]!;
      const v = near[rng.nextInt(near.length)]!;
      travel(venuePoint(v));
      spotVisit(venuePoint(v), lunchStays, v);
      checkinsLeft -= 1;
    } else {
      const r = 200 * Math.sqrt(rng.nextFloat());
      const a = 2 * Math.PI * rng.nextFloat();
      travel({ x: desk.x + r * Math.cos(a), y: desk.y + r * Math.sin(a) });
      spotVisit(here, lunchStays, -1);
    }
    travel(desk);
    const workEnd = Math.max(at(17, rng.nextInt(91)), t + 60 * MIN);
    location(desk, t, workEnd);
    t = workEnd;
    encounterTo = workEnd;
    peers = plan.workplaceMembers[plan.workplaceOf[u]!]!;
    here = desk;
    errands(hosting ? at(19, 15) : visiting >= 0 ? at(19, 30) : at(23, 30));
  } else {
    t = at(9, 30 + rng.nextInt(151));
    location(home, day0, t);
    encounterFrom = t;
    errands(hosting ? at(19, 15) : visiting >= 0 ? at(19, 30) : at(23, 0));
    encounterTo = t;
    peers = plan.friends[u]!;
  }
  if (visiting >= 0) {
    // The planted visit: wait nearby, then 20:00–21:00 at the source's home, then home.
    const host: Point = { x: plan.home[2 * visiting]!, y: plan.home[2 * visiting + 1]! };
    travel({ x: host.x + 200, y: host.y });
    if (t < at(20)) location(here, t, at(20));
    t = at(20);
    // Sitting 3 m from where the source's phone reports its evening at home.
    const hostReported = eveningHomePoint(plan, visiting, d);
    const angle = 2 * Math.PI * rng.nextFloat();
    location(host, t, at(21), { x: hostReported.x + 3 * Math.cos(angle), y: hostReported.y + 3 * Math.sin(angle) });
    t = at(21);
    here = host;
    travel(home);
  }
  location(home, t, day0 + DAY, eveningHomePoint(plan, u, d));

  // Bluetooth encounters this user starts, recorded on both phones (the peer's 80% of the time).
  const windowMin = Math.max(30, Math.floor((encounterTo - encounterFrom) / MIN));
  for (let i = 0; i < initiations; i++) {
    const candidates = peers.length > 1 ? peers : plan.friends[u]!;
    const peer = candidates[rng.nextInt(candidates.length)]!;
    if (peer === u) continue;
    const minutes = 5 + rng.nextInt(26);
    const start = encounterFrom + rng.nextInt(Math.max(1, windowMin - minutes)) * MIN;
    const attenuation = 45 + rng.nextInt(36);
    const seen = tokenOf(plan, tokenKey, peer, start, tokens);
    emit({
      owner: u,
      peer,
      observation: {
        id: nextId(),
        kind: 'proximity',
        peer_token: seen,
        attenuation_db: attenuation,
        started_at: iso(start),
        ended_at: iso(start + minutes * MIN),
      },
    });
    if (rng.nextFloat() < PEER_RECORDS_TOO) {
      const peerStart = start + (rng.nextInt(3) - 1) * MIN;
      emit({
        owner: peer,
        peer: u,
        observation: {
          id: nextId(),
          kind: 'proximity',
          peer_token: tokenOf(plan, tokenKey, u, peerStart, tokens),
          attenuation_db: attenuation + rng.nextInt(7) - 3,
          started_at: iso(peerStart),
          ended_at: iso(peerStart + minutes * MIN),
        },
      });
    }
  }
}

/** Where a phone reports its evening at home on day `d` (own stream, so a visitor can sit next to it). */
function eveningHomePoint(plan: CityPlan, u: number, d: number): Point {
  const rng = new Xoshiro128(plan.spec.seed, 0x8000_0000 + u * 64 + d);
  return {
    x: plan.home[2 * u]! + rng.nextGaussian() * GPS_SIGMA_M,
    y: plan.home[2 * u + 1]! + rng.nextGaussian() * GPS_SIGMA_M,
  };
}

/** The rotating token `owner`'s phone broadcast at `at`: the production derivation, recorded for storage. */
function tokenOf(plan: CityPlan, key: Buffer, owner: number, at: number, tokens: (t: TokenUse) => void): string {
  const interval = intervalOf(at);
  const token = deriveToken(key, plan.userIds[owner]!, interval);
  tokens({ token, owner, interval });
  return token;
}

// ---------------------------------------------------------------------------------------------------------------
// Rows, as ingest stores them
// ---------------------------------------------------------------------------------------------------------------

export interface RowBatch {
  interactions: NewRow<'interactions'>[];
  presence: NewRow<'presence_index'>[];
  tokens: NewRow<'proximity_tokens'>[];
}

const emptyBatch = (): RowBatch => ({ interactions: [], presence: [], tokens: [] });

/**
 * Walks the city user by user, day by day, and hands batches of rows (about `batchSize` interactions each) to
 * `write`, awaiting it. Rows are built by the production builders: toRow (H3 cell at resolution 10, time bucket),
 * presenceRowsOf (one presence_index row per place and 60-minute bucket), peer_user_id as resolvePeers sets it.
 */
export async function generateRows(
  plan: CityPlan,
  write: (batch: RowBatch) => Promise<void>,
  options: { batchSize?: number; onProgress?: (interactions: number) => void } = {},
): Promise<{ interactions: number; presence: number; tokens: number }> {
  const batchSize = options.batchSize ?? 50_000;
  const key = deriveTokenKey(benchSecrets(plan.spec.seed).tokenSecret);
  const anchorMs = plan.startMs + plan.spec.days * DAY;
  const seenTokens = new Set<string>();
  let batch = emptyBatch();
  const totals = { interactions: 0, presence: 0, tokens: 0 };
  const receipt = (end: number, id: string) => Math.min(anchorMs, end + (5 + (id.charCodeAt(0) % 55)) * MIN);

  const onEmit = ({ owner, observation, peer }: Emitted) => {
    const userId = plan.userIds[owner]!;
    const end = Date.parse(observation.ended_at);
    const row = toRow(observation, userId, INGEST_RULES, receipt(end, observation.id));
    if (peer >= 0) row.peer_user_id = plan.userIds[peer]!;
    batch.interactions.push(row);
    for (const p of presenceRowsOf(row, INGEST_RULES.timeBucketMinutes)) batch.presence.push(p);
  };
  const onToken = ({ token, owner, interval }: TokenUse) => {
    if (seenTokens.has(token)) return;
    seenTokens.add(token);
    const validFrom = intervalStart(interval);
    batch.tokens.push({
      token,
      user_id: plan.userIds[owner]!,
      valid_from: validFrom,
      valid_to: validFrom + PROXIMITY_TOKEN_INTERVAL_MS,
    });
  };
  const flush = async () => {
    totals.interactions += batch.interactions.length;
    totals.presence += batch.presence.length;
    totals.tokens += batch.tokens.length;
    const full = batch;
    batch = emptyBatch();
    await write(full);
    options.onProgress?.(totals.interactions);
  };

  for (let u = 0; u < plan.spec.users; u++) {
    for (let d = 0; d < plan.spec.days; d++) userDay(plan, key, u, d, onEmit, onToken);
    if (batch.interactions.length >= batchSize) await flush();
  }
  await flush();
  return totals;
}

// ---------------------------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------------------------

const INTERACTION_COLUMNS = [
  'id',
  'user_id',
  'kind',
  'location',
  'lat',
  'lng',
  'accuracy_m',
  'venue_id',
  'peer_token',
  'attenuation_db',
  'timestamp',
  'ended_at',
  'time_bucket',
  'received_at',
  'peer_user_id',
  'origin',
] as const;
const PRESENCE_COLUMNS = [
  'place',
  'bucket',
  'interaction_id',
  'user_id',
  'started_at',
  'ended_at',
  'lat',
  'lng',
] as const;
const TOKEN_COLUMNS = ['token', 'user_id', 'valid_from', 'valid_to'] as const;
const META_TABLE = 'bench_meta';

function interactionValues(r: NewRow<'interactions'>): unknown[] {
  return [
    r.id,
    r.user_id,
    r.kind,
    r.location ?? null,
    r.lat ?? null,
    r.lng ?? null,
    r.accuracy_m ?? null,
    r.venue_id ?? null,
    r.peer_token ?? null,
    r.attenuation_db ?? null,
    r.timestamp,
    r.ended_at,
    r.time_bucket,
    r.received_at,
    r.peer_user_id ?? null,
    r.origin ?? 'app',
  ];
}

export interface GenerationResult {
  readonly spec: CitySpec;
  readonly reused: boolean;
  readonly interactions: number;
  readonly presence_rows: number;
  readonly proximity_tokens: number;
  readonly users: number;
  readonly seconds: number;
  readonly interactions_per_second: number;
  readonly database_bytes: number;
}

interface StoredMeta {
  readonly spec: CitySpec;
  readonly result: GenerationResult;
  readonly complete: boolean;
  /**
   * The app's migrations the schema was created with. Later migrations are applied when the app opens the database,
   * as in a deployment; a database made by migrations that are not a prefix of today's is regenerated.
   */
  readonly migrations?: readonly string[];
}

/** Names of the app's migrations, in order (what a freshly created schema has). */
export async function currentMigrations(): Promise<string[]> {
  return Object.keys(await migrationProvider.getMigrations());
}

/** The recorded spec of a generated SQLite database, or undefined when absent or incomplete. */
export function readSqliteMeta(size: string): StoredMeta | undefined {
  const file = sqliteFile(size);
  if (!existsSync(file)) return undefined;
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare(`select name from sqlite_master where type = 'table' and name = ?`).get(META_TABLE);
    if (table === undefined) return undefined;
    const row = db.prepare(`select value from ${META_TABLE} where key = 'meta'`).get() as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as StoredMeta);
  } finally {
    db.close();
  }
}

export async function readPostgresMeta(databaseUrl: string, size: string): Promise<StoredMeta | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const schema = postgresSchema(size);
    const exists = await client.query(
      `select 1 from information_schema.tables where table_schema = $1 and table_name = $2`,
      [schema, META_TABLE],
    );
    if (exists.rowCount === 0) return undefined;
    const row = await client.query<{ value: string }>(`select value from "${schema}".${META_TABLE} where key = 'meta'`);
    return row.rows[0] === undefined ? undefined : (JSON.parse(row.rows[0].value) as StoredMeta);
  } finally {
    await client.end();
  }
}

/** Whether a stored city can be reused for `wanted` today: same spec, complete, anchor recent enough. */
export function reusable(
  stored: StoredMeta | undefined,
  wanted: CitySpec,
  migrations: readonly string[],
  today = todayUtc(),
): stored is StoredMeta {
  if (stored === undefined || !stored.complete || !sameCity(stored.spec, wanted)) return false;
  const made = stored.migrations ?? [];
  if (made.length === 0 || made.length > migrations.length || made.some((name, i) => migrations[i] !== name))
    return false;
  const age = (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${stored.spec.anchorDay}T00:00:00Z`)) / DAY;
  return age >= 0 && age <= MAX_ANCHOR_AGE_DAYS;
}

function usersRows(plan: CityPlan): NewRow<'users'>[] {
  const created = plan.startMs - DAY;
  return plan.userIds.map((id) => ({ id, name: null, contact_info: null, created_at: created }));
}

async function generateSqlite(
  plan: CityPlan,
): Promise<Omit<GenerationResult, 'seconds' | 'interactions_per_second' | 'reused' | 'spec'>> {
  const dir = sqliteDataDir(plan.spec.size);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = sqliteFileIn(dir);
  // The schema exactly as the app creates it.
  const handle = openDatabase({ dialect: 'sqlite', sqliteFile: file });
  await migrateToLatest(handle);
  await handle.close();

  const db = new SQLite(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -4000000'); // 4 GB: the indexes being built stay in memory
  db.pragma('temp_store = MEMORY');
  db.pragma('locking_mode = EXCLUSIVE');
  db.exec(`create table ${META_TABLE} (key text primary key, value text not null)`);
  const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  const insertUser = db.prepare(`insert into users (id, name, contact_info, created_at) values (?, ?, ?, ?)`);
  const insertInteraction = db.prepare(
    `insert into interactions (${INTERACTION_COLUMNS.join(', ')}) values (${placeholders(INTERACTION_COLUMNS.length)})`,
  );
  const insertPresence = db.prepare(
    `insert into presence_index (${PRESENCE_COLUMNS.join(', ')}) values (${placeholders(PRESENCE_COLUMNS.length)})`,
  );
  const insertToken = db.prepare(
    `insert into proximity_tokens (${TOKEN_COLUMNS.join(', ')}) values (${placeholders(TOKEN_COLUMNS.length)}) on conflict (token) do nothing`,
  );
  const writeMeta = db.prepare(
    `insert into ${META_TABLE} (key, value) values ('meta', ?) on conflict (key) do update set value = excluded.value`,
  );

  const users = usersRows(plan);
  db.transaction(() => {
    for (const u of users) insertUser.run(u.id, u.name, u.contact_info, u.created_at);
    writeMeta.run(JSON.stringify({ spec: plan.spec, complete: false }));
  })();
  // Secondary indexes are rebuilt after the load (a sort) instead of being updated row by row in random order;
  // their definitions are taken from the schema the migrations made, so the result is the same schema.
  const secondary = db
    .prepare(
      `select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in ('interactions', 'presence_index', 'proximity_tokens')`,
    )
    .all() as Array<{ name: string; sql: string }>;
  for (const index of secondary) db.exec(`drop index "${index.name}"`);
  const writeBatch = db.transaction((batch: RowBatch) => {
    for (const r of batch.interactions) insertInteraction.run(...interactionValues(r));
    for (const p of batch.presence)
      insertPresence.run(
        p.place,
        p.bucket,
        p.interaction_id,
        p.user_id,
        p.started_at,
        p.ended_at,
        p.lat ?? null,
        p.lng ?? null,
      );
    for (const k of batch.tokens) insertToken.run(k.token, k.user_id, k.valid_from, k.valid_to);
  });
  const bar = progress(`generate ${plan.spec.size} sqlite`, expectedInteractions(plan.spec), 'interactions');
  const totals = await generateRows(plan, async (batch) => writeBatch(batch), { onProgress: (n) => bar.update(n) });
  bar.finish(
    `${totals.interactions.toLocaleString('en-US')} interactions, ${totals.presence.toLocaleString('en-US')} presence rows, ${totals.tokens.toLocaleString('en-US')} tokens`,
  );
  process.stderr.write(`[generate ${plan.spec.size} sqlite] rebuilding ${secondary.length} indexes…\n`);
  for (const index of secondary) db.exec(index.sql);
  db.pragma('locking_mode = NORMAL');
  db.pragma('journal_mode = WAL'); // as the app runs it (openDatabase)
  const result = {
    interactions: totals.interactions,
    presence_rows: totals.presence,
    proximity_tokens: totals.tokens,
    users: users.length,
    database_bytes: 0,
  };
  db.close();
  return { ...result, database_bytes: statSync(file).size };
}

async function generatePostgres(
  plan: CityPlan,
  databaseUrl: string,
): Promise<Omit<GenerationResult, 'seconds' | 'interactions_per_second' | 'reused' | 'spec'>> {
  const schema = postgresSchema(plan.spec.size);
  await dropPostgresSchema(databaseUrl, schema);
  await createPostgresSchema(databaseUrl, schema);
  const handle = openDatabase({ dialect: 'postgres', databaseUrl, schema, poolSize: 2 });
  await migrateToLatest(handle);
  // A deployment that has run for two weeks has one partition per day (the app creates them ahead, daily); a fresh
  // schema only has today's and the coming days', and older rows would all land in the DEFAULT partition.
  await ensureDailyPartitions(handle.db, plan.startMs - DAY, plan.startMs + (plan.spec.days + 7) * DAY);
  await handle.close();

  const connect = async () => {
    const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path="${schema}"` });
    await client.connect();
    await client.query('set synchronous_commit = off');
    return client;
  };
  const clients = [await connect(), await connect()];
  const [main] = clients as [pg.Client, pg.Client];
  await main.query(`create table ${META_TABLE} (key text primary key, value text not null)`);
  const users = usersRows(plan);
  await main.query(
    `insert into users (id, name, contact_info, created_at) select * from unnest($1::text[], $2::text[], $3::text[], $4::int8[])`,
    [users.map((u) => u.id), users.map(() => null), users.map(() => null), users.map((u) => u.created_at)],
  );
  await main.query(`insert into ${META_TABLE} (key, value) values ('meta', $1)`, [
    JSON.stringify({ spec: plan.spec, complete: false }),
  ]);

  // Secondary indexes (not those behind primary keys or unique constraints) are rebuilt after the load.
  const secondary = await main.query<{ name: string; definition: string }>(
    `select i.indexname as name, i.indexdef as definition from pg_indexes i
      where i.schemaname = $1 and i.tablename in ('interactions', 'presence_index', 'proximity_tokens')
        and not exists (select 1 from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = $1 and c.conname = i.indexname)`,
    [schema],
  );
  for (const index of secondary.rows) await main.query(`drop index "${schema}"."${index.name}"`);

  const interactionSql = `insert into interactions (${INTERACTION_COLUMNS.join(', ')}) select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::text[], $9::text[], $10::float8[], $11::int8[], $12::int8[], $13::int4[], $14::int8[], $15::text[], $16::text[])`;
  const presenceSql = `insert into presence_index (${PRESENCE_COLUMNS.join(', ')}) select * from unnest($1::text[], $2::int4[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::float8[], $8::float8[])`;
  const tokenSql = `insert into proximity_tokens (${TOKEN_COLUMNS.join(', ')}) select * from unnest($1::text[], $2::text[], $3::int8[], $4::int8[]) on conflict (token) do nothing`;
  const columns = <T>(rows: readonly T[], pick: (row: T) => unknown[]): unknown[][] => {
    const width = rows.length === 0 ? 0 : pick(rows[0]!).length;
    const out: unknown[][] = Array.from({ length: width }, () => new Array(rows.length));
    rows.forEach((row, i) => {
      pick(row).forEach((v, c) => {
        out[c]![i] = v;
      });
    });
    return out;
  };
  const CHUNK = 10_000;
  const writeBatch = async (client: pg.Client, batch: RowBatch) => {
    await client.query('begin');
    for (let i = 0; i < batch.interactions.length; i += CHUNK)
      await client.query(interactionSql, columns(batch.interactions.slice(i, i + CHUNK), interactionValues));
    for (let i = 0; i < batch.presence.length; i += CHUNK) {
      await client.query(
        presenceSql,
        columns(batch.presence.slice(i, i + CHUNK), (p) => [
          p.place,
          p.bucket,
          p.interaction_id,
          p.user_id,
          p.started_at,
          p.ended_at,
          p.lat ?? null,
          p.lng ?? null,
        ]),
      );
    }
    for (let i = 0; i < batch.tokens.length; i += CHUNK)
      await client.query(
        tokenSql,
        columns(batch.tokens.slice(i, i + CHUNK), (k) => [k.token, k.user_id, k.valid_from, k.valid_to]),
      );
    await client.query('commit');
  };

  // Two batches in flight, one per connection: the next batch is generated while PostgreSQL stores the previous.
  const inFlight: Array<Promise<void> | undefined> = [undefined, undefined];
  let turn = 0;
  const bar = progress(`generate ${plan.spec.size} postgres`, expectedInteractions(plan.spec), 'interactions');
  const totals = await generateRows(
    plan,
    async (batch) => {
      const slot = turn++ % 2;
      await inFlight[slot];
      inFlight[slot] = writeBatch(clients[slot]!, batch);
      inFlight[slot]!.catch(() => undefined); // surfaced when awaited
    },
    { batchSize: 20_000, onProgress: (n) => bar.update(n) },
  );
  await Promise.all(inFlight);
  bar.finish(
    `${totals.interactions.toLocaleString('en-US')} interactions, ${totals.presence.toLocaleString('en-US')} presence rows, ${totals.tokens.toLocaleString('en-US')} tokens`,
  );
  process.stderr.write(`[generate ${plan.spec.size} postgres] rebuilding ${secondary.rows.length} indexes…\n`);
  await main.query(`set maintenance_work_mem = '1GB'`);
  // A partitioned table's index is listed "ON ONLY" the parent; recreating it on the parent builds every partition's.
  for (const index of secondary.rows) await main.query(index.definition.replace(' ON ONLY ', ' ON '));
  process.stderr.write(`[generate ${plan.spec.size} postgres] vacuum analyze…\n`);
  await main.query('vacuum analyze');
  const size = await main.query<{ bytes: string }>(
    `select sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass))::text as bytes from pg_tables where schemaname = $1`,
    [schema],
  );
  await Promise.all(clients.map((c) => c.end()));
  return {
    interactions: totals.interactions,
    presence_rows: totals.presence,
    proximity_tokens: totals.tokens,
    users: users.length,
    database_bytes: Number(size.rows[0]?.bytes ?? 0),
  };
}

async function writeMeta(
  engine: DialectName,
  size: string,
  databaseUrl: string | undefined,
  meta: StoredMeta,
): Promise<void> {
  if (engine === 'sqlite') {
    const db = new SQLite(sqliteFile(size));
    db.prepare(`update ${META_TABLE} set value = ? where key = 'meta'`).run(JSON.stringify(meta));
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`update "${postgresSchema(size)}".${META_TABLE} set value = $1 where key = 'meta'`, [
    JSON.stringify(meta),
  ]);
  await client.end();
}

export function expectedInteractions(spec: CitySpec): number {
  return Math.round(spec.users * spec.days * spec.interactionsPerUserDay);
}

export interface EnsureOptions {
  readonly engine: DialectName;
  readonly size: string;
  readonly seed?: number;
  readonly databaseUrl?: string;
  /** Regenerate even when a reusable database exists. */
  readonly force?: boolean;
}

/** Generates the city into the engine's bench database unless an identical, recent one is there already. */
export async function ensureCity(options: EnsureOptions): Promise<GenerationResult> {
  const wanted = citySpec(options.size, options.seed ?? DEFAULT_SEED);
  if (options.engine === 'postgres' && !options.databaseUrl) throw new Error('PostgreSQL needs DATABASE_URL');
  const stored =
    options.engine === 'sqlite'
      ? readSqliteMeta(options.size)
      : await readPostgresMeta(options.databaseUrl!, options.size);
  const migrations = await currentMigrations();
  if (!options.force && reusable(stored, wanted, migrations)) {
    process.stderr.write(
      `[generate ${options.size} ${options.engine}] reusing the city generated on ${stored.spec.anchorDay} (seed ${stored.spec.seed})\n`,
    );
    return { ...stored.result, reused: true };
  }
  const plan = planCity(wanted);
  const started = performance.now();
  const written =
    options.engine === 'sqlite' ? await generateSqlite(plan) : await generatePostgres(plan, options.databaseUrl!);
  const seconds = (performance.now() - started) / 1000;
  const result: GenerationResult = {
    spec: wanted,
    reused: false,
    ...written,
    seconds: Math.round(seconds * 10) / 10,
    interactions_per_second: Math.round(written.interactions / seconds),
  };
  await writeMeta(options.engine, options.size, options.databaseUrl, {
    spec: wanted,
    result,
    complete: true,
    migrations,
  });
  return result;
}

/** Counts what the generator would write, without a database. */
export async function dryRun(
  size: string,
  seed = DEFAULT_SEED,
): Promise<{ interactions: number; presence: number; tokens: number; byKind: Record<string, number> }> {
  const plan = planCity(citySpec(size, seed));
  const byKind: Record<string, number> = {};
  const bar = progress(`dry run ${size}`, expectedInteractions(plan.spec), 'interactions');
  const totals = await generateRows(
    plan,
    async (batch) => {
      for (const r of batch.interactions) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    },
    { onProgress: (n) => bar.update(n) },
  );
  bar.finish();
  return { ...totals, byKind };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      engine: { type: 'string', default: 'sqlite' },
      size: { type: 'string', default: '1m' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      force: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  if (values['dry-run']) {
    console.log(JSON.stringify(await dryRun(values.size!, seed), null, 2));
    return;
  }
  const engine = values.engine as DialectName;
  if (engine !== 'sqlite' && engine !== 'postgres') throw new Error('--engine is sqlite or postgres');
  const result = await ensureCity({
    engine,
    size: values.size!,
    seed,
    databaseUrl: process.env.DATABASE_URL,
    force: values.force!,
  });
  console.log(JSON.stringify(result, null, values.json ? 0 : 2));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
