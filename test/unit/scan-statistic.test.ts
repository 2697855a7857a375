import { describe, expect, it } from 'vitest';
import { gridDisk, gridDiskDistances, latLngToCell } from 'h3-js';
import { type Xoshiro128, createRng, hashSeed } from '../../src/modules/zones/prng.js';
import {
  finishScan,
  logLikelihoodRatio,
  monteCarloPValue,
  prepareScan,
  recurrenceIntervalDays,
  replicateMaxima,
  spaceTimePermutationScan,
  type CaseCount,
  type RingsFunction,
  type ScanOptions,
} from '../../src/modules/zones/scan-statistic.js';

/** Rings by breadth-first search over an explicit adjacency list (for hand-made grids). */
function ringsFromAdjacency(adj: Record<string, readonly string[]>): RingsFunction {
  return (cell, k) => {
    const seen = new Set([cell]);
    const rings: string[][] = [[cell]];
    for (let r = 1; r <= k; r++) {
      const next: string[] = [];
      for (const c of rings[r - 1]!) {
        for (const n of adj[c] ?? []) {
          if (!seen.has(n)) {
            seen.add(n);
            next.push(n);
          }
        }
      }
      if (next.length === 0) break;
      rings.push(next);
    }
    return rings;
  };
}

/** Expands a cell x day table into records. */
function table(rows: Record<string, readonly number[]>): CaseCount[] {
  const out: CaseCount[] = [];
  for (const [cell, counts] of Object.entries(rows)) {
    counts.forEach((count, day) => {
      out.push({ cell, day, count });
    });
  }
  return out;
}

const CITY_CENTRE = latLngToCell(48.8566, 2.3522, 8);

/** `n` cases uniform over `cells` and `days` days. */
function uniformCases(rng: Xoshiro128, cells: readonly string[], days: number, n: number): CaseCount[] {
  const out: CaseCount[] = [];
  for (let i = 0; i < n; i++) out.push({ cell: cells[rng.nextInt(cells.length)]!, day: rng.nextInt(days) });
  return out;
}

describe('space-time permutation scan: worked example', () => {
  // Three cells in a line, a - b - c; a 4-day study period (days 0..3), cylinders of 1 or 2 days ending on day 3.
  //
  //            d0  d1  d2  d3 | c_z.
  //      a      2   2   1   1 |   6
  //      b      2   2   1   1 |   6
  //      c      1   1   2   4 |   8
  //   c_.d      5   5   4   6 |  C = 20
  //
  // Window totals from the last day backwards: m(1 day) = 6, m(2 days) = 4 + 6 = 10.
  // Expected counts mu_A = (sum of c_z. over the base) * m / C:
  //   {c}   1 day : 8 * 6 / 20  = 2.4,  observed 4  -> LLR = 4 ln(4/2.4) + 16 ln(16/17.6) = 0.518339618...
  //   {c}   2 days: 8 * 10 / 20 = 4,    observed 6  -> LLR = 6 ln(6/4)   + 14 ln(14/16)   = 0.563351151...
  //   {b,c} 1 day : 14 * 6 / 20 = 4.2,  observed 5  -> LLR = 5 ln(5/4.2) + 15 ln(15/15.8) = 0.092370851...
  //   {b,c} 2 days: 14 * 10 / 20 = 7,   observed 8  -> LLR = 8 ln(8/7)   + 12 ln(12/13)   = 0.107738648...
  //   {a}, {b} (mu 1.8 / 3, observed 1 / 2) and {a,b} (mu 3.6 / 6, observed 2 / 4) have c <= mu: not clusters;
  //   {a,b,c} has mu = m = observed: LLR 0.
  // Most likely cluster: {c}, days 2..3, observed 6, expected 4, O/E 1.5,
  //   LLR = 6 ln(3/2) + 14 ln(7/8) = 6 * 0.4054651081 - 14 * 0.1335313926 = 0.5633511519
  //   relative risk inside vs outside = (6/4) / (14/16) = 12/7.
  const rows = table({ a: [2, 2, 1, 1], b: [2, 2, 1, 1], c: [1, 1, 2, 4] });
  const rings = ringsFromAdjacency({ a: ['b'], b: ['a', 'c'], c: ['b'] });
  const base: ScanOptions = { days: 4, maxRings: 1, maxDurationDays: 2, replications: 999, seed: 7, rings };

  it('computes the expected counts and the LLR of the most likely cylinder exactly', () => {
    const res = spaceTimePermutationScan(rows, base);
    expect(res.totalCases).toBe(20);
    expect(res.cellsWithCases).toBe(3);
    // default cap 0.5: {a,b} (12/20), {b,c} (14/20), {a,b,c} exceed it; 3 bases x 2 durations remain
    expect(res.cylinders).toBe(6);
    expect(res.clusters).toHaveLength(1);
    const top = res.clusters[0]!;
    expect(top).toMatchObject({
      rank: 1,
      centre: 'c',
      radius: 0,
      cells: ['c'],
      casesCells: ['c'],
      startDay: 2,
      endDay: 3,
      durationDays: 2,
      observed: 6,
    });
    expect(top.expected).toBeCloseTo(4, 12);
    expect(top.observedOverExpected).toBeCloseTo(1.5, 12);
    expect(top.relativeRisk).toBeCloseTo(12 / 7, 12);
    const llr = 6 * Math.log(3 / 2) + 14 * Math.log(7 / 8);
    expect(llr).toBeCloseTo(0.5633511519, 9);
    expect(Math.abs(top.llr - llr)).toBeLessThan(1e-9);
    expect(Math.abs(res.maxLlr - llr)).toBeLessThan(1e-9);
    expect(top.pValue).toBeGreaterThanOrEqual(1 / 1000);
    expect(top.pValue).toBeLessThanOrEqual(1);
    expect(top.recurrenceIntervalDays).toBeCloseTo(1 / top.pValue, 12);
    expect(res.pValue).toBe(top.pValue);
  });

  it('matches the hand values of the other cylinders', () => {
    expect(Math.abs(logLikelihoodRatio(4, 2.4, 20) - 0.5183396181947646)).toBeLessThan(1e-9);
    expect(Math.abs(logLikelihoodRatio(5, 4.2, 20) - (5 * Math.log(5 / 4.2) + 15 * Math.log(15 / 15.8)))).toBeLessThan(
      1e-12,
    );
    expect(Math.abs(logLikelihoodRatio(8, 7, 20) - 0.10773864891374418)).toBeLessThan(1e-9);
    expect(logLikelihoodRatio(2, 3, 20)).toBe(0); // c < mu: not a high-rate cluster
    expect(logLikelihoodRatio(4, 4, 20)).toBe(0);
    expect(logLikelihoodRatio(20, 5, 20)).toBeCloseTo(20 * Math.log(4), 12); // every case inside
  });

  it('with no size cap evaluates all 12 cylinders and still finds {c} over days 2..3', () => {
    const res = spaceTimePermutationScan(rows, { ...base, maxCaseFraction: 1 });
    expect(res.cylinders).toBe(12);
    expect(res.clusters[0]).toMatchObject({ centre: 'c', radius: 0, startDay: 2, observed: 6 });
    expect(Math.abs(res.maxLlr - (6 * Math.log(1.5) + 14 * Math.log(7 / 8)))).toBeLessThan(1e-9);
    // {b,c} (centre c, radius 1) overlaps the reported cluster, and no other centre has c > mu: one cluster only
    expect(res.clusters).toHaveLength(1);
  });

  it('applies the size cap and the minimum number of cases', () => {
    const capped = spaceTimePermutationScan(rows, { ...base, maxCaseFraction: 0.3 });
    expect(capped.clusters).toHaveLength(0); // {c} holds 8/20 = 40% of the cases
    expect(capped.maxLlr).toBe(0);
    expect(capped.pValue).toBe(1);
    const minSeven = spaceTimePermutationScan(rows, { ...base, minCases: 7 });
    expect(minSeven.clusters).toHaveLength(0);
    const minFour = spaceTimePermutationScan(rows, { ...base, minCases: 5, maxDurationDays: 1 });
    expect(minFour.clusters).toHaveLength(0); // {c} on day 3 has only 4 cases
  });

  it('the p-value of the worked example is stable across seeds (exact test, Monte Carlo error only)', () => {
    const ps = [1, 2, 3].map((seed) => spaceTimePermutationScan(rows, { ...base, seed }).pValue);
    // sd of a Monte Carlo p-value with R = 999 is at most 0.016
    expect(Math.max(...ps) - Math.min(...ps)).toBeLessThan(0.08);
    expect(ps[0]!).toBeGreaterThan(0.2); // 6 cases where 4 are expected is not remarkable
  });
});

/** Naive implementation straight from the definitions, for cross-checking the optimised one. */
class BruteForce {
  readonly counts = new Map<string, number[]>();
  readonly dayTot: number[];
  C = 0;

  constructor(
    cases: readonly CaseCount[],
    readonly days: number,
  ) {
    this.dayTot = new Array<number>(days).fill(0);
    for (const c of cases) {
      const row = this.counts.get(c.cell) ?? new Array<number>(days).fill(0);
      row[c.day] = row[c.day]! + (c.count ?? 1);
      this.counts.set(c.cell, row);
      this.dayTot[c.day] = this.dayTot[c.day]! + (c.count ?? 1);
      this.C += c.count ?? 1;
    }
  }

  /** Observed, expected (sum of mu_zd = c_z. c_.d / C) and LLR of the cylinder gridDisk(centre, r) x last t days. */
  cylinder(centre: string, r: number, t: number): { obs: number; mu: number; llr: number; base: number } {
    const C = this.C;
    let obs = 0;
    let mu = 0;
    let base = 0;
    for (const z of gridDisk(centre, r)) {
      const row = this.counts.get(z);
      if (row === undefined) continue;
      const cz = row.reduce((a, b) => a + b, 0);
      base += cz;
      for (let d = this.days - t; d < this.days; d++) {
        obs += row[d]!;
        mu += (cz * this.dayTot[d]!) / C;
      }
    }
    const llr = obs > mu ? obs * Math.log(obs / mu) + (C > obs ? (C - obs) * Math.log((C - obs) / (C - mu)) : 0) : 0;
    return { obs, mu, llr, base };
  }

  maxLlr(K: number, D: number, maxFraction: number, minCases: number): number {
    let best = 0;
    for (const centre of this.counts.keys()) {
      for (let r = 0; r <= K; r++) {
        for (let t = 1; t <= D; t++) {
          const cyl = this.cylinder(centre, r, t);
          if (cyl.base > maxFraction * this.C) break;
          if (cyl.obs >= minCases && cyl.llr > best) best = cyl.llr;
        }
      }
    }
    return best;
  }
}

describe('space-time permutation scan: agreement with a brute-force implementation', () => {
  it('finds the same maximum LLR and cluster values on random data over real H3 cells', () => {
    const rng = createRng('brute-force');
    const cells = gridDisk(CITY_CENTRE, 4);
    for (let rep = 0; rep < 12; rep++) {
      const n = 30 + rng.nextInt(150);
      const data = uniformCases(rng, cells.slice(0, 10 + rng.nextInt(cells.length - 10)), 10, n);
      const K = rng.nextInt(4);
      const D = 1 + rng.nextInt(6);
      const frac = [0.2, 0.5, 1][rng.nextInt(3)]!;
      const minCases = 1 + rng.nextInt(3);
      const brute = new BruteForce(data, 10);
      const expected = brute.maxLlr(K, D, frac, minCases);
      const res = spaceTimePermutationScan(data, {
        days: 10,
        maxRings: K,
        maxDurationDays: D,
        maxCaseFraction: frac,
        minCases,
        replications: 9,
        seed: rep,
      });
      expect(Math.abs(res.maxLlr - expected)).toBeLessThan(1e-9);
      if (expected === 0) {
        expect(res.clusters).toHaveLength(0);
        continue;
      }
      for (const cluster of res.clusters) {
        const cyl = brute.cylinder(cluster.centre, cluster.radius, cluster.durationDays);
        expect(cluster.observed).toBe(cyl.obs);
        expect(Math.abs(cluster.expected - cyl.mu)).toBeLessThan(1e-9);
        expect(Math.abs(cluster.llr - cyl.llr)).toBeLessThan(1e-9);
        expect(cluster.cells).toEqual([...gridDisk(cluster.centre, cluster.radius)].sort());
      }
      expect(Math.abs(res.clusters[0]!.llr - expected)).toBeLessThan(1e-9);
    }
  });
});

describe('space-time permutation scan: planted clusters', () => {
  const region = gridDisk(CITY_CENTRE, 8); // 217 resolution-8 cells, about 160 km^2

  it('finds a planted space-time cluster with the right cells and days', () => {
    const rng = createRng(2024);
    const background = uniformCases(rng, region, 14, 2000);
    const hotCentre = gridDiskDistances(CITY_CENTRE, 3)[3]![5]!; // 3 rings away from the city centre
    const hotCells = gridDisk(hotCentre, 1);
    expect(hotCells).toHaveLength(7);
    const planted: CaseCount[] = [];
    for (let i = 0; i < 40; i++) planted.push({ cell: hotCells[rng.nextInt(7)]!, day: 11 + rng.nextInt(3) });
    const res = spaceTimePermutationScan([...background, ...planted], {
      days: 14,
      maxRings: 3,
      maxDurationDays: 7,
      replications: 999,
      seed: 1,
    });
    const top = res.clusters[0]!;
    expect(top.endDay).toBe(13);
    expect(top.startDay).toBeGreaterThanOrEqual(10);
    expect(top.startDay).toBeLessThanOrEqual(12);
    expect(top.radius).toBeLessThanOrEqual(2);
    // the cluster is centred on the planted area and covers most of it
    expect(gridDisk(hotCentre, 1)).toContain(top.centre);
    const covered = hotCells.filter((c) => top.cells.includes(c)).length;
    expect(covered).toBeGreaterThanOrEqual(5);
    expect(top.observedOverExpected).toBeGreaterThan(2);
    expect(top.pValue).toBeLessThan(0.05);
    expect(top.pValue).toBe(0.001); // rank 1 of 1000
    expect(top.recurrenceIntervalDays).toBe(1000);
  });

  it('reports a second, non-overlapping cluster as a secondary cluster', () => {
    const rng = createRng('two clusters');
    const background = uniformCases(rng, region, 14, 2000);
    const ring6 = gridDiskDistances(CITY_CENTRE, 6)[6]!;
    const hotA = gridDisk(ring6[0]!, 1);
    const hotB = gridDisk(ring6[18]!, 1); // the opposite side of the region
    const planted: CaseCount[] = [];
    for (let i = 0; i < 45; i++) planted.push({ cell: hotA[rng.nextInt(7)]!, day: 12 + rng.nextInt(2) });
    for (let i = 0; i < 30; i++) planted.push({ cell: hotB[rng.nextInt(7)]!, day: 10 + rng.nextInt(4) });
    const res = spaceTimePermutationScan([...background, ...planted], {
      days: 14,
      maxRings: 2,
      maxDurationDays: 7,
      replications: 499,
      seed: 3,
    });
    expect(res.clusters.length).toBeGreaterThanOrEqual(2);
    const [first, second] = res.clusters as [(typeof res.clusters)[0], (typeof res.clusters)[0]];
    expect(first.rank).toBe(1);
    expect(second.rank).toBe(2);
    expect(first.llr).toBeGreaterThanOrEqual(second.llr);
    expect(hotA.filter((c) => first.cells.includes(c)).length).toBeGreaterThanOrEqual(4);
    expect(hotB.filter((c) => second.cells.includes(c)).length).toBeGreaterThanOrEqual(4);
    expect(first.pValue).toBeLessThan(0.05);
    expect(second.pValue).toBeLessThan(0.05);
    // no cell is reported in two clusters; p-values never decrease with rank
    const all = res.clusters.flatMap((c) => c.cells);
    expect(new Set(all).size).toBe(all.length);
    for (let i = 1; i < res.clusters.length; i++) {
      expect(res.clusters[i]!.pValue).toBeGreaterThanOrEqual(res.clusters[i - 1]!.pValue);
      expect(res.clusters[i]!.endDay).toBe(13);
    }
  });
});

describe('space-time permutation scan: null behaviour', () => {
  it('rejects at about the nominal 5% rate when there is no cluster', () => {
    const region = gridDisk(CITY_CENTRE, 4); // 61 cells
    const runs = 200;
    let significant = 0;
    let sumP = 0;
    for (let run = 0; run < runs; run++) {
      const data = uniformCases(createRng(run), region, 14, 300);
      const res = spaceTimePermutationScan(data, {
        days: 14,
        maxRings: 2,
        maxDurationDays: 7,
        replications: 99,
        seed: 100_000 + run,
      });
      if (res.pValue <= 0.05) significant++;
      sumP += res.pValue;
    }
    // The permutation test is exact: under the null P(p <= 0.05) <= 5/100 with R = 99 (ties only make it smaller).
    // With 200 runs the count is Binomial(200, <= 0.05): mean <= 10, sd ~ 3.1; 20 (10%) is ~3.2 sd above the
    // mean, P(> 20) < 0.2% for a correct implementation. The seeds are fixed, so the test is deterministic.
    expect(significant / runs).toBeLessThanOrEqual(0.1);
    // p-values are roughly uniform (slightly conservative): mean ~ 0.5 (sd of the mean of 200 ~ 0.02)
    expect(sumP / runs).toBeGreaterThan(0.4);
    expect(sumP / runs).toBeLessThan(0.65);
  });
});

describe('space-time permutation scan: reproducibility and API', () => {
  const region = gridDisk(CITY_CENTRE, 5);
  const data = uniformCases(createRng(99), region, 14, 600);
  const opts: ScanOptions = { days: 14, maxRings: 2, maxDurationDays: 7, replications: 199, seed: 'epitrace' };

  it('gives identical results for the same seed, whatever the input order', () => {
    const a = spaceTimePermutationScan(data, { ...opts, returnReplicateMaxima: true });
    const b = spaceTimePermutationScan([...data].reverse(), { ...opts, returnReplicateMaxima: true });
    expect(b).toEqual(a);
    expect(a.pValue).toBe(b.pValue);
    const c = spaceTimePermutationScan(data, { ...opts, seed: 'other', returnReplicateMaxima: true });
    expect(c.maxLlr).toBe(a.maxLlr); // the observed statistic does not depend on the seed
    expect(Array.from(c.replicateMaxLlr!)).not.toEqual(Array.from(a.replicateMaxLlr!));
  });

  it('computes replicates independently, so they can be split into chunks (e.g. across workers)', () => {
    const prepared = prepareScan(data, opts);
    const whole = replicateMaxima(prepared);
    const parts = new Float64Array(prepared.replications);
    replicateMaxima(prepared, 120, 199, parts);
    replicateMaxima(prepared, 0, 120, parts);
    expect(Array.from(parts)).toEqual(Array.from(whole));
    expect(finishScan(prepared, parts)).toEqual(spaceTimePermutationScan(data, opts));
    // a structured clone (what postMessage does) is enough to run replicates elsewhere
    const cloned = structuredClone(prepared);
    expect(Array.from(replicateMaxima(cloned, 0, 10).subarray(0, 10))).toEqual(Array.from(whole.subarray(0, 10)));
  });

  it('computes Monte Carlo p-values and recurrence intervals as documented', () => {
    expect(monteCarloPValue(5, [1, 2, 3, 4])).toBeCloseTo(1 / 5, 15); // observed above all: rank 1 of R + 1
    expect(monteCarloPValue(2.5, [1, 2, 3, 4])).toBeCloseTo(3 / 5, 15);
    expect(monteCarloPValue(3, [1, 2, 3, 4])).toBeCloseTo(3 / 5, 15); // ties count against the observed
    expect(recurrenceIntervalDays(0.01)).toBeCloseTo(100, 12); // daily analysis: once every 100 days
    expect(recurrenceIntervalDays(0.001, 1)).toBeCloseTo(1000, 9);
    expect(recurrenceIntervalDays(0.01, 24)).toBeCloseTo(100 / 24, 12); // hourly reruns
    expect(() => recurrenceIntervalDays(0)).toThrow(RangeError);
  });

  it('handles empty data and data without cases in the scanned window', () => {
    const empty = spaceTimePermutationScan([], opts);
    expect(empty).toMatchObject({ totalCases: 0, maxLlr: 0, pValue: 1, clusters: [] });
    const old = data.map((c) => ({ ...c, day: c.day % 7 })); // nothing in the last 7 days
    const res = spaceTimePermutationScan(old, opts);
    expect(res.clusters).toHaveLength(0);
    expect(res.pValue).toBe(1);
  });

  it('rejects invalid input with clear errors', () => {
    const ok: CaseCount[] = [{ cell: CITY_CENTRE, day: 13, count: 2 }];
    const run = (cases: CaseCount[], o: Partial<ScanOptions>) => () =>
      spaceTimePermutationScan(cases, { ...opts, ...o } as ScanOptions);
    expect(run(ok, { days: 0 })).toThrow(/days must be an integer/);
    expect(run(ok, { days: 2.5 })).toThrow(/days must be an integer/);
    expect(run(ok, { maxRings: -1 })).toThrow(/maxRings/);
    expect(run(ok, { maxRings: 1.5 })).toThrow(/maxRings/);
    expect(run(ok, { maxDurationDays: 15 })).toThrow(/maxDurationDays .*\[1, days=14\]/);
    expect(run(ok, { maxDurationDays: 0 })).toThrow(/maxDurationDays/);
    expect(run(ok, { replications: 0 })).toThrow(/replications/);
    expect(run(ok, { maxCaseFraction: 0 })).toThrow(/maxCaseFraction/);
    expect(run(ok, { maxCaseFraction: 1.5 })).toThrow(/maxCaseFraction/);
    expect(run(ok, { minCases: 0 })).toThrow(/minCases/);
    expect(run(ok, { maxClusters: 0 })).toThrow(/maxClusters/);
    expect(run(ok, { seed: Number.NaN })).toThrow(/seed/);
    expect(run([{ cell: CITY_CENTRE, day: 14 }], {})).toThrow(/day must be an integer in \[0, 13\]/);
    expect(run([{ cell: CITY_CENTRE, day: -1 }], {})).toThrow(/day must be/);
    expect(run([{ cell: CITY_CENTRE, day: 3, count: -2 }], {})).toThrow(/count must be a non-negative integer/);
    expect(run([{ cell: CITY_CENTRE, day: 3, count: 1.5 }], {})).toThrow(/count/);
    expect(run([{ cell: 'not-a-cell', day: 3 }], {})).toThrow(/invalid H3 cell "not-a-cell"/);
    expect(run([{ cell: '', day: 3 }], {})).toThrow(/cell must be a non-empty string/);
    expect(run(ok, { rings: () => [['elsewhere']] })).toThrow(/ring 0 contains the centre/);
    expect(() => spaceTimePermutationScan(null as unknown as CaseCount[], opts)).toThrow(/iterable/);
    expect(() => finishScan(prepareScan(ok, opts), new Float64Array(3))).toThrow(/expected 199 replicate maxima/);
  });
});

describe('seeded PRNG', () => {
  it('is deterministic per (seed, stream) and streams differ', () => {
    const a = createRng(123, 4);
    const b = createRng(123, 4);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    const c = createRng(123, 5);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(seqA);
    a.reseed(123, 4);
    expect(a.nextUint32()).toBe(seqA[0]);
    expect(hashSeed('abc')).toBe(hashSeed('abc'));
    expect(hashSeed('abc')).not.toBe(hashSeed('abd'));
    expect(hashSeed(42)).toBe(42);
  });

  it('draws unbiased integers and floats in range', () => {
    const rng = createRng('uniform');
    const n = 7;
    const counts = new Array<number>(n).fill(0);
    const draws = 70_000;
    let outOfRange = 0;
    for (let i = 0; i < draws; i++) {
      const k = rng.nextInt(n);
      if (!(Number.isInteger(k) && k >= 0 && k < n)) outOfRange++;
      else counts[k] = counts[k]! + 1;
    }
    expect(outOfRange).toBe(0);
    // chi-square with 6 degrees of freedom; 22.46 is the 0.999 quantile
    const chi2 = counts.reduce((s, c) => s + (c - draws / n) ** 2 / (draws / n), 0);
    expect(chi2).toBeLessThan(22.46);
    const floats = Array.from({ length: 1000 }, () => rng.nextFloat());
    expect(floats.every((x) => x >= 0 && x < 1)).toBe(true);
    const big = rng.nextInt(2 ** 40);
    expect(big >= 0 && big < 2 ** 40 && Number.isInteger(big)).toBe(true);
    expect(() => rng.nextInt(0)).toThrow(RangeError);
    const perm = rng.shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(perm).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
