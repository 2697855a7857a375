import type { FastifyBaseLogger } from 'fastify';
import { cellToChildren, gridDisk, latLngToCell } from 'h3-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { EpidemicCase } from '../../src/modules/cases/epidemic-cases.js';
import { addDays } from '../../src/platform/time/calendar.js';
import type { ScanSettings } from '../../src/modules/zones/model.js';
import { Xoshiro128 } from '../../src/modules/zones/prng.js';
import { ZoneScanner } from '../../src/modules/zones/scanner.js';
import type { CompletedScan, RecordedScan } from '../../src/modules/zones/service.js';
import { DOMAIN_EVENTS_CHANNEL } from '../../src/platform/bus/domain-events.js';
import { MemoryBus } from '../../src/platform/bus/memory-bus.js';

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const SETTINGS: ScanSettings = {
  resolution: 8,
  days: 14,
  maxRings: 3,
  maxDurationDays: 7,
  replications: 999,
  seed: '12345678',
  minCases: 2,
  alertRecurrenceDays: 100,
};
const today = () => new Date().toISOString().slice(0, 10);
const CENTRE = latLngToCell(48.8566, 2.3522, 8);

function randomCases(n: number, seed = 1): EpidemicCase[] {
  const rng = new Xoshiro128(seed);
  const cells = gridDisk(CENTRE, 12);
  return Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    origin: 'line_list' as const,
    onset_date: null,
    infector_id: null,
    report_date: addDays(today(), -rng.nextInt(14)),
    cell: cellToChildren(cells[rng.nextInt(cells.length)]!, 9)[0]!,
  }));
}

class Harness {
  readonly bus = new MemoryBus();
  cases: EpidemicCase[] = randomCases(50);
  readonly recorded: CompletedScan[] = [];
  reads = 0;
  readonly scanner: ZoneScanner;

  constructor(debounceMs: number) {
    this.scanner = new ZoneScanner(
      {
        reportedBetween: async () => {
          this.reads++;
          return this.cases;
        },
      },
      {
        recordScan: async (scan: CompletedScan): Promise<RecordedScan> => {
          this.recorded.push(scan);
          return { scanId: `s${this.recorded.length}`, clusters: [], alerts: [] };
        },
      },
      this.bus,
      log,
      { settings: SETTINGS, timeZone: 'UTC', debounceMs, intervalMs: 3_600_000 },
    );
  }
}

describe('zone scanner', () => {
  const harnesses: Harness[] = [];
  const make = (debounceMs: number) => {
    const h = new Harness(debounceMs);
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.scanner.stop()));
  });

  it('scans once at start, then once per burst of case events (debounced); other events do nothing', async () => {
    const h = make(60);
    await h.scanner.start();
    await h.scanner.idle();
    expect(h.recorded).toHaveLength(1);
    expect(h.recorded[0]).toMatchObject({
      totalCases: 50,
      locatedCases: 50,
      period: { start: addDays(today(), -13), end: today() },
    });

    h.cases = randomCases(51);
    for (let i = 0; i < 5; i++) {
      await h.bus.publish(DOMAIN_EVENTS_CHANNEL, { type: i % 2 === 0 ? 'case.reported' : 'risks.written' });
      await new Promise((r) => setTimeout(r, 10));
    }
    await h.scanner.idle();
    expect(h.recorded).toHaveLength(2);

    h.cases = randomCases(52);
    await h.bus.publish(DOMAIN_EVENTS_CHANNEL, { type: 'notification.sent' });
    await new Promise((r) => setTimeout(r, 120));
    await h.scanner.idle();
    expect(h.recorded).toHaveLength(2);
    await h.bus.publish(DOMAIN_EVENTS_CHANNEL, { type: 'cases.imported' }); // e.g. a line-list import
    await h.scanner.idle();
    expect(h.recorded).toHaveLength(3);
  });

  it('skips a scan whose input did not change, unless forced; concurrent requests share one run', async () => {
    const h = make(3_600_000);
    expect(await h.scanner.runNow()).toMatchObject({ skipped: false });
    expect(await h.scanner.runNow()).toEqual({ skipped: true, reason: 'same cases as the previous scan' });
    expect(await h.scanner.runNow({ force: true })).toMatchObject({ skipped: false });
    h.cases = randomCases(60, 2);
    const [a, b, c] = await Promise.all([h.scanner.runNow(), h.scanner.runNow(), h.scanner.runNow()]);
    // The first starts at once; the two requests made while it runs share the run after it.
    expect(a.skipped).toBe(false);
    expect(b).toBe(c);
    expect(h.recorded).toHaveLength(3);
  });

  it('keeps the event loop responsive during a large scan', async () => {
    const h = make(3_600_000);
    h.cases = randomCases(10_000, 3);
    let last = performance.now();
    let worst = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 1);
    const started = performance.now();
    try {
      await h.scanner.runNow();
    } finally {
      clearInterval(ticker);
    }
    const total = performance.now() - started;
    expect(h.recorded[0]!.locatedCases).toBe(10_000);
    // The whole scan takes far longer than any pause of the event loop: the replicates run in ~20 ms slices; the
    // longest pauses are reading the cases into cells and building the cylinders (each ~0.1 s for 10,000 cases).
    expect(worst).toBeLessThan(Math.max(400, total / 4));
    expect(total).toBeGreaterThan(2 * worst);
  });

  it('stops cleanly in the middle of a scan', async () => {
    const h = make(3_600_000);
    h.cases = randomCases(10_000, 4);
    const run = h.scanner.runNow();
    await new Promise((r) => setTimeout(r, 30));
    await h.scanner.stop();
    await expect(run).rejects.toThrow('stopped');
    expect(h.recorded).toHaveLength(0);
  });
});
