import type { Seed } from '../modules/zones/prng.js';
import type { Place } from './city.js';
import type { Epidemic } from './epidemic.js';
import type { Gathering } from './gathering.js';
import { distributionOf, type Distribution, type TierScore } from './ground-truth.js';
import type { RequestLog } from './pacing.js';
import type { Timeline } from './timeline.js';
import { MS_PER_DAY } from '../platform/time/calendar.js';

export interface SimulationReport {
  readonly population: number;
  readonly app_users: number;
  readonly seed: Seed;
  readonly speed_up: number;
  readonly simulated: { readonly from: string; readonly to: string; readonly days: number };
  readonly wall_seconds: number;
  readonly epidemic: {
    readonly infected: number;
    readonly seeds: number;
    readonly transmissions_by_setting: Record<string, number>;
    readonly symptomatic: number;
    readonly self_reports: number;
    readonly confirmations: number;
    readonly line_list_cases: number;
  };
  readonly uploads: {
    readonly location: number;
    readonly checkin: number;
    readonly proximity: number;
    readonly token_fetches: number;
  };
  readonly requests: ReadonlyArray<{
    endpoint: string;
    requests: number;
    errors: number;
    p50_ms: number | null;
    p99_ms: number | null;
    max_ms: number | null;
  }>;
  readonly errors: { readonly total: number; readonly samples: readonly string[] };
  readonly streams: { readonly held: number; readonly open_at_end: number; readonly connections: number };
  readonly tracing: {
    readonly confirmed_cases_scored: number;
    /** Per confirmed case: its notified contacts (GET /cases/{id}/contacts) against whom it truly infected. */
    readonly by_source: readonly TierScore[];
    /** Everyone notified (any source) against everyone infected by someone who reported. */
    readonly overall: readonly TierScore[];
  };
  readonly latency: {
    /** A source's first report → its contact's notification written (server clock). */
    readonly report_to_notification_ms: Distribution;
    /** A source's first report → its contact's phone got it on its stream. */
    readonly report_to_delivery_ms: Distribution;
    /** Notification written → delivered on the stream, every streamed notification. */
    readonly push_ms: Distribution;
  };
  readonly zones: {
    readonly clusters: number;
    readonly significant: number;
    readonly alerts: number;
    readonly scannedCases: number;
    /** The most likely cluster of the last scan. */
    readonly top: {
      readonly cells: number;
      readonly start_date: string;
      readonly end_date: string;
      readonly observed: number;
      readonly expected: number;
      readonly p_value: number;
      readonly significant: boolean;
      /** Its alert is in the authority's feed. */
      readonly alerted: boolean;
      /** The scenario's gatherings held inside it (ground truth: what it found). */
      readonly gatherings: readonly string[];
    } | null;
  } | null;
  /** Superspreading events of the scenario, and whom each infected (ground truth). */
  readonly gatherings: ReadonlyArray<{
    readonly what: string;
    readonly at: string;
    readonly attendees: number;
    readonly infected_there: number;
  }>;
}

export interface ReportInput {
  readonly timeline: Timeline;
  readonly wallMs: number;
  readonly population: number;
  readonly appUsers: number;
  readonly seed: Seed;
  readonly epidemic: Epidemic;
  readonly places: readonly Place[];
  readonly counters: {
    observations: { location: number; checkin: number; proximity: number };
    selfReports: number;
    confirmations: number;
    lineList: number;
    tokenFetches: number;
  };
  readonly log: RequestLog;
  readonly streams: { open: number; held: number; connections: number };
  readonly tracing: { sources: number; attributed: TierScore[]; unattributed: TierScore[] };
  readonly latency: SimulationReport['latency'];
  readonly zones: SimulationReport['zones'];
  readonly gatherings: readonly Gathering[];
}

const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

export function buildReport(input: ReportInput): SimulationReport {
  const bySetting: Record<string, number> = {};
  for (const t of input.epidemic.transmissions) {
    const kind = input.places[t.place]!.kind;
    bySetting[kind] = (bySetting[kind] ?? 0) + 1;
  }
  const courses = [...input.epidemic.courses.values()];
  return {
    population: input.population,
    app_users: input.appUsers,
    seed: input.seed,
    speed_up: input.timeline.speedUp,
    simulated: {
      from: new Date(input.timeline.origin).toISOString(),
      to: new Date(input.timeline.origin + input.timeline.end).toISOString(),
      days: Math.round((input.timeline.end / MS_PER_DAY) * 100) / 100,
    },
    wall_seconds: Math.round(input.wallMs / 100) / 10,
    epidemic: {
      infected: courses.length,
      seeds: courses.filter((c) => c.infector === null).length,
      transmissions_by_setting: bySetting,
      symptomatic: courses.filter((c) => c.onsetAt !== null && c.onsetAt < input.timeline.end).length,
      self_reports: input.counters.selfReports,
      confirmations: input.counters.confirmations,
      line_list_cases: input.counters.lineList,
    },
    uploads: { ...input.counters.observations, token_fetches: input.counters.tokenFetches },
    requests: [...input.log.endpoints.values()].map((s) => {
      const d = distributionOf(s.latenciesMs);
      return {
        endpoint: s.endpoint,
        requests: s.requests,
        errors: s.errors,
        p50_ms: round(d.p50),
        p99_ms: round(d.p99),
        max_ms: round(d.max),
      };
    }),
    errors: { total: input.log.totals.errors, samples: input.log.errorSamples },
    streams: { held: input.streams.held, open_at_end: input.streams.open, connections: input.streams.connections },
    tracing: {
      confirmed_cases_scored: input.tracing.sources,
      by_source: input.tracing.attributed,
      overall: input.tracing.unattributed,
    },
    latency: input.latency,
    zones: input.zones,
    gatherings: input.gatherings.map((g) => ({
      what: g.what,
      at: new Date(input.timeline.origin + g.start).toISOString(),
      attendees: g.attendees.length,
      infected_there: input.epidemic.transmissions.filter((t) => t.place === g.place && t.at >= g.start && t.at < g.end)
        .length,
    })),
  };
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
const ms = (x: number | null) =>
  x === null ? '—' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`;

/** The report as text for a terminal. */
export function formatReport(r: SimulationReport): string {
  const lines: string[] = [];
  lines.push(
    `Simulation report — ${r.population.toLocaleString('en')} people (${r.app_users.toLocaleString('en')} with the app), seed ${r.seed}`,
  );
  lines.push(
    `  simulated ${r.simulated.from.slice(0, 16)} → ${r.simulated.to.slice(0, 16)} UTC (${r.simulated.days} days) in ${r.wall_seconds} s (speed-up ${r.speed_up})`,
  );
  const e = r.epidemic;
  lines.push(
    `Epidemic (ground truth): ${e.infected} infected (${e.seeds} from outside), by setting ${JSON.stringify(e.transmissions_by_setting)}`,
  );
  lines.push(
    `  ${e.symptomatic} fell ill; ${e.self_reports} symptom reports, ${e.confirmations} confirmed by a test in the app, ${e.line_list_cases} line-list cases`,
  );
  for (const g of r.gatherings)
    lines.push(
      `  Superspreading: ${g.what} on ${g.at.slice(0, 16).replace('T', ' ')} UTC infected ${g.infected_there} of its ${g.attendees} attendees`,
    );
  lines.push(
    `Uploads: ${r.uploads.location} location stays, ${r.uploads.checkin} check-ins, ${r.uploads.proximity} Bluetooth encounters (${r.uploads.token_fetches} token fetches)`,
  );
  lines.push(`Tracing against the ground truth (${r.tracing.confirmed_cases_scored} confirmed cases):`);
  lines.push('  tier     notified  infected-by-source  precision  recall     |  overall: notified  precision  recall');
  for (let i = 0; i < r.tracing.by_source.length; i++) {
    const s = r.tracing.by_source[i]!;
    const o = r.tracing.overall[i]!;
    lines.push(
      `  ${s.tier.padEnd(7)}  ${String(s.notified).padStart(8)}  ${`${s.truePositives}/${s.infected}`.padStart(18)}  ${pct(s.precision).padStart(9)}  ${pct(s.recall).padStart(7)}    |  ${String(o.notified).padStart(17)}  ${pct(o.precision).padStart(9)}  ${pct(o.recall).padStart(7)}`,
    );
  }
  const l = r.latency;
  lines.push(
    `Report → contact notified: p50 ${ms(l.report_to_notification_ms.p50)}, p90 ${ms(l.report_to_notification_ms.p90)}, max ${ms(l.report_to_notification_ms.max)} (${l.report_to_notification_ms.count} contacts)`,
  );
  lines.push(
    `Report → delivered on the phone's stream: p50 ${ms(l.report_to_delivery_ms.p50)}, p90 ${ms(l.report_to_delivery_ms.p90)}, max ${ms(l.report_to_delivery_ms.max)} (${l.report_to_delivery_ms.count})`,
  );
  lines.push(
    `Notification written → on the stream: p50 ${ms(l.push_ms.p50)}, p99 ${ms(l.push_ms.p99)}, max ${ms(l.push_ms.max)} (${l.push_ms.count})`,
  );
  lines.push(
    `Streams: ${r.streams.held} held, ${r.streams.open_at_end} open at the end, ${r.streams.connections} connections made`,
  );
  if (r.zones) {
    lines.push(
      `Zones: ${r.zones.clusters} clusters (${r.zones.significant} significant) over ${r.zones.scannedCases} located cases; ${r.zones.alerts} alerts`,
    );
    const top = r.zones.top;
    if (top !== null) {
      const verdict = top.significant
        ? `significant${top.alerted ? ", its alert is in the authority's feed" : ''}`
        : 'not significant, so no alert';
      const where = top.gatherings.length > 0 ? ` around where ${top.gatherings.join(' and ')} was held` : '';
      lines.push(
        `  most likely cluster: ${top.cells} cells${where}, ${top.start_date} to ${top.end_date}, ${top.observed} cases where ${top.expected.toFixed(1)} were expected, p = ${top.p_value} (${verdict})`,
      );
    }
  }
  lines.push('Requests (client-side latency):');
  for (const q of r.requests)
    lines.push(
      `  ${q.endpoint.padEnd(26)} ${String(q.requests).padStart(8)} req  ${String(q.errors).padStart(5)} err  p50 ${ms(q.p50_ms)}  p99 ${ms(q.p99_ms)}  max ${ms(q.max_ms)}`,
    );
  if (r.errors.samples.length > 0)
    lines.push(`Errors (${r.errors.total}), first ones:`, ...r.errors.samples.map((s) => `  ${s}`));
  return lines.join('\n');
}
