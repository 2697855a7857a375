/**
 * First steps of the scan statistic (see scan-statistic.ts): validated settings, and the input cases turned into
 * integer-indexed count tables (per cell, per day, per window offset) and the labels the permutation shuffles.
 */

import { gridDiskDistances, isValidCell } from 'h3-js';
import { hashSeed } from './prng.js';
import type { CaseCount, RingsFunction, ScanOptions } from './scan-types.js';

const DEFAULT_REPLICATIONS = 999;
const DEFAULT_MAX_CASE_FRACTION = 0.5;
const DEFAULT_MIN_CASES = 2;
const DEFAULT_MAX_CLUSTERS = 10;
const MAX_RINGS_LIMIT = 1000;
const MAX_DAYS_LIMIT = 100_000;
const MAX_REPLICATIONS = 10_000_000;

export function isPositiveInt(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

const h3Rings: RingsFunction = (cell, k) => gridDiskDistances(cell, k);

/** The options with their defaults applied, checked. */
export interface ResolvedScanOptions {
  /** Study period N, in days. */
  readonly days: number;
  /** Maximum radius K, in rings. */
  readonly maxRings: number;
  /** Maximum duration D, in days. */
  readonly maxDuration: number;
  readonly replications: number;
  readonly maxCaseFraction: number;
  readonly minCases: number;
  readonly maxClusters: number;
  readonly analysesPerDay: number;
  /** The hashed seed. */
  readonly seed: number;
  readonly rings: RingsFunction;
  /** Whether cells must be valid H3 cells (when the default H3 rings are used). */
  readonly validateH3: boolean;
}

/** Applies the defaults and checks every option; throws a TypeError or RangeError naming the bad one. */
export function resolveOptions(options: ScanOptions): ResolvedScanOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('scan options are required');
  const N = options.days;
  const K = options.maxRings;
  const D = options.maxDurationDays;
  const R = options.replications ?? DEFAULT_REPLICATIONS;
  const maxFraction = options.maxCaseFraction ?? DEFAULT_MAX_CASE_FRACTION;
  const minCases = options.minCases ?? DEFAULT_MIN_CASES;
  const maxClusters = options.maxClusters ?? DEFAULT_MAX_CLUSTERS;
  const analysesPerDay = options.analysesPerDay ?? 1;
  if (!isPositiveInt(N, 1, MAX_DAYS_LIMIT)) {
    throw new RangeError(`days must be an integer in [1, ${MAX_DAYS_LIMIT}], got ${String(N)}`);
  }
  if (!isPositiveInt(K, 0, MAX_RINGS_LIMIT)) {
    throw new RangeError(`maxRings must be an integer in [0, ${MAX_RINGS_LIMIT}], got ${String(K)}`);
  }
  if (!isPositiveInt(D, 1, N)) {
    throw new RangeError(`maxDurationDays must be an integer in [1, days=${N}], got ${String(D)}`);
  }
  if (!isPositiveInt(R, 1, MAX_REPLICATIONS)) {
    throw new RangeError(`replications must be an integer in [1, ${MAX_REPLICATIONS}], got ${String(R)}`);
  }
  if (typeof maxFraction !== 'number' || !(maxFraction > 0 && maxFraction <= 1)) {
    throw new RangeError(`maxCaseFraction must be in (0, 1], got ${String(maxFraction)}`);
  }
  if (!isPositiveInt(minCases, 1, Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`minCases must be a positive integer, got ${String(minCases)}`);
  }
  if (!isPositiveInt(maxClusters, 1, Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`maxClusters must be a positive integer, got ${String(maxClusters)}`);
  }
  if (typeof analysesPerDay !== 'number' || !(analysesPerDay > 0) || !Number.isFinite(analysesPerDay)) {
    throw new RangeError(`analysesPerDay must be a positive number, got ${String(analysesPerDay)}`);
  }
  if (options.rings !== undefined && typeof options.rings !== 'function') {
    throw new TypeError('rings must be a function (cell, k) => string[][]');
  }
  return {
    days: N,
    maxRings: K,
    maxDuration: D,
    replications: R,
    maxCaseFraction: maxFraction,
    minCases,
    maxClusters,
    analysesPerDay,
    seed: hashSeed(options.seed ?? 0),
    rings: options.rings ?? h3Rings,
    validateH3: options.rings === undefined,
  };
}

/** Cases per day of each cell with at least one case (insertion order), and their total C. */
export interface CasesPerCell {
  readonly perCell: Map<string, Float64Array>;
  readonly total: number;
}

/** Checks every case record and sums the counts per cell and day (records with count 0 are checked, then ignored). */
export function aggregateCases(cases: Iterable<CaseCount>, days: number, validateH3: boolean): CasesPerCell {
  const N = days;
  if (cases === null || cases === undefined || typeof (cases as Iterable<CaseCount>)[Symbol.iterator] !== 'function') {
    throw new TypeError('cases must be an iterable of { cell, day, count? }');
  }
  const perCell = new Map<string, Float64Array>();
  let total = 0;
  let row = 0;
  for (const rec of cases) {
    if (rec === null || typeof rec !== 'object') throw new TypeError(`case record ${row} is not an object`);
    const { cell, day } = rec;
    const count = rec.count ?? 1;
    if (typeof cell !== 'string' || cell.length === 0) {
      throw new TypeError(`case record ${row}: cell must be a non-empty string`);
    }
    if (!isPositiveInt(day, 0, N - 1)) {
      throw new RangeError(`case record ${row}: day must be an integer in [0, ${N - 1}], got ${String(day)}`);
    }
    if (!isPositiveInt(count, 0, Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`case record ${row}: count must be a non-negative integer, got ${String(count)}`);
    }
    row++;
    if (count === 0) continue;
    let arr = perCell.get(cell);
    if (arr === undefined) {
      if (validateH3 && !isValidCell(cell)) throw new RangeError(`case record ${row - 1}: invalid H3 cell "${cell}"`);
      arr = new Float64Array(N);
      perCell.set(cell, arr);
    }
    arr[day] = (arr[day] ?? 0) + count;
    total += count;
  }
  if (total > 0x7fffffff) throw new RangeError(`too many cases (${total}); at most 2^31-1 are supported`);
  return { perCell, total };
}

/** The cell/day count table, with cells as sorted integer indices (results do not depend on the input order). */
export interface CountTable {
  /** Sorted cells with at least one case; a cell's index in this list is its id everywhere else. */
  readonly cellIds: string[];
  readonly cellIndex: Map<string, number>;
  /** c_z.: cases of cell z over the study period. */
  readonly cellTotal: Float64Array;
  /** c_.d: cases of all cells on day d. */
  readonly dayTotal: Float64Array;
  /** slots[z * D + t] = cases of cell z on day (days-1-t). */
  readonly observedSlots: Int32Array;
  /** Cell index of each case, sorted by cell. */
  readonly caseCell: Int32Array | Uint16Array;
}

/** Builds the count table from the per-cell counts (C of them in total); empties `perCell` to free it. */
export function buildCountTable(perCell: Map<string, Float64Array>, C: number, days: number, D: number): CountTable {
  const N = days;
  const cellIds = [...perCell.keys()].sort();
  const nCells = cellIds.length;
  const cellIndex = new Map<string, number>();
  for (let i = 0; i < nCells; i++) cellIndex.set(cellIds[i]!, i);

  const cellTotal = new Float64Array(nCells);
  const dayTotal = new Float64Array(N);
  const observedSlots = new Int32Array(nCells * D);
  const caseCell = nCells <= 0x10000 ? new Uint16Array(C) : new Int32Array(C);
  let k = 0;
  for (let z = 0; z < nCells; z++) {
    const arr = perCell.get(cellIds[z]!)!;
    let s = 0;
    for (let d = 0; d < N; d++) {
      const v = arr[d]!;
      s += v;
      dayTotal[d] = dayTotal[d]! + v;
    }
    cellTotal[z] = s;
    caseCell.fill(z, k, k + s);
    k += s;
    for (let t = 0; t < D; t++) observedSlots[z * D + t] = arr[N - 1 - t]!;
  }
  perCell.clear();
  return { cellIds, cellIndex, cellTotal, dayTotal, observedSlots, caseCell };
}

/** The scanned window: the last D days, as offsets t (0 = last day). */
export interface TimeWindow {
  /** m_t = cases of all cells in the last t+1 days. */
  readonly windowTotal: Float64Array;
  /** The offset t of each day label falling in the window (the labels the permutation hands out). */
  readonly windowLabel: Int32Array;
}

export function buildTimeWindow(dayTotal: Float64Array, days: number, D: number): TimeWindow {
  const N = days;
  const windowTotal = new Float64Array(D);
  let W = 0;
  for (let t = 0; t < D; t++) {
    W += dayTotal[N - 1 - t]!;
    windowTotal[t] = W;
  }
  const windowLabel = new Int32Array(W);
  let k = 0;
  for (let t = 0; t < D; t++) {
    const n = dayTotal[N - 1 - t]!;
    windowLabel.fill(t, k, k + n);
    k += n;
  }
  return { windowTotal, windowLabel };
}
