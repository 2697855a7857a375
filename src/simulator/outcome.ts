import { latLngToCell } from 'h3-js';
import type { CaseContacts } from '../../web/sdk/index.js';
import { distributionOf, scoreTracing, type NotifiedTier, type TierScore, type TracedSource } from './ground-truth.js';
import { sleep, type RequestLog } from './pacing.js';
import { call, listAllNotifications } from './phones.js';
import { buildReport, type SimulationReport } from './report.js';
import type { Run } from './run-state.js';
import type { StaffSession } from './staff-session.js';
import type { Timeline } from './timeline.js';

/** What the server did, read back after the last day and scored against the ground truth. */
export interface Outcome {
  readonly caseContacts: Map<number, CaseContacts>;
  readonly sources: TracedSource[];
  readonly unattributed: TierScore[];
  readonly latency: SimulationReport['latency'];
}

/**
 * The contacts of every confirmed case once traced, scored: who was notified against who was infected, and how
 * long notifications took.
 */
export async function tracingOutcome(run: Run, professional: StaffSession): Promise<Outcome> {
  run.phase = 'waiting for traces';
  const caseContacts = await settledContacts(professional, run.caseIds, run.log);
  await collectNotifications(run);
  const sources = scoredSources(run, caseContacts);
  return { caseContacts, sources, unattributed: unattributedScore(run), latency: notificationLatency(run, sources) };
}

/** The contacts of every confirmed case once every case is traced and the lists stopped changing. */
async function settledContacts(
  professional: StaffSession,
  caseIds: ReadonlyMap<number, string>,
  log: RequestLog,
): Promise<Map<number, CaseContacts>> {
  let previous = '';
  const deadline = Date.now() + 120_000;
  for (;;) {
    const current = new Map<number, CaseContacts>();
    for (const [agent, caseId] of caseIds) {
      const read = async () => (await professional.get()).caseContacts(caseId);
      current.set(agent, await call(log, 'GET /cases/{id}/contacts', read));
    }
    const traced = [...current.values()].every((c) => c.traced_at !== null);
    const fingerprint = JSON.stringify(
      [...current.values()].map((c) =>
        c.contacts.map((x) => [x.user_id, x.notified, x.days.map((d) => d.notified_tier)]),
      ),
    );
    if ((traced && fingerprint === previous) || Date.now() > deadline) return current;
    previous = traced ? fingerprint : '';
    await sleep(1500);
  }
}

/** Every phone reads its whole notification list, which adds those its stream did not deliver. */
async function collectNotifications(run: Run): Promise<void> {
  run.phase = 'collecting notifications';
  for (const phone of run.phones.values()) await run.pool.run(() => listAllNotifications(phone, run.log));
  await run.pool.drain();
}

/** Each traced case as a source: whom they infected, whom the server notified as their contacts. */
function scoredSources(run: Run, caseContacts: ReadonlyMap<number, CaseContacts>): TracedSource[] {
  return [...caseContacts].map(([agent, contacts]) => ({
    source: agent,
    infected: run.epidemic.transmissions.filter((t) => t.infector === agent).map((t) => t.infectee),
    notified: notifiedContacts(contacts, run.byUser),
  }));
}

/** Contacts the server notified, by agent, at the highest tier notified on their days of contact. */
function notifiedContacts(contacts: CaseContacts, byUser: ReadonlyMap<string, number>): Map<number, NotifiedTier> {
  const notified = new Map<number, NotifiedTier>();
  for (const contact of contacts.contacts) {
    if (!contact.notified) continue;
    const agent = byUser.get(contact.user_id);
    if (agent === undefined) continue;
    const tiers = contact.days.map((d) => d.notified_tier);
    const tier: NotifiedTier | undefined = tiers.includes('high')
      ? 'high'
      : tiers.includes('medium')
        ? 'medium'
        : undefined;
    if (tier !== undefined) notified.set(agent, tier);
  }
  return notified;
}

/** Everyone notified, against everyone infected by someone who reported. */
function unattributedScore(run: Run): TierScore[] {
  const reportedSources = new Set([...run.firstReportWall.keys()]);
  const everyoneNotified = new Map<number, NotifiedTier>();
  for (const phone of run.phones.values()) {
    for (const n of phone.received.values()) {
      if (n.tier === 'low') continue;
      const known = everyoneNotified.get(phone.agent);
      if (known !== 'high') everyoneNotified.set(phone.agent, n.tier);
    }
  }
  const infected = run.epidemic.transmissions.filter((t) => reportedSources.has(t.infector)).map((t) => t.infectee);
  return scoreTracing([{ source: -1, infected, notified: everyoneNotified }]);
}

/** Report → notification latency of each scored source's notified contacts, and stream delivery times. */
function notificationLatency(run: Run, sources: readonly TracedSource[]): SimulationReport['latency'] {
  const toCreated: number[] = [];
  const toDelivered: number[] = [];
  const push: number[] = [];
  for (const source of sources) {
    const reportedAt = run.firstReportWall.get(source.source);
    if (reportedAt === undefined) continue;
    for (const contact of source.notified.keys()) {
      const phone = run.phones.get(contact);
      if (phone === undefined) continue;
      const first = [...phone.received.values()]
        .filter((n) => n.createdAt >= reportedAt - 1000)
        .sort((a, b) => a.createdAt - b.createdAt)[0];
      if (first === undefined) continue;
      toCreated.push(first.createdAt - reportedAt);
      if (first.receivedAt !== null) toDelivered.push(first.receivedAt - reportedAt);
    }
  }
  for (const phone of run.phones.values()) {
    for (const n of phone.received.values()) if (n.receivedAt !== null) push.push(n.receivedAt - n.createdAt);
  }
  return {
    report_to_notification_ms: distributionOf(toCreated),
    report_to_delivery_ms: distributionOf(toDelivered),
    push_ms: distributionOf(push),
  };
}

/** How long the zone scan's answer must stay the same before it is read as the run's (see readZones). */
const SCAN_QUIET_MS = 3000;
const SCAN_WAIT_MS = 30_000;

/**
 * The authority's view of the clusters and alerts (null without an authority), once the server's scan has caught up
 * with the run's last reports and traces: the same scan for SCAN_QUIET_MS (the scanner reruns about a second after
 * the last case event), or SCAN_WAIT_MS at most.
 */
export async function readZones(run: Run, authority: StaffSession | undefined): Promise<SimulationReport['zones']> {
  run.phase = 'reading zones';
  if (authority === undefined) return null;
  const readAt = Date.now();
  let staff = await authority.get();
  let current = await call(run.log, 'GET /zones', () => staff.zones());
  let seenSince = readAt;
  while (Date.now() - seenSince < SCAN_QUIET_MS && Date.now() - readAt < SCAN_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    staff = await authority.get();
    const next = await call(run.log, 'GET /zones', () => staff.zones());
    if (next.scan?.id !== current.scan?.id) seenSince = Date.now();
    current = next;
  }
  const alerts = await call(run.log, 'GET /alerts', () => staff.listAlerts());
  const top = current.clusters[0];
  return {
    clusters: current.clusters.length,
    significant: current.clusters.filter((c) => c.significant).length,
    alerts: alerts.alerts.length,
    scannedCases: current.scan?.located_cases ?? 0,
    top:
      top === undefined
        ? null
        : {
            cells: top.cells.length,
            start_date: top.start_date,
            end_date: top.end_date,
            observed: top.observed,
            expected: top.expected,
            p_value: top.p_value,
            significant: top.significant,
            alerted: top.alert_id !== null,
            gatherings: gatheringsIn(run, top.cells, top.resolution),
          },
  };
}

/** What the scenario's gatherings were (ground truth) of those held in one of `cells`. */
function gatheringsIn(run: Run, cells: readonly string[], resolution: number): string[] {
  const inside = new Set(cells);
  return (run.scenario.gatherings ?? [])
    .filter((g) => {
      const place = run.city.places[g.place]!;
      return inside.has(latLngToCell(place.lat, place.lng, resolution));
    })
    .map((g) => g.what);
}

/** The run's report, over the timeline it lived (which ends later than planned when the run fell behind). */
export function reportOfRun(
  run: Run,
  outcome: Outcome,
  zones: SimulationReport['zones'],
): { report: SimulationReport; lived: Timeline } {
  const { phones, epidemic } = run;
  const streams = [...phones.values()].filter((p) => p.stream !== null);
  const lived = { ...run.timeline, end: run.runEnd };
  const report = buildReport({
    timeline: lived,
    wallMs: Date.now() - run.wallStart,
    population: run.city.agents.length,
    appUsers: phones.size,
    seed: run.seed,
    epidemic,
    places: run.city.places,
    counters: run.counters,
    log: run.log,
    streams: {
      open: streams.filter((p) => p.stream!.state === 'open').length,
      held: streams.length,
      connections: streams.reduce((n, p) => n + p.stream!.connections, 0),
    },
    tracing: {
      sources: outcome.sources.length,
      attributed: scoreTracing(outcome.sources),
      unattributed: outcome.unattributed,
    },
    latency: outcome.latency,
    zones,
    gatherings: run.scenario.gatherings ?? [],
  });
  return { report, lived };
}
