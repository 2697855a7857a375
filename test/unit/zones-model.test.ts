import { cellToChildren, cellToParent, getResolution, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import {
  cellAtResolution,
  exposureSites,
  foundClusters,
  identityKey,
  inputFingerprint,
  matchTracked,
  scanInput,
  studyPeriod,
  type FoundCluster,
  type InfectiousStay,
  type ScanSettings,
  type TrackedCluster,
} from '../../src/modules/zones/model.js';
import { spaceTimePermutationScan, type ScanResult } from '../../src/modules/zones/scan-statistic.js';
import { addDays } from '../../src/platform/time/calendar.js';

const CENTRE = latLngToCell(48.8566, 2.3522, 8);
const FINE = cellToChildren(CENTRE, 10)[0]!;
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

describe('study period and scan input', () => {
  it('covers the last N days ending today', () => {
    expect(studyPeriod('2024-03-14', 14)).toEqual({ start: '2024-03-01', end: '2024-03-14' });
    expect(studyPeriod('2024-03-01', 3)).toEqual({ start: '2024-02-28', end: '2024-03-01' });
  });

  it('maps finer cells to their parent at the scan resolution and counts what cannot be placed', () => {
    expect(cellAtResolution(FINE, 8)).toBe(CENTRE);
    expect(cellAtResolution(CENTRE, 8)).toBe(CENTRE);
    expect(cellAtResolution(cellToParent(CENTRE, 6), 8)).toBeNull(); // coarser than the scan: cannot be placed
    expect(cellAtResolution('not-a-cell', 8)).toBeNull();
    expect(cellAtResolution(null, 8)).toBeNull();

    const period = studyPeriod('2024-03-14', 14);
    const other = gridDisk(CENTRE, 1).find((c) => c !== CENTRE)!;
    const input = scanInput(
      [
        { cell: FINE, report_date: '2024-03-14' },
        { cell: CENTRE, report_date: '2024-03-14' },
        { cell: cellToChildren(other, 10)[3]!, report_date: '2024-03-01' },
        { cell: null, report_date: '2024-03-10' }, // counted, not scanned
        { cell: cellToParent(CENTRE, 5), report_date: '2024-03-10' }, // counted, not scanned
        { cell: FINE, report_date: '2024-02-29' }, // before the period: ignored
        { cell: FINE, report_date: '2024-03-15' }, // after: ignored
      ],
      period,
      8,
    );
    expect(input.totalCases).toBe(5);
    expect(input.locatedCases).toBe(3);
    const expected = [
      { cell: CENTRE, day: 13, count: 2 },
      { cell: other, day: 0, count: 1 },
    ].sort((a, b) => (a.cell < b.cell ? -1 : 1));
    expect(input.counts).toEqual(expected);
  });

  it('fingerprints the input independently of the order cases arrive in', () => {
    const period = studyPeriod('2024-03-14', 14);
    const cases = [
      { cell: FINE, report_date: '2024-03-14' },
      { cell: gridDisk(CENTRE, 2)[7]!, report_date: '2024-03-03' },
      { cell: gridDisk(CENTRE, 2)[9]!, report_date: '2024-03-09' },
    ];
    const a = inputFingerprint(scanInput(cases, period, 8), period, SETTINGS);
    const b = inputFingerprint(scanInput([...cases].reverse(), period, 8), period, SETTINGS);
    expect(a).toBe(b);
    expect(inputFingerprint(scanInput(cases.slice(1), period, 8), period, SETTINGS)).not.toBe(a);
    expect(
      inputFingerprint(scanInput(cases, studyPeriod('2024-03-15', 14), 8), studyPeriod('2024-03-15', 14), SETTINGS),
    ).not.toBe(a);
    expect(inputFingerprint(scanInput(cases, period, 8), period, { ...SETTINGS, seed: '1' })).not.toBe(a);
  });
});

/** 1 case per day in each of the 19 cells around CENTRE for 14 days, plus `extra` cases in CENTRE today. */
function plantedScan(extra: number): { result: ScanResult; found: FoundCluster[] } {
  const period = studyPeriod('2024-03-14', 14);
  const cases: Array<{ cell: string; report_date: string }> = [];
  for (const cell of gridDisk(CENTRE, 2))
    for (let d = 0; d < 14; d++) cases.push({ cell, report_date: addDays(period.start, d) });
  for (let i = 0; i < extra; i++) cases.push({ cell: FINE, report_date: period.end });
  const input = scanInput(cases, period, 8);
  const result = spaceTimePermutationScan(input.counts, {
    days: 14,
    maxRings: 3,
    maxDurationDays: 7,
    replications: 999,
    seed: 12345678,
  });
  return { result, found: foundClusters(result, period, SETTINGS) };
}

describe('clusters found by a scan', () => {
  it('carries calendar dates and is significant when its recurrence interval reaches the threshold', () => {
    const { result, found } = plantedScan(10);
    const top = found[0]!;
    expect(top).toMatchObject({
      rank: 1,
      resolution: 8,
      centre: CENTRE,
      radius: 0,
      cells: [CENTRE],
      startDate: '2024-03-14',
      endDate: '2024-03-14',
      durationDays: 1,
      observed: 11,
    });
    expect(top.pValue).toBe(0.001);
    expect(top.recurrenceIntervalDays).toBe(1000);
    expect(top.significant).toBe(true);
    expect(top.expected).toBeCloseTo((24 * 29) / 276, 10);
    expect(top.llr).toBeCloseTo(result.clusters[0]!.llr, 12);
    // A stricter threshold than the permutations can reach: never significant.
    const strict = foundClusters(result, studyPeriod('2024-03-14', 14), { resolution: 8, alertRecurrenceDays: 1001 });
    expect(strict[0]!.significant).toBe(false);
  });

  it('reports an infinite relative risk as null', () => {
    const result: ScanResult = {
      totalCases: 3,
      days: 2,
      cellsWithCases: 1,
      cylinders: 1,
      replications: 9,
      maxLlr: 1,
      pValue: 0.5,
      clusters: [
        {
          rank: 1,
          centre: CENTRE,
          radius: 0,
          cells: [CENTRE],
          casesCells: [CENTRE],
          startDay: 1,
          endDay: 1,
          durationDays: 1,
          observed: 3,
          expected: 1,
          observedOverExpected: 3,
          relativeRisk: Infinity,
          llr: 1,
          pValue: 0.5,
          recurrenceIntervalDays: 2,
        },
      ],
    };
    const [cluster] = foundClusters(result, studyPeriod('2024-03-14', 2), { resolution: 8, alertRecurrenceDays: 100 });
    expect(cluster).toMatchObject({ relativeRisk: null, startDate: '2024-03-14', significant: false });
  });
});

describe('cluster identity across scans', () => {
  const ring1 = gridDisk(CENTRE, 1);
  const far = latLngToCell(48.95, 2.6, 8);
  const tracked = (
    id: string,
    cells: readonly string[],
    startDate: string,
    endDate: string,
    resolution = 8,
  ): TrackedCluster => ({ id, cells, startDate, endDate, resolution });

  it('is the same cluster when the cells overlap and it is ongoing', () => {
    const known = tracked('a', ring1, '2024-03-12', '2024-03-13');
    // Found again the next day, now only the centre cell: same cluster.
    expect(matchTracked({ resolution: 8, cells: [CENTRE], startDate: '2024-03-13' }, [known])?.id).toBe('a');
    // Its window starts the day after the tracked one ended: still continuous.
    expect(matchTracked({ resolution: 8, cells: [CENTRE], startDate: '2024-03-14' }, [known])?.id).toBe('a');
    // A gap of a day: a new cluster (a resurgence), which alerts again.
    expect(matchTracked({ resolution: 8, cells: [CENTRE], startDate: '2024-03-15' }, [known])).toBeNull();
    // Elsewhere: a new cluster.
    expect(matchTracked({ resolution: 8, cells: [far], startDate: '2024-03-13' }, [known])).toBeNull();
    // Another resolution is another grid.
    expect(
      matchTracked({ resolution: 9, cells: ring1, startDate: '2024-03-13' }, [
        tracked('b', ring1, '2024-03-12', '2024-03-13', 8),
      ]),
    ).toBeNull();
  });

  it('prefers the tracked cluster sharing most cells, then the most recent, then the smallest id', () => {
    const ring2 = gridDisk(CENTRE, 2);
    const a = tracked('a', [ring1[1]!], '2024-03-10', '2024-03-14');
    const b = tracked('b', ring1.slice(0, 4), '2024-03-10', '2024-03-13');
    expect(matchTracked({ resolution: 8, cells: ring2, startDate: '2024-03-12' }, [a, b])?.id).toBe('b');
    const c = tracked('c', [ring1[1]!], '2024-03-10', '2024-03-13');
    expect(matchTracked({ resolution: 8, cells: ring2, startDate: '2024-03-12' }, [c, a])?.id).toBe('a');
    const d = tracked('d', [ring1[1]!], '2024-03-10', '2024-03-14');
    expect(matchTracked({ resolution: 8, cells: ring2, startDate: '2024-03-12' }, [d, a])?.id).toBe('a');
  });

  it('keys a new cluster by resolution, centre and first day', () => {
    expect(identityKey({ resolution: 8, centre: CENTRE, startDate: '2024-03-14' })).toBe(`8:${CENTRE}:2024-03-14`);
  });

  it('recognises a planted cluster found again by the next scan with one more case', () => {
    const first = plantedScan(10).found[0]!;
    const again = plantedScan(11).found[0]!;
    expect(again.significant).toBe(true);
    const known = tracked('x', first.cells, first.startDate, first.endDate);
    expect(matchTracked(again, [known])?.id).toBe('x');
  });
});

describe('exposure sites', () => {
  const H = 3_600_000;
  const T0 = Date.UTC(2024, 2, 10, 8);
  const cellA = latLngToCell(48.8566, 2.3522, 10);
  const cellB = latLngToCell(48.87, 2.33, 10);
  const stay = (
    caseId: string,
    kind: 'cell' | 'venue',
    place: string,
    startH: number,
    endH: number,
    windowStartH = -100,
    windowEndH = 100,
  ): InfectiousStay => ({
    caseId,
    kind,
    place,
    startMs: T0 + startH * H,
    endMs: T0 + endH * H,
    windowStart: T0 + windowStartH * H,
    windowEnd: T0 + windowEndH * H,
  });
  const all = { since: T0 - 1000 * H, until: T0 + 1000 * H, resolution: null };

  it('merges overlapping and touching stays per place, counting distinct cases', () => {
    const sites = exposureSites(
      [
        stay('c1', 'cell', cellA, 0, 2),
        stay('c2', 'cell', cellA, 1, 3), // overlaps c1
        stay('c1', 'cell', cellA, 3, 4), // touches: same window
        stay('c1', 'cell', cellA, 10, 11), // separate window
        stay('c3', 'venue', 'bakery-42', 5, 6),
      ],
      all,
    );
    expect(sites).toEqual([
      {
        kind: 'cell',
        place: cellA,
        cases: 2,
        firstAt: T0,
        lastAt: T0 + 11 * H,
        windows: [
          { start: T0, end: T0 + 4 * H, cases: 2 },
          { start: T0 + 10 * H, end: T0 + 11 * H, cases: 1 },
        ],
      },
      {
        kind: 'venue',
        place: 'bakery-42',
        cases: 1,
        firstAt: T0 + 5 * H,
        lastAt: T0 + 6 * H,
        windows: [{ start: T0 + 5 * H, end: T0 + 6 * H, cases: 1 }],
      },
    ]);
  });

  it('keeps only the infectious part of a stay and the requested period', () => {
    const sites = exposureSites(
      [
        stay('c1', 'cell', cellA, 0, 10, 4, 100), // infectious from hour 4
        stay('c2', 'cell', cellB, 0, 2, 5, 100), // entirely before the window: dropped
        stay('c3', 'venue', 'gym', 0, 10), // clipped to until
      ],
      { since: T0 - 10 * H, until: T0 + 8 * H, resolution: null },
    );
    expect(sites.map((s) => [s.place, s.windows])).toEqual([
      [cellA, [{ start: T0 + 4 * H, end: T0 + 8 * H, cases: 1 }]],
      ['gym', [{ start: T0, end: T0 + 8 * H, cases: 1 }]],
    ]);
  });

  it('coarsens cells on request (venues stay as they are) and orders by latest presence', () => {
    const neighbour = gridDisk(cellA, 1).find((c) => cellToParent(c, 8) === cellToParent(cellA, 8) && c !== cellA)!;
    const sites = exposureSites(
      [stay('c1', 'cell', cellA, 0, 1), stay('c2', 'cell', neighbour, 2, 3), stay('c3', 'venue', 'gym', 0, 5)],
      { ...all, resolution: 8 },
    );
    expect(sites.map((s) => [s.kind, s.place, s.cases])).toEqual([
      ['venue', 'gym', 1],
      ['cell', cellToParent(cellA, 8), 2],
    ]);
    expect(getResolution(sites[1]!.place)).toBe(8);
  });
});
