import { EpitraceClient, type CaseContacts } from '../../web/sdk/index.js';
import { createRng, type Seed } from '../modules/zones/prng.js';
import { contactsOf } from './contacts.js';
import { isIsolating } from './disease.js';
import { Epidemic } from './epidemic.js';
import { distributionOf, scoreTracing, type NotifiedTier, type TracedSource } from './ground-truth.js';
import { observationsOfStay, proximityObservations } from './observations.js';
import { RequestLog, sleep, sleepUntil, TaskPool } from './pacing.js';
import { call, listAllNotifications, receive, uploadReady, type Phone } from './phones.js';
import { buildReport, type SimulationReport } from './report.js';
import type { Scenario } from './scenario.js';
import type { Stay } from './schedule.js';
import { StaffSession } from './staff-session.js';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '../platform/time/calendar.js';
import { dateOf, planTimeline, releaseAt, stampOf, weekdayOf, type Timeline } from './timeline.js';

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
  /** Traced sources scored: confirmed app cases, with whom they infected and whom the server notified as their contacts. */
  readonly sources: readonly TracedSource[];
  readonly caseContacts: ReadonlyMap<number, CaseContacts>;
}

const SYMPTOMS = ['fever', 'cough', 'loss of smell', 'sore throat', 'fatigue'];

/** Drives a running server through the client SDK, as the city's phones, its health professional and its authority would. */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const wallStart = Date.now();
  const { scenario } = options;
  const city = scenario.city;
  const timeline = planTimeline(wallStart, options.days, options.speedUp);
  const log = new RequestLog();
  const pool = new TaskPool(options.concurrency ?? 16);
  const anonymous = new EpitraceClient({ baseUrl: options.baseUrl });
  const epidemic = new Epidemic(city, { seed: options.seed, decide: scenario.decide, course: scenario.course });
  const rng = createRng(options.seed, 4);
  const phones = new Map<number, Phone>();
  const byUser = new Map<string, number>();
  const counters = { observations: { location: 0, checkin: 0, proximity: 0 }, selfReports: 0, confirmations: 0, lineList: 0, tokenFetches: 0 };
  const firstReportWall = new Map<number, number>();
  const caseIds = new Map<number, string>();
  let phase = 'starting';
  let currentDay = 0;
  let simulatedAt = timeline.origin;
  let lagMs = 0;
  const totalDays = Math.ceil(timeline.end / MS_PER_DAY);
  let runEnd = timeline.end;
  const progress = () =>
    options.onProgress?.({
      phase,
      day: Math.min(currentDay + 1, totalDays),
      days: totalDays,
      simulatedAt,
      ...log.totals,
      infected: epidemic.courses.size,
      reports: counters.selfReports + counters.confirmations,
      notifications: [...phones.values()].reduce((n, p) => n + p.received.size, 0),
      lagMs,
    });
  const ticker = setInterval(progress, 500);

  try {
    // Staff sign in.
    const professional = new StaffSession(anonymous, options.professional, log);
    await professional.get();
    const authority = options.authority ? new StaffSession(anonymous, options.authority, log) : undefined;
    await authority?.get();

    // Phones register.
    phase = 'registering phones';
    for (const agent of city.agents) {
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
        phones.set(agent.id, phone);
        byUser.set(user.id, agent.id);
      });
    }
    await pool.drain();

    // Venue owners register their venues: the code is what people check in with.
    phase = 'registering venues';
    const venueCodes = new Map<number, string>();
    const owners = [...phones.values()];
    if (owners.length > 0) {
      for (const place of city.places) {
        if (place.kind !== 'venue') continue;
        const owner = owners[place.id % owners.length]!;
        await pool.run(async () => {
          const venue = await call(log, 'POST /venues', () => owner.client.registerVenue({ name: `Venue ${place.id}` }));
          venueCodes.set(place.id, venue.id);
        });
      }
      await pool.drain();
    }

    // Phones hold their notification streams open.
    phase = 'opening streams';
    const streamCount = Math.min(options.streams ?? 2000, phones.size);
    for (const phone of [...phones.values()].slice(0, streamCount)) {
      phone.stream = phone.client.streamNotifications({
        onEvent: (event) => receive(phone, event.data, Date.now()),
        backoff: { initialMs: 1000, maxMs: 15_000 },
      });
    }
    await Promise.allSettled([...phones.values()].map((p) => p.stream?.opened()));

    epidemic.seed(scenario.seeds);
    const lineList: { external_id: string; report_date: string; onset_date: string | null; lat: number; lng: number }[] = [];
    const newId = () => crypto.randomUUID();

    for (let day = 0; day < totalDays; day++) {
      currentDay = day;
      phase = 'simulating';
      const dayStart = day * MS_PER_DAY;
      // A run that fell behind its schedule lives its last day on until the present (never past it).
      if (day === totalDays - 1) runEnd = Math.min(dayStart + MS_PER_DAY, Math.max(timeline.end, Date.now() - timeline.origin));
      const dayEnd = Math.min(dayStart + MS_PER_DAY, runEnd);

      // Everyone's day, cut at the end of the run.
      const stays: Stay[] = [];
      const weekday = weekdayOf(timeline, day);
      for (const agent of city.agents) {
        const staysHome = isIsolating(epidemic.courses.get(agent.id), dayStart + 8 * MS_PER_HOUR);
        rng.reseed(options.seed, 10_000_000 + day * city.agents.length + agent.id);
        for (const stay of scenario.stays(agent, { day, weekday, staysHome }, rng, runEnd)) {
          if (stay.start >= dayEnd || stay.end <= dayStart) continue;
          stays.push(stay.start < dayStart || stay.end > dayEnd ? { ...stay, start: Math.max(stay.start, dayStart), end: Math.min(stay.end, dayEnd) } : stay);
        }
      }
      epidemic.advance(stays, dayStart, dayEnd);

      for (const stay of stays) {
        const phone = phones.get(stay.agent);
        if (phone === undefined) continue;
        for (const observation of observationsOfStay(city, timeline, stay, venueCodes.get(stay.place), rng, newId)) {
          counters.observations[observation.kind] += 1;
          phone.queue.push({ observation, readyAt: stay.end });
        }
      }

      // Bluetooth: only where the peer held a token, i.e. from the current 15-minute interval on.
      const tokenWindowStart = Math.floor(Date.now() / (15 * MS_PER_MINUTE)) * 15 * MS_PER_MINUTE;
      if (stampOf(timeline, dayEnd) > tokenWindowStart) {
        const close = contactsOf(stays, () => false).filter((c) => phones.has(c.a.agent) && phones.has(c.b.agent) && stampOf(timeline, c.end) > tokenWindowStart);
        const needing = new Set(close.flatMap((c) => [c.a.agent, c.b.agent]));
        for (const agent of needing) {
          const phone = phones.get(agent)!;
          if (phone.tokens !== null) continue;
          await pool.run(async () => {
            const list = await call(log, 'GET /proximity_tokens', () => phone.client.proximityTokens());
            counters.tokenFetches += 1;
            phone.tokens = list.tokens.map((t) => ({ token: t.token, validFrom: Date.parse(t.valid_from), validTo: Date.parse(t.valid_to) }));
          });
        }
        await pool.drain();
        for (const contact of close) {
          for (const [observer, peer] of [
            [contact.a, contact.b],
            [contact.b, contact.a],
          ] as const) {
            const phone = phones.get(observer.agent)!;
            for (const observation of proximityObservations(timeline, contact, phones.get(peer.agent)!.tokens ?? [], rng, newId)) {
              counters.observations.proximity += 1;
              phone.queue.push({ observation, readyAt: contact.end });
            }
          }
        }
      }

      // The day's actions, in time order: uploads, symptom reports, confirmations.
      const actions: { at: number; run: () => Promise<void> }[] = [];
      for (const phone of phones.values()) {
        const at = dayStart + phone.uploadHour * MS_PER_HOUR;
        if (at < dayEnd) actions.push({ at, run: async () => void (await uploadReady(phone, at, log)) });
      }
      for (const [agent, course] of epidemic.courses) {
        const phone = phones.get(agent);
        const onsetDate = course.onsetAt === null ? null : dateOf(timeline, Math.max(course.onsetAt, 0));
        if (course.selfReportAt !== null && course.selfReportAt >= dayStart && course.selfReportAt < dayEnd && phone !== undefined && onsetDate !== null) {
          actions.push({
            at: course.selfReportAt,
            run: async () => {
              if (!firstReportWall.has(agent)) firstReportWall.set(agent, Date.now());
              await call(log, 'POST /symptoms', () => phone.client.reportSymptom({ symptom: SYMPTOMS[agent % SYMPTOMS.length]!, date: onsetDate }));
              counters.selfReports += 1;
            },
          });
        }
        if (course.confirmedAt !== null && course.confirmedAt >= dayStart && course.confirmedAt < dayEnd) {
          const testDate = dateOf(timeline, course.confirmedAt);
          if (phone !== undefined) {
            actions.push({
              at: course.confirmedAt,
              run: async () => {
                if (!firstReportWall.has(agent)) firstReportWall.set(agent, Date.now());
                const staff = await professional.get();
                const confirmed = await call(log, 'POST /cases', () =>
                  staff.confirmCase({ user_id: phone.userId, report_type: 'confirmed_test', test_date: testDate, ...(onsetDate ? { onset_date: onsetDate } : {}) }),
                );
                caseIds.set(agent, confirmed.case.id);
                counters.confirmations += 1;
              },
            });
          } else if (authority !== undefined) {
            const home = city.places[city.agents[agent]!.home]!;
            lineList.push({ external_id: `sim-${agent}`, report_date: testDate, onset_date: onsetDate, lat: home.lat, lng: home.lng });
          }
        }
      }
      actions.sort((x, y) => x.at - y.at);
      for (const action of actions) {
        const release = releaseAt(timeline, action.at);
        await sleepUntil(release);
        lagMs = Math.max(0, Date.now() - release);
        simulatedAt = stampOf(timeline, action.at);
        await pool.run(action.run);
      }
      await pool.drain();
      if (authority !== undefined && lineList.length > 0) {
        const batch = lineList.splice(0, lineList.length);
        const staff = await authority.get();
        await call(log, 'POST /cases/import', () => staff.importLineList(batch));
        counters.lineList += batch.length;
      }
      simulatedAt = stampOf(timeline, dayEnd);
    }

    // The last uploads: everything recorded until now.
    phase = 'final uploads';
    for (const phone of phones.values()) await pool.run(async () => void (await uploadReady(phone, runEnd, log)));
    await pool.drain();

    phase = 'waiting for traces';
    const caseContacts = await settledContacts(professional, caseIds, log);

    phase = 'collecting notifications';
    for (const phone of phones.values()) await pool.run(() => listAllNotifications(phone, log));
    await pool.drain();

    const sources: TracedSource[] = [...caseContacts].map(([agent, contacts]) => ({
      source: agent,
      infected: epidemic.transmissions.filter((t) => t.infector === agent).map((t) => t.infectee),
      notified: notifiedContacts(contacts, byUser),
    }));

    // Everyone notified, against everyone infected by someone who reported.
    const reportedSources = new Set([...firstReportWall.keys()]);
    const everyoneNotified = new Map<number, NotifiedTier>();
    for (const phone of phones.values()) {
      for (const n of phone.received.values()) {
        if (n.tier === 'low') continue;
        const known = everyoneNotified.get(phone.agent);
        if (known !== 'high') everyoneNotified.set(phone.agent, n.tier);
      }
    }
    const unattributed = scoreTracing([
      { source: -1, infected: epidemic.transmissions.filter((t) => reportedSources.has(t.infector)).map((t) => t.infectee), notified: everyoneNotified },
    ]);

    // Report → notification latency of each scored source's notified contacts.
    const toCreated: number[] = [];
    const toDelivered: number[] = [];
    const push: number[] = [];
    for (const source of sources) {
      const reportedAt = firstReportWall.get(source.source);
      if (reportedAt === undefined) continue;
      for (const contact of source.notified.keys()) {
        const phone = phones.get(contact);
        if (phone === undefined) continue;
        const first = [...phone.received.values()].filter((n) => n.createdAt >= reportedAt - 1000).sort((a, b) => a.createdAt - b.createdAt)[0];
        if (first === undefined) continue;
        toCreated.push(first.createdAt - reportedAt);
        if (first.receivedAt !== null) toDelivered.push(first.receivedAt - reportedAt);
      }
    }
    for (const phone of phones.values()) for (const n of phone.received.values()) if (n.receivedAt !== null) push.push(n.receivedAt - n.createdAt);

    phase = 'reading zones';
    let zones: SimulationReport['zones'] = null;
    if (authority !== undefined) {
      const staff = await authority.get();
      const [current, alerts] = await Promise.all([call(log, 'GET /zones', () => staff.zones()), call(log, 'GET /alerts', () => staff.listAlerts())]);
      zones = {
        clusters: current.clusters.length,
        significant: current.clusters.filter((c) => c.significant).length,
        alerts: alerts.alerts.length,
        scannedCases: current.scan?.located_cases ?? 0,
      };
    }

    const streams = [...phones.values()].filter((p) => p.stream !== null);
    const lived = { ...timeline, end: runEnd };
    const report = buildReport({
      timeline: lived,
      wallMs: Date.now() - wallStart,
      population: city.agents.length,
      appUsers: phones.size,
      seed: options.seed,
      epidemic,
      places: city.places,
      counters,
      log,
      streams: { open: streams.filter((p) => p.stream!.state === 'open').length, held: streams.length, connections: streams.reduce((n, p) => n + p.stream!.connections, 0) },
      tracing: { sources: sources.length, attributed: scoreTracing(sources), unattributed },
      latency: { report_to_notification_ms: distributionOf(toCreated), report_to_delivery_ms: distributionOf(toDelivered), push_ms: distributionOf(push) },
      zones,
    });
    return { report, epidemic, timeline: lived, phones, sources, caseContacts };
  } finally {
    clearInterval(ticker);
    phase = 'closing streams';
    await Promise.allSettled([...phones.values()].map((p) => p.stream?.close()));
    progress();
  }
}

/** The contacts of every confirmed case once every case is traced and the lists stopped changing. */
async function settledContacts(professional: StaffSession, caseIds: ReadonlyMap<number, string>, log: RequestLog): Promise<Map<number, CaseContacts>> {
  let previous = '';
  const deadline = Date.now() + 120_000;
  for (;;) {
    const current = new Map<number, CaseContacts>();
    for (const [agent, caseId] of caseIds) current.set(agent, await call(log, 'GET /cases/{id}/contacts', async () => (await professional.get()).caseContacts(caseId)));
    const traced = [...current.values()].every((c) => c.traced_at !== null);
    const fingerprint = JSON.stringify([...current.values()].map((c) => c.contacts.map((x) => [x.user_id, x.notified, x.days.map((d) => d.notified_tier)])));
    if ((traced && fingerprint === previous) || Date.now() > deadline) return current;
    previous = traced ? fingerprint : '';
    await sleep(1500);
  }
}

/** Contacts the server notified, by agent, at the highest tier notified on their days of contact. */
function notifiedContacts(contacts: CaseContacts, byUser: ReadonlyMap<string, number>): Map<number, NotifiedTier> {
  const notified = new Map<number, NotifiedTier>();
  for (const contact of contacts.contacts) {
    if (!contact.notified) continue;
    const agent = byUser.get(contact.user_id);
    if (agent === undefined) continue;
    const tiers = contact.days.map((d) => d.notified_tier);
    const tier: NotifiedTier | undefined = tiers.includes('high') ? 'high' : tiers.includes('medium') ? 'medium' : undefined;
    if (tier !== undefined) notified.set(agent, tier);
  }
  return notified;
}
