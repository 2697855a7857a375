/**
 * Pure rules of infection zones: what the cluster scan is given, how a cluster found by one scan is recognised
 * in the next, and how exposure sites are built from the stays of infectious cases. No I/O, no clock.
 */
import { createHash } from 'node:crypto';
import { cellToLatLng, cellToParent, getResolution, isValidCell } from 'h3-js';
import { addDays, dayDifference } from '../../platform/time/calendar.js';
import type { CaseCount, ScanCluster, ScanResult } from './scan-statistic.js';

export interface ScanSettings {
  /** H3 resolution cases are counted at (their cells are mapped to this parent). */
  readonly resolution: number;
  /** Study period length N in days, ending today. */
  readonly days: number;
  /** Largest cylinder radius K in rings. */
  readonly maxRings: number;
  /** Longest cylinder D in days. */
  readonly maxDurationDays: number;
  readonly replications: number;
  readonly seed: string;
  readonly minCases: number;
  /** A cluster whose recurrence interval reaches this many days is significant and raises an alert. */
  readonly alertRecurrenceDays: number;
}

export interface StudyPeriod {
  readonly start: string;
  readonly end: string;
}

/** The last `days` calendar days ending on `today`, inclusive. */
export function studyPeriod(today: string, days: number): StudyPeriod {
  return { start: addDays(today, -(days - 1)), end: today };
}

/** A case as the scan needs it: where (any H3 resolution, or unknown) and when it was reported. */
export interface ScannableCase {
  readonly cell: string | null;
  readonly report_date: string;
}

export interface ScanInput {
  /** Counts per (cell at the scan resolution, day index), sorted by cell then day: deterministic. */
  readonly counts: CaseCount[];
  readonly totalCases: number;
  /** Cases that could be placed: a valid cell at the scan resolution or finer. */
  readonly locatedCases: number;
}

/** The cell of `cell` at `resolution`, or null when unknown, invalid or coarser than `resolution`. */
export function cellAtResolution(cell: string | null, resolution: number): string | null {
  if (cell === null || !isValidCell(cell)) return null;
  const own = getResolution(cell);
  if (own < resolution) return null;
  return own === resolution ? cell : cellToParent(cell, resolution);
}

/**
 * Aggregates cases into the scan's (cell, day) counts. Day index 0 is the period's first day, days-1 "today".
 * Cases reported outside the period are ignored; cases without a usable cell are counted but not scanned.
 */
export function scanInput(cases: Iterable<ScannableCase>, period: StudyPeriod, resolution: number): ScanInput {
  const days = dayDifference(period.end, period.start) + 1;
  const counts = new Map<string, number>();
  // Cases share cells: each distinct cell is looked up in H3 once.
  const parents = new Map<string | null, string | null>();
  let total = 0;
  let located = 0;
  for (const c of cases) {
    const day = dayDifference(c.report_date, period.start);
    if (!(day >= 0 && day < days)) continue;
    total++;
    let cell = parents.get(c.cell);
    if (cell === undefined) {
      cell = cellAtResolution(c.cell, resolution);
      parents.set(c.cell, cell);
    }
    if (cell === null) continue;
    located++;
    const key = `${cell}|${String(day).padStart(6, '0')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out = [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, count]) => {
      const [cell, day] = key.split('|') as [string, string];
      return { cell, day: Number(day), count };
    });
  return { counts: out, totalCases: total, locatedCases: located };
}

/** Same data and settings on the same period give the same fingerprint: the scan need not run again. */
export function inputFingerprint(input: ScanInput, period: StudyPeriod, settings: ScanSettings): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([period, settings, input.totalCases]));
  for (const c of input.counts) hash.update(`${c.cell}|${c.day}|${c.count ?? 1};`);
  return hash.digest('hex');
}

/** A cluster of one scan with calendar dates and its significance. */
export interface FoundCluster {
  readonly rank: number;
  readonly resolution: number;
  readonly centre: string;
  readonly radius: number;
  readonly cells: readonly string[];
  readonly startDate: string;
  readonly endDate: string;
  readonly durationDays: number;
  readonly observed: number;
  readonly expected: number;
  readonly observedOverExpected: number;
  /** null for an infinite relative risk (every case of the period inside). */
  readonly relativeRisk: number | null;
  readonly llr: number;
  readonly pValue: number;
  readonly recurrenceIntervalDays: number;
  readonly significant: boolean;
}

export function foundClusters(
  result: ScanResult,
  period: StudyPeriod,
  settings: Pick<ScanSettings, 'resolution' | 'alertRecurrenceDays'>,
): FoundCluster[] {
  return result.clusters.map((c: ScanCluster) => ({
    rank: c.rank,
    resolution: settings.resolution,
    centre: c.centre,
    radius: c.radius,
    cells: [...c.cells],
    startDate: addDays(period.start, c.startDay),
    endDate: addDays(period.start, c.endDay),
    durationDays: c.durationDays,
    observed: c.observed,
    expected: c.expected,
    observedOverExpected: c.observedOverExpected,
    relativeRisk: Number.isFinite(c.relativeRisk) ? c.relativeRisk : null,
    llr: c.llr,
    pValue: c.pValue,
    recurrenceIntervalDays: c.recurrenceIntervalDays,
    significant: c.recurrenceIntervalDays >= settings.alertRecurrenceDays * (1 - 1e-12),
  }));
}

/** A cluster followed across scans (its latest significant detection). */
export interface TrackedCluster {
  readonly id: string;
  readonly resolution: number;
  readonly cells: readonly string[];
  readonly startDate: string;
  readonly endDate: string;
}

/**
 * Cluster identity across scans. A significant cluster found now is a tracked cluster found again when
 *   - both are at the same H3 resolution,
 *   - their bases share at least one cell, and
 *   - it is ongoing: the new cylinder starts no later than the day after the tracked cluster's last significant
 *     cylinder ended (their time windows overlap or touch).
 * Several candidates: the one sharing most cells, then the one seen most recently, then the smallest id.
 * A cluster that was not significant for a while and whose new cylinder starts after that gap is a new one.
 */
export function matchTracked(
  found: Pick<FoundCluster, 'resolution' | 'cells' | 'startDate'>,
  tracked: readonly TrackedCluster[],
): TrackedCluster | null {
  const cells = new Set(found.cells);
  let best: TrackedCluster | null = null;
  let bestShared = 0;
  for (const t of tracked) {
    if (t.resolution !== found.resolution) continue;
    if (found.startDate > addDays(t.endDate, 1)) continue;
    let shared = 0;
    for (const cell of t.cells) if (cells.has(cell)) shared++;
    if (shared === 0) continue;
    const better =
      best === null ||
      shared > bestShared ||
      (shared === bestShared && (t.endDate > best.endDate || (t.endDate === best.endDate && t.id < best.id)));
    if (better) {
      best = t;
      bestShared = shared;
    }
  }
  return best;
}

/** The unique key of a new tracked cluster: two processes scanning the same data cannot both create it. */
export function identityKey(found: Pick<FoundCluster, 'resolution' | 'centre' | 'startDate'>): string {
  return `${found.resolution}:${found.centre}:${found.startDate}`;
}

export function cellCentre(cell: string): { lat: number; lng: number } {
  const [lat, lng] = cellToLatLng(cell);
  return { lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6 };
}

// ---- exposure sites ---------------------------------------------------------------------------------------

/** One stay of an infectious case at a place: an H3 cell (location) or a venue (check-in). */
export interface InfectiousStay {
  readonly caseId: string;
  readonly kind: 'cell' | 'venue';
  /** H3 cell or venue code. */
  readonly place: string;
  readonly startMs: number;
  readonly endMs: number;
  /** The case's infectious window [windowStart, windowEnd). */
  readonly windowStart: number;
  readonly windowEnd: number;
}

export interface SiteWindow {
  readonly start: number;
  readonly end: number;
  readonly cases: number;
}

export interface ExposureSiteDraft {
  readonly kind: 'cell' | 'venue';
  readonly place: string;
  readonly cases: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly windows: readonly SiteWindow[];
}

export interface SiteRules {
  /** Only presence inside [since, until) counts. */
  readonly since: number;
  readonly until: number;
  /** Coarsen cells to this resolution (null: as stored). */
  readonly resolution: number | null;
}

/**
 * Exposure sites: each stay is clipped to its case's infectious window and to [since, until); cells may be
 * coarsened; per place, overlapping or touching stays are merged into windows, each with the number of distinct
 * cases present in it. Sites are ordered by their last presence, latest first, then by kind and place.
 */
export function exposureSites(stays: Iterable<InfectiousStay>, rules: SiteRules): ExposureSiteDraft[] {
  const byPlace = new Map<
    string,
    { kind: 'cell' | 'venue'; place: string; pieces: Array<{ start: number; end: number; caseId: string }> }
  >();
  for (const stay of stays) {
    const start = Math.max(stay.startMs, stay.windowStart, rules.since);
    const end = Math.min(stay.endMs, stay.windowEnd, rules.until);
    if (!(end > start)) continue;
    let place = stay.place;
    if (stay.kind === 'cell' && rules.resolution !== null) {
      const coarse = cellAtResolution(place, rules.resolution);
      if (coarse === null) continue;
      place = coarse;
    }
    const key = `${stay.kind}|${place}`;
    let entry = byPlace.get(key);
    if (entry === undefined) {
      entry = { kind: stay.kind, place, pieces: [] };
      byPlace.set(key, entry);
    }
    entry.pieces.push({ start, end, caseId: stay.caseId });
  }
  const sites: ExposureSiteDraft[] = [];
  for (const { kind, place, pieces } of byPlace.values()) {
    pieces.sort((a, b) => a.start - b.start || a.end - b.end);
    const windows: SiteWindow[] = [];
    let current: { start: number; end: number; cases: Set<string> } | null = null;
    for (const piece of pieces) {
      if (current !== null && piece.start <= current.end) {
        current.end = Math.max(current.end, piece.end);
        current.cases.add(piece.caseId);
        continue;
      }
      if (current !== null) windows.push({ start: current.start, end: current.end, cases: current.cases.size });
      current = { start: piece.start, end: piece.end, cases: new Set([piece.caseId]) };
    }
    if (current !== null) windows.push({ start: current.start, end: current.end, cases: current.cases.size });
    sites.push({
      kind,
      place,
      cases: new Set(pieces.map((p) => p.caseId)).size,
      firstAt: windows[0]!.start,
      lastAt: Math.max(...windows.map((w) => w.end)),
      windows,
    });
  }
  return sites.sort(compareSites);
}

/** Sort order of exposure sites (and of their pagination cursor). */
export function compareSites(
  a: Pick<ExposureSiteDraft, 'lastAt' | 'kind' | 'place'>,
  b: Pick<ExposureSiteDraft, 'lastAt' | 'kind' | 'place'>,
): number {
  if (a.lastAt !== b.lastAt) return b.lastAt - a.lastAt;
  const ka = `${a.kind}|${a.place}`;
  const kb = `${b.kind}|${b.place}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
