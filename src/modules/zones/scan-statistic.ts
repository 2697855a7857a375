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
 *
 * Code layout, one file per step: scan-types.ts (the data types), scan-input.ts (options, count tables),
 * scan-cylinders.ts (candidate cylinders and their constants), scan-kernel.ts (the scan of a data set, observed or
 * replicate), scan-clusters.ts (the reported clusters); this file puts them together and does the inference.
 */

import { maxLlrOf, observedClusters } from './scan-clusters.js';
import { buildLevels, buildLlrTable, cylinderConstants, invertLevels } from './scan-cylinders.js';
import { aggregateCases, buildCountTable, buildTimeWindow, isPositiveInt, resolveOptions } from './scan-input.js';
import { makeScratch, replicateMax, scanBestPerCentre } from './scan-kernel.js';
import type { CaseCount, PreparedScan, ScanCluster, ScanOptions, ScanResult } from './scan-types.js';

export { logLikelihoodRatio } from './scan-clusters.js';
export type {
  CaseCount,
  ClusterCandidate,
  PreparedScan,
  RingsFunction,
  ScanCluster,
  ScanOptions,
  ScanResult,
} from './scan-types.js';

/** Tolerance of the rank comparison: replicate maxima within it of the observed value count as ties (>=). */
function tieTolerance(llr: number): number {
  return 1e-9 * Math.max(1, Math.abs(llr));
}

/**
 * Validates the input, aggregates counts, builds the candidate cylinders and scans the observed data.
 */
export function prepareScan(cases: Iterable<CaseCount>, options: ScanOptions): PreparedScan {
  const settings = resolveOptions(options);
  const N = settings.days;
  const D = settings.maxDuration;
  const { perCell, total: C } = aggregateCases(cases, N, settings.validateH3);
  const table = buildCountTable(perCell, C, N, D);
  const window = buildTimeWindow(table.dayTotal, N, D);
  const levels = buildLevels(
    table.cellIds,
    table.cellIndex,
    table.cellTotal,
    settings.rings,
    settings.maxRings,
    settings.maxCaseFraction,
    C,
  );
  const { cellLevelStart, cellLevelBase } = invertLevels(levels, table.cellIds.length, D);
  const { mu, slope, offset, minCount } = cylinderConstants(
    levels.levelBase,
    window.windowTotal,
    D,
    C,
    settings.minCases,
  );

  const prepared: PreparedScan = {
    days: N,
    maxDuration: D,
    totalCases: C,
    replications: settings.replications,
    seed: settings.seed,
    minCases: settings.minCases,
    analysesPerDay: settings.analysesPerDay,
    cellIds: table.cellIds,
    caseCell: table.caseCell,
    windowLabel: window.windowLabel,
    observedSlots: table.observedSlots,
    centreLevelStart: levels.centreLevelStart,
    levelRadius: levels.levelRadius,
    levelCellStart: levels.levelCellStart,
    levelCells: levels.levelCells,
    cellLevelStart,
    cellLevelBase,
    mu,
    slope,
    offset,
    minCount,
    llrTable: buildLlrTable(C),
    cylinders: levels.levelRadius.length * D,
    observedMaxLlr: 0,
    candidates: [],
  };

  const best = scanBestPerCentre(prepared);
  const observedMaxLlr = maxLlrOf(best);
  const candidates = observedClusters(prepared, best, settings.rings, settings.maxClusters);
  return { ...prepared, observedMaxLlr, candidates };
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
