/**
 * The scan itself (see scan-statistic.ts): the kernel that finds the best cylinders of a data set, run once on the
 * observed data and once per Monte Carlo replicate. Hot code: typed arrays only, nothing allocated per replicate.
 */

import { Xoshiro128 } from './prng.js';
import type { PreparedScan } from './scan-types.js';

/** Per-centre best cylinder of the observed data. */
export interface BestPerCentre {
  llr: Float64Array;
  cyl: Int32Array;
  count: Int32Array;
}

/** Reusable buffers (no allocation per replicate). */
export interface Scratch {
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

export function makeScratch(p: PreparedScan): Scratch {
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
export function scanBestPerCentre(p: PreparedScan): BestPerCentre {
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
export function replicateMax(p: PreparedScan, r: number, s: Scratch): number {
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
