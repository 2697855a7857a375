/**
 * Data types of the prospective space-time permutation scan statistic (see scan-statistic.ts for the method).
 */

import type { Seed } from './prng.js';

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
