/**
 * The clusters of the observed data (see scan-statistic.ts): the best cylinder of each centre in decreasing LLR,
 * skipping any whose base shares a cell with a cluster already reported ("no geographical overlap").
 */

import type { BestPerCentre } from './scan-kernel.js';
import type { ClusterCandidate, PreparedScan, RingsFunction } from './scan-types.js';

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

/** The statistic: the maximum LLR over every centre's best cylinder (0 when none has c > mu). */
export function maxLlrOf(best: BestPerCentre): number {
  let observedMax = 0;
  for (let i = 0; i < best.llr.length; i++) if (best.llr[i]! > observedMax) observedMax = best.llr[i]!;
  return observedMax;
}

/** Centres that have a candidate cylinder, in decreasing LLR (ties by centre index). */
function centresByLlr(best: BestPerCentre): number[] {
  const order: number[] = [];
  for (let i = 0; i < best.cyl.length; i++) if (best.cyl[i]! >= 0) order.push(i);
  order.sort((a, b) => best.llr[b]! - best.llr[a]! || a - b);
  return order;
}

/** Every cell of the disk of rings 0..radius around the centre, with or without cases. */
function diskCells(rings: RingsFunction, centre: string, radius: number): Set<string> {
  const rs = rings(centre, radius);
  const cellSet = new Set<string>();
  for (let r = 0; r <= Math.min(radius, rs.length - 1); r++) for (const c of rs[r]!) cellSet.add(c);
  return cellSet;
}

function overlaps(cells: ReadonlySet<string>, usedCells: ReadonlySet<string>): boolean {
  for (const c of cells) if (usedCells.has(c)) return true;
  return false;
}

/** The cluster of centre i's best cylinder, whose base is `cells`. */
function candidateOf(
  p: PreparedScan,
  best: BestPerCentre,
  i: number,
  cells: ReadonlySet<string>,
  rank: number,
): ClusterCandidate {
  const D = p.maxDuration;
  const C = p.totalCases;
  const N = p.days;
  const { cellIds, centreLevelStart, levelCellStart, levelCells } = p;
  const cyl = best.cyl[i]!;
  const g = Math.floor(cyl / D);
  const t = cyl - g * D;
  const casesCells: string[] = [];
  for (let h = centreLevelStart[i]!; h <= g; h++) {
    for (let k = levelCellStart[h]!; k < levelCellStart[h + 1]!; k++) casesCells.push(cellIds[levelCells[k]!]!);
  }
  const observed = best.count[i]!;
  const expected = p.mu[cyl]!;
  return {
    rank,
    centre: cellIds[i]!,
    radius: p.levelRadius[g]!,
    cells: [...cells].sort(),
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
  };
}

/** The most likely cluster and the non-overlapping secondary ones, at most maxClusters, in decreasing LLR. */
export function observedClusters(
  p: PreparedScan,
  best: BestPerCentre,
  rings: RingsFunction,
  maxClusters: number,
): ClusterCandidate[] {
  const D = p.maxDuration;
  const candidates: ClusterCandidate[] = [];
  const usedCells = new Set<string>();
  for (const i of centresByLlr(best)) {
    if (candidates.length >= maxClusters) break;
    const radius = p.levelRadius[Math.floor(best.cyl[i]! / D)]!;
    const cells = diskCells(rings, p.cellIds[i]!, radius);
    if (overlaps(cells, usedCells)) continue;
    for (const c of cells) usedCells.add(c);
    candidates.push(candidateOf(p, best, i, cells, candidates.length + 1));
  }
  return candidates;
}
