import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { DOMAIN_EVENTS_CHANNEL } from '../../platform/bus/domain-events.js';
import type { EventBus, Unsubscribe } from '../../platform/bus/event-bus.js';
import type { EpidemicCase } from '../cases/epidemic-cases.js';
import { calendarDay } from '../../platform/time/calendar.js';
import { foundClusters, inputFingerprint, scanInput, studyPeriod, type ScanSettings } from './model.js';
import { finishScan, prepareScan, replicateMaxima, type PreparedScan } from './scan-statistic.js';
import type { RecordedScan, ZonesService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Reruns the cluster scan; tests wait on `zoneScanner.idle()` or call `runNow()`. */
    zoneScanner: ZoneScanner;
  }
}

export interface ZoneScannerOptions {
  readonly settings: ScanSettings;
  readonly timeZone: string;
  /** Quiet time after the last case event before the scan reruns. */
  readonly debounceMs: number;
  /** Safety net: the scan also reruns this often (missed events, a new day). */
  readonly intervalMs: number;
}

export type ScanOutcome =
  | ({ readonly skipped: false } & RecordedScan)
  | { readonly skipped: true; readonly reason: string };

/** Replicates are run in slices of about this many milliseconds, yielding to the event loop in between. */
const SLICE_MS = 20;
const REPLICATES_PER_STEP = 4;

class ScanStopped extends Error {
  constructor() {
    super('the zone scanner stopped');
  }
}

/**
 * Case events that can change the scan's input: new or upgraded cases, a trace (which sets a case's cell), imports,
 * erasures.
 */
function changesCases(payload: unknown): boolean {
  const type = (payload as { type?: unknown } | null)?.type;
  return typeof type === 'string' && (type === 'risks.written' || type === 'person.erased' || type.startsWith('case'));
}

function seedOf(text: string): number | string {
  return /^\d{1,9}$/.test(text) ? Number(text) : text;
}

/**
 * Runs the prospective space-time permutation scan over the epidemic's cases (app and line-list) off the request
 * path: debounced after case events from any process, on a slow timer, and once at start; one scan at a time in
 * this process. The Monte Carlo replicates run in short slices between which the event loop serves requests.
 * An input identical to the previous scan's (same cases per cell and day, same period, same settings) is skipped.
 * Recording (ZonesService.recordScan) is serialised across processes and idempotent per cluster.
 */
export class ZoneScanner {
  private debounce: NodeJS.Timeout | undefined;
  private firstRequestAt: number | undefined;
  private interval: NodeJS.Timeout | undefined;
  private unsubscribe: Unsubscribe | undefined;
  private current: Promise<ScanOutcome> | null = null;
  private queued: Promise<ScanOutcome> | null = null;
  private lastFingerprint: string | undefined;
  private stopped = false;
  private scans = 0;

  constructor(
    private readonly cases: { reportedBetween(fromDate: string, toDate: string): Promise<EpidemicCase[]> },
    private readonly zones: Pick<ZonesService, 'recordScan'>,
    private readonly bus: EventBus,
    private readonly log: FastifyBaseLogger,
    private readonly options: ZoneScannerOptions,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    try {
      this.unsubscribe = await this.bus.subscribe(
        DOMAIN_EVENTS_CHANNEL,
        (payload) => {
          if (changesCases(payload)) this.request();
        },
        { onResubscribed: () => this.request() },
      );
    } catch (error) {
      this.log.error({ err: error }, 'zone scanner could not subscribe to case events; relying on its timer');
    }
    this.interval = setInterval(() => this.request(), this.options.intervalMs);
    this.interval.unref();
    this.request();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounce);
    clearInterval(this.interval);
    await this.unsubscribe?.().catch(() => undefined);
    await Promise.allSettled([this.current, this.queued]);
  }

  /** Scans soon: after `debounceMs` without another request, and at most 6 × debounceMs after the first one. */
  request(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.firstRequestAt ??= now;
    clearTimeout(this.debounce);
    const wait = Math.max(
      0,
      Math.min(this.options.debounceMs, this.firstRequestAt + 6 * this.options.debounceMs - now),
    );
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.firstRequestAt = undefined;
      this.runNow().catch((error: unknown) => {
        if (!(error instanceof ScanStopped)) this.log.error({ err: error }, 'zone scan failed');
      });
    }, wait);
    this.debounce.unref();
  }

  /** Scans now, or right after the scan in progress (requests meanwhile share that one run). */
  runNow(options: { force?: boolean } = {}): Promise<ScanOutcome> {
    if (this.queued !== null) return this.queued;
    const before = this.current ?? Promise.resolve();
    const run: Promise<ScanOutcome> = before
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        this.current = run;
        return this.scanOnce(options.force === true);
      })
      .finally(() => {
        if (this.current === run) this.current = null;
      });
    this.queued = run;
    return run;
  }

  /** Resolves when no scan is waiting for its debounce or running (tests). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.debounce !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const pending = this.queued ?? this.current;
      if (pending === null) return;
      await pending.catch(() => undefined);
    }
  }

  /** Scans run to completion by this process. */
  get completedScans(): number {
    return this.scans;
  }

  private async scanOnce(force: boolean): Promise<ScanOutcome> {
    if (this.stopped) throw new ScanStopped();
    const started = performance.now();
    const { settings } = this.options;
    const ranAt = Date.now();
    const period = studyPeriod(calendarDay(ranAt, this.options.timeZone), settings.days);
    const cases = await this.cases.reportedBetween(period.start, period.end);
    await yieldToEventLoop();
    const input = scanInput(cases, period, settings.resolution);
    const fingerprint = inputFingerprint(input, period, settings);
    if (!force && fingerprint === this.lastFingerprint)
      return { skipped: true, reason: 'same cases as the previous scan' };
    await yieldToEventLoop();
    if (this.stopped) throw new ScanStopped();

    const prepared = prepareScan(input.counts, {
      days: settings.days,
      maxRings: settings.maxRings,
      maxDurationDays: settings.maxDurationDays,
      replications: settings.replications,
      seed: seedOf(settings.seed),
      minCases: settings.minCases,
      analysesPerDay: 1,
    });
    await yieldToEventLoop();
    const maxima = await this.replicates(prepared);
    const result = finishScan(prepared, maxima);
    const recorded = await this.zones.recordScan({
      ranAt,
      durationMs: performance.now() - started,
      period,
      settings,
      totalCases: input.totalCases,
      locatedCases: input.locatedCases,
      cellsWithCases: result.cellsWithCases,
      maxLlr: result.maxLlr,
      pValue: result.pValue,
      clusters: foundClusters(result, period, settings),
    });
    this.lastFingerprint = fingerprint;
    this.scans++;
    this.log.info(
      {
        scan_id: recorded.scanId,
        cases: input.totalCases,
        located: input.locatedCases,
        clusters: recorded.clusters.length,
        alerts: recorded.alerts.length,
        ms: Math.round(performance.now() - started),
      },
      'zone scan done',
    );
    return { skipped: false, ...recorded };
  }

  /** The Monte Carlo replicates in slices, so a long scan never holds the event loop for more than ~SLICE_MS. */
  private async replicates(prepared: PreparedScan): Promise<Float64Array> {
    const total = prepared.replications;
    const maxima = new Float64Array(total);
    let r = 0;
    while (r < total) {
      const sliceStart = performance.now();
      do {
        const to = Math.min(total, r + REPLICATES_PER_STEP);
        replicateMaxima(prepared, r, to, maxima);
        r = to;
      } while (r < total && performance.now() - sliceStart < SLICE_MS);
      if (r < total) await yieldToEventLoop();
      if (this.stopped) throw new ScanStopped();
    }
    return maxima;
  }
}
