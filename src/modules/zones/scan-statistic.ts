/**
 * Prospective space-time permutation scan statistic over H3 cells.
 *
 * Method: M. Kulldorff, R. Heffernan, J. Hartman, R. Assunção, F. Mostashari, "A space-time permutation scan
 * statistic for disease outbreak detection", PLoS Medicine 2(3): e59, 2005 (SaTScan's "prospective space-time
 * permutation" analysis). Pure computation: no I/O, no clock, no global state; a fixed seed gives identical results.
 *
 * Notation (study period of N days, day indices 0..N-1, day N-1 is "today"):
 *   c_zd            observed cases in cell z on day d;  C = sum of all c_zd
 *   mu_zd           = c_z. * c_.d / C   (expected count when space and time are independent: the null hypothesis)
 *   cylinder A      = base Z (a centre cell plus its rings 0..r, r <= K) x time window T (the last t+1 days,
 *                     t+1 <= D). Prospective: every window ends on the last day, so only "alive" clusters count.
 *   c_A, mu_A       = sums over A; since mu is a product, mu_A = (sum_{z in Z} c_z.) * (sum_{d in T} c_.d) / C.
 *   GLR(A)          = (c_A/mu_A)^c_A * ((C-c_A)/(C-mu_A))^(C-c_A)   when c_A > mu_A (high-rate clusters only)
 *   LLR(A)          = c_A ln(c_A/mu_A) + (C-c_A) ln((C-c_A)/(C-mu_A))
 *   statistic       = max over cylinders of LLR(A); its cylinder is the most likely cluster.
 *
 * Inference: the null distribution is built by Monte Carlo. A replicate keeps every case in its cell and
 * randomly permutes the days among the cases, so every cell total c_z. and every day total c_.d is unchanged
 * (therefore the expected counts mu_A do not change either: they are computed once). With R replicates, the
 * p-value of a cluster with log likelihood ratio L is rank / (R + 1), rank = 1 + #{replicates whose maximum LLR
 * is >= L}. Secondary clusters are compared with the same distribution of maxima (conservative, as in SaTScan).
 *
 * Recurrence interval: for an analysis repeated `analysesPerDay` times a day (1 for the daily analysis of the
 * paper), RI = 1 / (p * analysesPerDay) days: the expected time between false alarms at least as strong when
 * there is no outbreak. E.g. p = 0.01 in a daily analysis -> once every 100 days.
 *
 * Candidate set (fixed before seeing the day labels, so the permutation test stays exact):
 *   - centres are the cells with at least one case in the study period;
 *   - for each centre the bases are ring 0..K disks; a ring that adds no cell with cases is skipped (it would
 *     repeat the previous cylinder), so the reported radius is the smallest one giving that set of cases;
 *   - `maxCaseFraction` caps the size of a base, as SaTScan's maximum spatial cluster size for this model: a base
 *     may hold at most that fraction of all cases of the study period (c_Z. <= f * C). The base totals do not
 *     change under permutation, so the capped set of cylinders is the same in every replicate;
 *   - `minCases` (default 2, SaTScan's default for high-rate clusters) is applied in observed and replicate data.
 *
 * Reported clusters: the best cylinder of each centre, in decreasing LLR; a cylinder is skipped when its base
 * shares a cell (any cell of the disk, with or without cases) with a cluster already reported (SaTScan's "no
 * geographical overlap" rule for secondary clusters). At most `maxClusters` are returned; filter on pValue.
 *
 * Performance design (per data set the work is O(cases in the window + cell-level pairs + cylinders)):
 *   - cells and cases become integer indices, sorted (results do not depend on the input order);
 *   - disks are precomputed once per centre as incremental rings ("levels": the cells with cases that ring r adds),
 *     with the inverse index cell -> levels containing it;
 *   - expected counts and the log terms depend only on the margins, which the permutation keeps: they are
 *     precomputed per cylinder, LLR = T[c] - c * a_A - b_A with a table T, so the inner loop has no logarithm;
 *   - a replicate draws only the day labels that fall in the last D days (partial Fisher-Yates shuffle), counts
 *     them per (cell, day) slot, scatters the slots to the levels (sequential in cell order, so cache-friendly),
 *     then one pass per centre accumulates the rings outwards and the days from the last day backwards: the count
 *     of every (radius, duration) cylinder is a running sum;
 *   - all buffers are typed arrays allocated once per run; nothing is allocated per replicate.
 */

import { gridDiskDistances, isValidCell } from 'h3-js';
import { Xoshiro128, hashSeed, type Seed } from './prng.js';

/** Cases of one (cell, day); `count` defaults to 1, so a list of individual cases is accepted too. */
export interface CaseCount {
  readonly cell: string;
  /** Day index in the study period, 0..days-1; days-1 is the last (most recent) day. */
  readonly day: number;
  readonly count?: number;
}

/**
 * Rings around a cell: result[0] must contain the cell itself, result[i] the cells at grid distance i,
 * for i = 0..k (fewer rings are allowed). Default: h3 gridDiskDistances.
 */
export type RingsFunction = (cell: string, k: number) => readonly (readonly string[])[];

export interface ScanOptions {
  /** Length N of the study period in days. */
  readonly days: number;
  /** Maximum radius K of a cylinder base, in H3 rings (0 = single cell). */
  readonly maxRings: number;
  /** Maximum duration D of a cylinder in days (1..days). */
  readonly maxDurationDays: number;
  /** Number R of Monte Carlo replications (default 999). */
  readonly replications?: number;
  /** Seed of the permutations (default 0). The same seed and data give the same results. */
  readonly seed?: Seed;
  /** Largest share of all cases a cylinder base may hold, in (0, 1] (default 0.5). */
  readonly maxCaseFraction?: number;
  /** Minimum observed cases in a cluster (default 2). */
  readonly minCases?: number;
  /** Maximum number of clusters reported: the most likely one plus non-overlapping secondary ones (default 10). */
  readonly maxClusters?: number;
  /** How many times a day the analysis runs, for the recurrence interval (default 1). */
  readonly analysesPerDay?: number;
  /** Neighbourhood function (default: H3 gridDiskDistances; cells must then be valid H3 cells). */
  readonly rings?: RingsFunction;
  /** Return the R replicate maxima (default false). */
  readonly returnReplicateMaxima?: boolean;
}

export interface ScanCluster {
  /** 1 = most likely cluster, 2.. = secondary clusters in decreasing LLR. */
  readonly rank: number;
  readonly centre: string;
  /** Radius in rings. */
  readonly radius: number;
  /** All cells of the base (ring 0..radius, sorted), including cells without cases. */
  readonly cells: string[];
  /** Cells of the base that have cases in the study period (sorted). */
  readonly casesCells: string[];
  readonly startDay: number;
  readonly endDay: number;
  readonly durationDays: number;
  readonly observed: number;
  readonly expected: number;
  /** observed / expected. */
  readonly observedOverExpected: number;
  /** Inside vs outside: (c/mu) / ((C-c)/(C-mu)); Infinity when every case is inside. */
  readonly relativeRisk: number;
  readonly llr: number;
  readonly pValue: number;
  /** 1 / (pValue * analysesPerDay), in days. */
  readonly recurrenceIntervalDays: number;
}

export interface ScanResult {
  readonly totalCases: number;
  readonly days: number;
  readonly cellsWithCases: number;
  /** Distinct (centre, radius, duration) cylinders evaluated per data set. */
  readonly cylinders: number;
  readonly replications: number;
  /** Maximum LLR over all cylinders of the observed data (0 when no cylinder has c > mu). */
  readonly maxLlr: number;
  /** p-value of the maximum (1 when there is no candidate cluster). */
  readonly pValue: number;
  readonly clusters: ScanCluster[];
  readonly replicateMaxLlr?: Float64Array;
}

/** A cluster found in the observed data before inference. */
export interface ClusterCandidate extends Omit<ScanCluster, 'pValue' | 'recurrenceIntervalDays'> {
  /** The LLR as computed by the fast table formula, compared with the replicate maxima (same arithmetic). */
  readonly scanLlr: number;
}

/**
 * Everything needed to run replicates, all plain data and typed arrays (structured-cloneable, e.g. to a worker).
 */
export interface PreparedScan {
  readonly days: number;
  readonly maxDuration: number;
  readonly totalCases: number;
  readonly replications: number;
  readonly seed: number;
  readonly minCases: number;
  readonly analysesPerDay: number;
  /** Sorted cells with at least one case. */
  readonly cellIds: string[];
  /** Cell index of each case (sorted by cell); 16-bit when there are at most 65,536 cells (less memory traffic). */
  readonly caseCell: Int32Array | Uint16Array;
  /** Window offsets t (0 = last day) of the day labels falling in the last D days, one per such case. */
  readonly windowLabel: Int32Array;
  /** Observed counts of the scanned window: slots[z * D + t] = cases of cell z on day (days-1-t). */
  readonly observedSlots: Int32Array;
  /** levels of centre i are levelStart[i] .. levelStart[i+1]-1 (centres = cell indices). */
  readonly centreLevelStart: Int32Array;
  readonly levelRadius: Int32Array;
  /** New cells (with cases) of level g are levelCells[levelCellStart[g] .. levelCellStart[g+1]-1]. */
  readonly levelCellStart: Int32Array;
  readonly levelCells: Int32Array;
  /**
   * Inverse index: the levels in which cell z is a new cell are cellLevelBase[cellLevelStart[z] ..
   * cellLevelStart[z+1]-1], each stored as g * D (the index of that level's first cylinder).
   */
  readonly cellLevelStart: Int32Array;
  readonly cellLevelBase: Int32Array;
  /** Expected count of cylinder (level g, duration t+1) at index g * D + t; Infinity when never evaluable. */
  readonly mu: Float64Array;
  readonly slope: Float64Array;
  readonly offset: Float64Array;
  /** Smallest count evaluated for a cylinder: max(minCases, floor(mu) + 1), i.e. c >= minCases and c > mu. */
  readonly minCount: Int32Array;
  /** T[c] = c ln(c/C) + (C-c) ln(1 - c/C). */
  readonly llrTable: Float64Array;
  readonly cylinders: number;
  readonly observedMaxLlr: number;
  readonly candidates: ClusterCandidate[];
}

const DEFAULT_REPLICATIONS = 999;
const DEFAULT_MAX_CASE_FRACTION = 0.5;
const DEFAULT_MIN_CASES = 2;
const DEFAULT_MAX_CLUSTERS = 10;
const MAX_RINGS_LIMIT = 1000;
const MAX_DAYS_LIMIT = 100_000;
const MAX_REPLICATIONS = 10_000_000;
/** minCount of a cylinder that can never be a high-rate cluster. */
const NEVER = 0x7fffffff;

/** Tolerance of the rank comparison: replicate maxima within it of the observed value count as ties (>=). */
function tieTolerance(llr: number): number {
  return 1e-9 * Math.max(1, Math.abs(llr));
}

function isPositiveInt(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

const h3Rings: RingsFunction = (cell, k) => gridDiskDistances(cell, k);

/**
 * Validates the input, aggregates counts, builds the candidate cylinders and scans the observed data.
 */
export function prepareScan(cases: Iterable<CaseCount>, options: ScanOptions): PreparedScan {
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
  const seed = hashSeed(options.seed ?? 0);
  const rings = options.rings ?? h3Rings;
  const validateH3 = options.rings === undefined;

  // ---- aggregate counts per cell and day -------------------------------------------------------------------
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
  const C = total;

  const cellIds = [...perCell.keys()].sort();
  const nCells = cellIds.length;
  const cellIndex = new Map<string, number>();
  for (let i = 0; i < nCells; i++) cellIndex.set(cellIds[i]!, i);

  const cellTotal = new Float64Array(nCells);
  const dayTotal = new Float64Array(N);
  const observedSlots = new Int32Array(nCells * D);
  const caseCell = nCells <= 0x10000 ? new Uint16Array(C) : new Int32Array(C);
  {
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
  }
  perCell.clear();

  // window totals m_t = cases of all cells in the last t+1 days; window labels for the permutation.
  const windowTotal = new Float64Array(D);
  let W = 0;
  for (let t = 0; t < D; t++) {
    W += dayTotal[N - 1 - t]!;
    windowTotal[t] = W;
  }
  const windowLabel = new Int32Array(W);
  {
    let k = 0;
    for (let t = 0; t < D; t++) {
      const n = dayTotal[N - 1 - t]!;
      windowLabel.fill(t, k, k + n);
      k += n;
    }
  }

  // ---- candidate bases: incremental rings per centre ------------------------------------------------------
  const capCases = maxFraction * C * (1 + 1e-12);
  const centreLevelStart = new Int32Array(nCells + 1);
  const levelRadiusList: number[] = [];
  const levelCellStartList: number[] = [0];
  const levelCellsList: number[] = [];
  const levelBaseList: number[] = [];
  const stamp = new Int32Array(nCells);
  for (let i = 0; i < nCells; i++) {
    centreLevelStart[i] = levelRadiusList.length;
    const centre = cellIds[i]!;
    const rs = rings(centre, K);
    if (!Array.isArray(rs) || rs.length === 0 || !Array.isArray(rs[0]) || !rs[0].includes(centre)) {
      throw new Error(`rings(${centre}, ${K}) must return an array of rings whose ring 0 contains the centre`);
    }
    let base = 0;
    const maxR = Math.min(K, rs.length - 1);
    for (let r = 0; r <= maxR; r++) {
      const ring = rs[r];
      if (!Array.isArray(ring)) throw new Error(`rings(${centre}, ${K})[${r}] is not an array`);
      let added = 0;
      let addedCases = 0;
      for (const c of ring as readonly string[]) {
        const z = cellIndex.get(c);
        if (z === undefined || stamp[z] === i + 1) continue; // no cases, or already in an inner ring
        stamp[z] = i + 1;
        levelCellsList.push(z);
        added++;
        addedCases += cellTotal[z]!;
      }
      if (added === 0) continue;
      base += addedCases;
      if (base > capCases) {
        levelCellsList.length -= added; // this ring exceeds the cap: stop growing this centre
        break;
      }
      levelRadiusList.push(r);
      levelBaseList.push(base);
      levelCellStartList.push(levelCellsList.length);
    }
  }
  centreLevelStart[nCells] = levelRadiusList.length;
  const nLevels = levelRadiusList.length;
  const levelRadius = Int32Array.from(levelRadiusList);
  const levelCellStart = Int32Array.from(levelCellStartList);
  const levelCells = Int32Array.from(levelCellsList);
  // inverse index cell -> levels (as g * D), by counting sort
  const cellLevelStart = new Int32Array(nCells + 1);
  for (let k = 0; k < levelCells.length; k++) cellLevelStart[levelCells[k]! + 1]!++;
  for (let z = 0; z < nCells; z++) cellLevelStart[z + 1] = cellLevelStart[z + 1]! + cellLevelStart[z]!;
  const cellLevelBase = new Int32Array(levelCells.length);
  {
    const fillPos = cellLevelStart.slice(0, nCells);
    for (let g = 0; g < nLevels; g++) {
      for (let k = levelCellStart[g]!; k < levelCellStart[g + 1]!; k++) {
        const z = levelCells[k]!;
        cellLevelBase[fillPos[z]!] = g * D;
        fillPos[z] = fillPos[z]! + 1;
      }
    }
  }

  // ---- cylinder constants (do not change under permutation) ------------------------------------------------
  // LLR = c ln(c/mu) + (C-c) ln((C-c)/(C-mu)) = T[c] - c * a - b with
  //   T[c] = c ln(c/C) + (C-c) ln(1 - c/C),  a = ln(mu/C) - ln(1 - mu/C),  b = C ln(1 - mu/C).
  const nCyl = nLevels * D;
  const mu = new Float64Array(nCyl);
  const slope = new Float64Array(nCyl);
  const offset = new Float64Array(nCyl);
  const minCount = new Int32Array(nCyl).fill(NEVER);
  for (let g = 0; g < nLevels; g++) {
    const nz = levelBaseList[g]!;
    for (let t = 0; t < D; t++) {
      const m = (nz * windowTotal[t]!) / C;
      const idx = g * D + t;
      if (!(m > 0) || m >= C) {
        mu[idx] = Infinity; // no case can exceed it: never a high-rate cluster
        continue;
      }
      mu[idx] = m;
      const q = m / C;
      slope[idx] = Math.log(q) - Math.log1p(-q);
      offset[idx] = C * Math.log1p(-q);
      minCount[idx] = Math.min(NEVER, Math.max(minCases, Math.floor(m) + 1));
    }
  }
  const llrTable = new Float64Array(C + 1);
  for (let c = 1; c <= C; c++) {
    const q = c / C;
    llrTable[c] = c * Math.log(q) + (c < C ? (C - c) * Math.log1p(-q) : 0);
  }

  const prepared: PreparedScan = {
    days: N,
    maxDuration: D,
    totalCases: C,
    replications: R,
    seed,
    minCases,
    analysesPerDay,
    cellIds,
    caseCell,
    windowLabel,
    observedSlots,
    centreLevelStart,
    levelRadius,
    levelCellStart,
    levelCells,
    cellLevelStart,
    cellLevelBase,
    mu,
    slope,
    offset,
    minCount,
    llrTable,
    cylinders: nCyl,
    observedMaxLlr: 0,
    candidates: [],
  };

  // ---- observed scan: best cylinder per centre --------------------------------------------------------------
  const best = scanBestPerCentre(prepared);
  let observedMax = 0;
  for (let i = 0; i < nCells; i++) if (best.llr[i]! > observedMax) observedMax = best.llr[i]!;

  const order: number[] = [];
  for (let i = 0; i < nCells; i++) if (best.cyl[i]! >= 0) order.push(i);
  order.sort((a, b) => best.llr[b]! - best.llr[a]! || a - b);

  const candidates: ClusterCandidate[] = [];
  const usedCells = new Set<string>();
  for (const i of order) {
    if (candidates.length >= maxClusters) break;
    const cyl = best.cyl[i]!;
    const g = Math.floor(cyl / D);
    const t = cyl - g * D;
    const radius = levelRadius[g]!;
    const centre = cellIds[i]!;
    const rs = rings(centre, radius);
    const cellSet = new Set<string>();
    for (let r = 0; r <= Math.min(radius, rs.length - 1); r++) for (const c of rs[r]!) cellSet.add(c);
    let overlaps = false;
    for (const c of cellSet) {
      if (usedCells.has(c)) {
        overlaps = true;
        break;
      }
    }
    if (overlaps) continue;
    for (const c of cellSet) usedCells.add(c);
    const casesCells: string[] = [];
    for (let h = centreLevelStart[i]!; h <= g; h++) {
      for (let k = levelCellStart[h]!; k < levelCellStart[h + 1]!; k++) casesCells.push(cellIds[levelCells[k]!]!);
    }
    const observed = best.count[i]!;
    const expected = mu[cyl]!;
    candidates.push({
      rank: candidates.length + 1,
      centre,
      radius,
      cells: [...cellSet].sort(),
      casesCells: casesCells.sort(),
      startDay: N - 1 - t,
      endDay: N - 1,
      durationDays: t + 1,
      observed,
      expected,
      observedOverExpected: observed / expected,
      relativeRisk: observed < C ? observed / expected / ((C - observed) / (C - expected)) : Infinity,
      llr: logLikelihoodRatio(observed, expected, C),
      scanLlr: best.llr[i]!,
    });
  }

  return { ...prepared, observedMaxLlr: observedMax, candidates };
}

/**
 * Poisson generalised log likelihood ratio of a cylinder with c observed and mu expected cases out of C,
 * c ln(c/mu) + (C-c) ln((C-c)/(C-mu)) when c > mu, else 0.
 */
export function logLikelihoodRatio(c: number, mu: number, C: number): number {
  if (!(c > mu) || !(mu > 0) || c > C) return 0;
  const inside = c * Math.log(c / mu);
  const outside = c < C ? (C - c) * Math.log((C - c) / (C - mu)) : 0;
  return inside + outside;
}

/** Per-centre best cylinder of the observed data. */
interface BestPerCentre {
  llr: Float64Array;
  cyl: Int32Array;
  count: Int32Array;
}

/** Reusable buffers (no allocation per replicate). */
interface Scratch {
  rng: Xoshiro128;
  /** Case -> cell indices, partially shuffled in place. */
  work: Int32Array | Uint16Array;
  /** Cases per (cell, window offset) of the current data set: slot[z * D + t]. */
  slot: Int32Array;
  /** New cases per cylinder level and offset: cnt[g * D + t] (not cumulative). */
  cnt: Int32Array;
  /** Running per-offset counts of the current centre's disk. */
  run: Int32Array;
}

function makeScratch(p: PreparedScan): Scratch {
  return {
    rng: new Xoshiro128(p.seed, 0),
    work: p.caseCell instanceof Uint16Array ? new Uint16Array(p.caseCell.length) : new Int32Array(p.caseCell.length),
    slot: new Int32Array(p.cellIds.length * p.maxDuration),
    cnt: new Int32Array(p.cylinders),
    run: new Int32Array(p.maxDuration),
  };
}

/**
 * The scan kernel, shared by the observed data and every replicate (so both use identical arithmetic).
 * Input: cnt[g * D + t] = cases on day offset t in the cells that level g adds to its centre's disk.
 * For each centre, levels are visited from the inside out keeping run[t] = cases of the disk on offset t; the
 * count of cylinder (g, duration t+1) is then the running sum of run[0..t] (last day backwards).
 * Returns the maximum LLR (0 if no cylinder has c > mu and c >= minCases); fills `rec` when given.
 */
function scanKernel(p: PreparedScan, cnt: Int32Array, run: Int32Array, rec: BestPerCentre | null): number {
  const D = p.maxDuration;
  const { centreLevelStart, minCount, slope, offset, llrTable } = p;
  const nCentres = centreLevelStart.length - 1;
  let best = 0;
  for (let i = 0; i < nCentres; i++) {
    const g0 = centreLevelStart[i]!;
    const g1 = centreLevelStart[i + 1]!;
    if (g0 === g1) continue;
    for (let t = 0; t < D; t++) run[t] = 0;
    let centreBest = 0;
    for (let base = g0 * D, end = g1 * D; base < end; base += D) {
      let c = 0;
      for (let t = 0; t < D; t++) {
        const cy = base + t;
        const r = run[t]! + cnt[cy]!;
        run[t] = r;
        c += r;
        // Branch-free test (the outcome is close to a coin flip, so a branch would be mispredicted half the time):
        // ok = 1 when c >= minCount (c > mu and c >= minCases), else 0.
        const ok = (minCount[cy]! - c - 1) >>> 31;
        const llr = ok * (llrTable[c]! - c * slope[cy]! - offset[cy]!);
        if (llr > centreBest) {
          centreBest = llr;
          if (rec !== null) {
            rec.cyl[i] = cy;
            rec.count[i] = c;
          }
        }
      }
    }
    if (rec !== null) rec.llr[i] = centreBest;
    if (centreBest > best) best = centreBest;
  }
  return best;
}

/** Observed-data scan keeping the best cylinder of each centre. */
function scanBestPerCentre(p: PreparedScan): BestPerCentre {
  const D = p.maxDuration;
  const nCentres = p.cellIds.length;
  const rec: BestPerCentre = {
    llr: new Float64Array(nCentres),
    cyl: new Int32Array(nCentres).fill(-1),
    count: new Int32Array(nCentres),
  };
  const { cellLevelStart, cellLevelBase, observedSlots } = p;
  const cnt = new Int32Array(p.cylinders);
  for (let z = 0; z < nCentres; z++) {
    for (let t = 0; t < D; t++) {
      const n = observedSlots[z * D + t]!;
      if (n === 0) continue;
      for (let h = cellLevelStart[z]!; h < cellLevelStart[z + 1]!; h++) {
        const cy = cellLevelBase[h]! + t;
        cnt[cy] = cnt[cy]! + n;
      }
    }
  }
  scanKernel(p, cnt, new Int32Array(D), rec);
  return rec;
}

/**
 * Maximum LLR of replicate r (0-based). Replicate r depends only on (seed, r), so replicates can be computed in
 * any order or split across workers with identical results.
 */
function replicateMax(p: PreparedScan, r: number, s: Scratch): number {
  const D = p.maxDuration;
  const C = p.totalCases;
  const { caseCell, windowLabel, cellLevelStart, cellLevelBase } = p;
  const { rng, work, slot, cnt } = s;
  rng.reseed(p.seed, r + 1);

  // Random permutation of the days among the cases, restricted to what the scan needs: which cases receive the
  // W day labels that fall in the last D days. A partial Fisher-Yates shuffle draws a uniformly random ordered
  // W-subset of the cases (from any starting order); the j-th drawn case gets the j-th window label. This has
  // the same distribution as shuffling all C day labels and looking at the last D days.
  work.set(caseCell);
  const W = windowLabel.length;
  for (let j = 0; j < W; j++) {
    const k = j + rng.nextInt(C - j);
    const z = work[k]!;
    work[k] = work[j]!;
    work[j] = z;
    const idx = z * D + windowLabel[j]!;
    slot[idx] = slot[idx]! + 1;
  }
  // Scatter each non-empty (cell, offset) slot to the levels that contain the cell, in cell order: cells close in
  // H3 order are close in space and share most of their levels, so the writes stay in cache. Slots are reset.
  cnt.fill(0);
  const nSlots = slot.length;
  for (let z = 0, b = 0; b < nSlots; z++, b += D) {
    for (let t = 0; t < D; t++) {
      const n = slot[b + t]!;
      if (n === 0) continue;
      slot[b + t] = 0;
      const h1 = cellLevelStart[z + 1]!;
      for (let h = cellLevelStart[z]!; h < h1; h++) {
        const cy = cellLevelBase[h]! + t;
        cnt[cy] = cnt[cy]! + n;
      }
    }
  }
  return scanKernel(p, cnt, s.run, null);
}

/**
 * Maximum LLR of replicates from..to-1, written to out[from..to-1] (out defaults to a new array of length R).
 */
export function replicateMaxima(p: PreparedScan, from = 0, to = p.replications, out?: Float64Array): Float64Array {
  if (!isPositiveInt(from, 0, p.replications) || !isPositiveInt(to, from, p.replications)) {
    throw new RangeError(`replicate range must satisfy 0 <= from <= to <= ${p.replications}`);
  }
  const res = out ?? new Float64Array(p.replications);
  if (res.length < to) throw new RangeError('output array is too short');
  if (p.totalCases === 0 || p.cylinders === 0) {
    res.fill(0, from, to);
    return res;
  }
  const scratch = makeScratch(p);
  for (let r = from; r < to; r++) res[r] = replicateMax(p, r, scratch);
  return res;
}

/** Monte Carlo p-value: (1 + #{replicate maxima >= llr}) / (R + 1). */
export function monteCarloPValue(llr: number, maxima: ArrayLike<number>): number {
  const tol = tieTolerance(llr);
  let rank = 1;
  for (let r = 0; r < maxima.length; r++) if (maxima[r]! >= llr - tol) rank++;
  return rank / (maxima.length + 1);
}

/** Recurrence interval in days: 1 / (p * analysesPerDay). */
export function recurrenceIntervalDays(pValue: number, analysesPerDay = 1): number {
  if (!(pValue > 0 && pValue <= 1)) throw new RangeError(`pValue must be in (0, 1], got ${pValue}`);
  if (!(analysesPerDay > 0)) throw new RangeError(`analysesPerDay must be positive, got ${analysesPerDay}`);
  return 1 / (pValue * analysesPerDay);
}

/** Attaches p-values and recurrence intervals to the observed clusters. */
export function finishScan(p: PreparedScan, maxima: Float64Array, returnReplicateMaxima = false): ScanResult {
  if (maxima.length !== p.replications) {
    throw new RangeError(`expected ${p.replications} replicate maxima, got ${maxima.length}`);
  }
  // Sort once so each p-value is a binary search (matters with many clusters and large R).
  const sorted = Float64Array.from(maxima).sort();
  const pOf = (llr: number): number => {
    const threshold = llr - tieTolerance(llr);
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < threshold) lo = mid + 1;
      else hi = mid;
    }
    return (1 + sorted.length - lo) / (sorted.length + 1);
  };
  const clusters: ScanCluster[] = p.candidates.map((cand) => {
    const { scanLlr: _scanLlr, ...rest } = cand;
    const pValue = pOf(cand.scanLlr);
    return { ...rest, pValue, recurrenceIntervalDays: recurrenceIntervalDays(pValue, p.analysesPerDay) };
  });
  const result: ScanResult = {
    totalCases: p.totalCases,
    days: p.days,
    cellsWithCases: p.cellIds.length,
    cylinders: p.cylinders,
    replications: p.replications,
    maxLlr: p.observedMaxLlr,
    pValue: p.candidates.length > 0 ? pOf(p.observedMaxLlr) : 1,
    clusters,
  };
  return returnReplicateMaxima ? { ...result, replicateMaxLlr: maxima } : result;
}

/**
 * Runs the whole prospective space-time permutation scan: candidate cylinders, observed scan, R Monte Carlo
 * replicates, most likely and non-overlapping secondary clusters with p-values and recurrence intervals.
 */
export function spaceTimePermutationScan(cases: Iterable<CaseCount>, options: ScanOptions): ScanResult {
  const prepared = prepareScan(cases, options);
  const maxima = replicateMaxima(prepared);
  return finishScan(prepared, maxima, options.returnReplicateMaxima === true);
}
