import { EpitraceClient, type CaseContacts } from '../../web/sdk/index.js';
import { createRng, type Seed } from '../modules/zones/prng.js';
import { Epidemic } from './epidemic.js';
import type { TracedSource } from './ground-truth.js';
import { readZones, reportOfRun, tracingOutcome } from './outcome.js';
import { RequestLog, TaskPool } from './pacing.js';
import { call, receive, uploadReady, type Phone } from './phones.js';
import type { SimulationReport } from './report.js';
import type { Run, Staff } from './run-state.js';
import type { Scenario } from './scenario.js';
import { simulateDay } from './simulated-day.js';
import { StaffSession } from './staff-session.js';
import { MS_PER_DAY } from '../platform/time/calendar.js';
import { planTimeline, type Timeline } from './timeline.js';

export interface StaffCredentials {
  readonly username: string;
  readonly password: string;
}

export interface SimulationOptions {
  readonly baseUrl: string;
  readonly scenario: Scenario;
  /** Calendar days replayed, ending today (default 14). */
  readonly days: number;
  /** How much faster than real time simulated time runs until it catches up with the clock (> 1). */
  readonly speedUp: number;
  readonly seed: Seed;
  /** A health professional's account: confirms cases and reads their contacts. */
  readonly professional: StaffCredentials;
  /** An authority's account (optional): imports the line list of people without the app, reads zones and alerts. */
  readonly authority?: StaffCredentials;
  /** Requests in flight at once (default 16). */
  readonly concurrency?: number;
  /** Phones that hold a notification stream open (default: all app users, at most 2,000). */
  readonly streams?: number;
  readonly onProgress?: (progress: SimulationProgress) => void;
}

export interface SimulationProgress {
  readonly phase: string;
  readonly day: number;
  readonly days: number;
  /** Epoch ms of the simulated moment reached. */
  readonly simulatedAt: number;
  readonly requests: number;
  readonly errors: number;
  readonly infected: number;
  readonly reports: number;
  readonly notifications: number;
  /** How far the run is behind its schedule, ms. */
  readonly lagMs: number;
}

/** Everything a run knows at the end: the report, and the ground truth behind it (for tests). */
export interface SimulationResult {
  readonly report: SimulationReport;
  readonly epidemic: Epidemic;
  readonly timeline: Timeline;
  readonly phones: ReadonlyMap<number, Phone>;
  /**
   * Traced sources scored: confirmed app cases, with whom they infected and whom the server notified as their
   * contacts.
   */
  readonly sources: readonly TracedSource[];
  readonly caseContacts: ReadonlyMap<number, CaseContacts>;
}

/**
 * Drives a running server through the client SDK, as the city's phones, its health professional and its authority
 * would. The steps of a day are in simulated-day.ts; reading back and scoring what the server did, in outcome.ts.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const run = startRun(options);
  const ticker = setInterval(() => reportProgress(run, options), 500);
  try {
    const staff = await signInStaff(run, options);
    await registerPhones(run);
    const venueCodes = await registerVenues(run);
    await openStreams(run, options.streams ?? 2000);

    run.epidemic.seed(options.scenario.seeds);
    for (let day = 0; day < run.totalDays; day++) await simulateDay(run, staff, venueCodes, day);
    await uploadEverything(run);

    const outcome = await tracingOutcome(run, staff.professional);
    const zones = await readZones(run, staff.authority);
    const { report, lived } = reportOfRun(run, outcome, zones);
    const { sources, caseContacts } = outcome;
    return { report, epidemic: run.epidemic, timeline: lived, phones: run.phones, sources, caseContacts };
  } finally {
    clearInterval(ticker);
    run.phase = 'closing streams';
    await Promise.allSettled([...run.phones.values()].map((p) => p.stream?.close()));
    reportProgress(run, options);
  }
}

function startRun(options: SimulationOptions): Run {
  const wallStart = Date.now();
  const { scenario } = options;
  const city = scenario.city;
  const timeline = planTimeline(wallStart, options.days, options.speedUp);
  return {
    seed: options.seed,
    scenario,
    city,
    wallStart,
    timeline,
    totalDays: Math.ceil(timeline.end / MS_PER_DAY),
    log: new RequestLog(),
    pool: new TaskPool(options.concurrency ?? 16),
    anonymous: new EpitraceClient({ baseUrl: options.baseUrl }),
    epidemic: new Epidemic(city, {
      seed: options.seed,
      decide: scenario.decide,
      course: scenario.course,
      gatherings: scenario.gatherings,
      ...(scenario.disease ? { disease: scenario.disease } : {}),
    }),
    rng: createRng(options.seed, 4),
    phones: new Map(),
    byUser: new Map(),
    counters: {
      observations: { location: 0, checkin: 0, proximity: 0 },
      selfReports: 0,
      confirmations: 0,
      lineList: 0,
      tokenFetches: 0,
    },
    firstReportWall: new Map(),
    caseIds: new Map(),
    phase: 'starting',
    currentDay: 0,
    simulatedAt: timeline.origin,
    lagMs: 0,
    runEnd: timeline.end,
  };
}

function reportProgress(run: Run, options: SimulationOptions): void {
  options.onProgress?.({
    phase: run.phase,
    day: Math.min(run.currentDay + 1, run.totalDays),
    days: run.totalDays,
    simulatedAt: run.simulatedAt,
    ...run.log.totals,
    infected: run.epidemic.courses.size,
    reports: run.counters.selfReports + run.counters.confirmations,
    notifications: [...run.phones.values()].reduce((n, p) => n + p.received.size, 0),
    lagMs: run.lagMs,
  });
}

async function signInStaff(run: Run, options: SimulationOptions): Promise<Staff> {
  const { anonymous, log } = run;
  const professional = new StaffSession(anonymous, options.professional, log);
  await professional.get();
  const authority = options.authority ? new StaffSession(anonymous, options.authority, log) : undefined;
  await authority?.get();
  return { professional, authority };
}

async function registerPhones(run: Run): Promise<void> {
  const { anonymous, log, pool, rng } = run;
  run.phase = 'registering phones';
  for (const agent of run.city.agents) {
    if (!agent.hasApp) continue;
    await pool.run(async () => {
      const user = await call(log, 'POST /users', () => anonymous.registerUser({ name: `Resident ${agent.id}` }));
      const phone: Phone = {
        agent: agent.id,
        userId: user.id,
        client: anonymous.withToken(user.token),
        uploadHour: rng.nextFloat() * 24,
        queue: [],
        tokens: null,
        stream: null,
        received: new Map(),
      };
      run.phones.set(agent.id, phone);
      run.byUser.set(user.id, agent.id);
    });
  }
  await pool.drain();
}

/** Venue owners register their venues: the code is what people check in with. Returns the codes by place. */
async function registerVenues(run: Run): Promise<Map<number, string>> {
  const { log, pool } = run;
  run.phase = 'registering venues';
  const venueCodes = new Map<number, string>();
  const owners = [...run.phones.values()];
  if (owners.length > 0) {
    for (const place of run.city.places) {
      if (place.kind !== 'venue') continue;
      const owner = owners[place.id % owners.length]!;
      await pool.run(async () => {
        const venue = await call(log, 'POST /venues', () => owner.client.registerVenue({ name: `Venue ${place.id}` }));
        venueCodes.set(place.id, venue.id);
      });
    }
    await pool.drain();
  }
  return venueCodes;
}

/** Phones (the first `streams` of them) hold their notification streams open. */
async function openStreams(run: Run, streams: number): Promise<void> {
  run.phase = 'opening streams';
  const phones = [...run.phones.values()];
  for (const phone of phones.slice(0, Math.min(streams, phones.length))) {
    phone.stream = phone.client.streamNotifications({
      onEvent: (event) => receive(phone, event.data, Date.now()),
      backoff: { initialMs: 1000, maxMs: 15_000 },
    });
  }
  await Promise.allSettled(phones.map((p) => p.stream?.opened()));
}

/** The last uploads: everything recorded until now. */
async function uploadEverything(run: Run): Promise<void> {
  run.phase = 'final uploads';
  for (const phone of run.phones.values()) {
    await run.pool.run(async () => void (await uploadReady(phone, run.runEnd, run.log)));
  }
  await run.pool.drain();
}
