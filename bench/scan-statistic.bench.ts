/**
 * Benchmark of the prospective space-time permutation scan statistic.
 *
 *   npx tsx bench/scan-statistic.bench.ts            # writes bench/results/scan-statistic.json
 *
 * Synthetic data (seeded, reproducible): cases over a city-sized area (about 24 km x 24 km around a city
 * centre) mapped to H3 cells; 70% of the cases come from a handful of Gaussian "neighbourhood" densities, 30%
 * are uniform over the area; days are uniform over the 14-day study period with a mild upward trend. Each
 * configuration is timed end to end (aggregation, candidate cylinders, observed scan, R replications, clusters)
 * after one warm-up run; the median wall-clock time of the timed runs is reported, with the median CPU time of
 * the process (user + system, process.cpuUsage) which is less sensitive to other load on the machine. Each
 * configuration runs in its own child
 * process (single-threaded), so its peak memory is its own: the maximum resident set size
 * (process.resourceUsage().maxRSS, which includes the Node/tsx runtime and the synthetic input) and the largest
 * heapUsed sampled right after each run.
 */

import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { latLngToCell } from 'h3-js';
import { Xoshiro128 } from '../src/modules/zones/prng.js';
import {
  finishScan,
  prepareScan,
  replicateMaxima,
  type CaseCount,
  type ScanOptions,
  type ScanResult,
} from '../src/modules/zones/scan-statistic.js';

const DAYS = 14;
const MAX_DURATION = 7;
const REPLICATIONS = 999;
const CITY = { lat: 40.73, lng: -73.94 }; // an arbitrary city centre
const HALF_SIDE_KM = 12;

interface Config {
  readonly name: string;
  readonly cases: number;
  readonly resolution: number;
  readonly maxRings: number;
  readonly runs: number;
}

const CONFIGS: readonly Config[] = [
  { name: 'res8-10k', cases: 10_000, resolution: 8, maxRings: 3, runs: 7 },
  { name: 'res9-10k', cases: 10_000, resolution: 9, maxRings: 3, runs: 7 },
  { name: 'res8-100k', cases: 100_000, resolution: 8, maxRings: 3, runs: 3 },
  { name: 'res9-100k', cases: 100_000, resolution: 9, maxRings: 3, runs: 3 },
];

function syntheticCases(n: number, resolution: number, seed: number): CaseCount[] {
  const rng = new Xoshiro128(seed);
  const kmPerDegLat = 110.574;
  const kmPerDegLng = 111.32 * Math.cos((CITY.lat * Math.PI) / 180);
  const hotspots = Array.from({ length: 8 }, () => ({
    x: (rng.nextFloat() * 2 - 1) * HALF_SIDE_KM * 0.8,
    y: (rng.nextFloat() * 2 - 1) * HALF_SIDE_KM * 0.8,
    sd: 1 + rng.nextFloat() * 2.5,
  }));
  // day weights with a mild upward trend (growth ~3%/day)
  const weights = Array.from({ length: DAYS }, (_, d) => 1.03 ** d);
  const cumWeights: number[] = [];
  let acc = 0;
  for (const w of weights) {
    acc += w;
    cumWeights.push(acc);
  }
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    let x: number;
    let y: number;
    if (rng.nextFloat() < 0.7) {
      const h = hotspots[rng.nextInt(hotspots.length)]!;
      x = h.x + rng.nextGaussian() * h.sd;
      y = h.y + rng.nextGaussian() * h.sd;
      x = Math.max(-HALF_SIDE_KM, Math.min(HALF_SIDE_KM, x));
      y = Math.max(-HALF_SIDE_KM, Math.min(HALF_SIDE_KM, y));
    } else {
      x = (rng.nextFloat() * 2 - 1) * HALF_SIDE_KM;
      y = (rng.nextFloat() * 2 - 1) * HALF_SIDE_KM;
    }
    const u = rng.nextFloat() * acc;
    let day = 0;
    while (cumWeights[day]! < u) day++;
    const cell = latLngToCell(CITY.lat + y / kmPerDegLat, CITY.lng + x / kmPerDegLng, resolution);
    const key = `${cell}|${day}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out: CaseCount[] = [];
  for (const [key, count] of counts) {
    const [cell, day] = key.split('|') as [string, string];
    out.push({ cell, day: Number(day), count });
  }
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

/** Runs one configuration (in a child process, so that its peak memory is its own). */
function runConfig(cfg: Config): Record<string, unknown> {
  const data = syntheticCases(cfg.cases, cfg.resolution, 20240601 + cfg.cases + cfg.resolution);
  const options: ScanOptions = {
    days: DAYS,
    maxRings: cfg.maxRings,
    maxDurationDays: MAX_DURATION,
    replications: REPLICATIONS,
    seed: 42,
    maxCaseFraction: 0.5,
  };
  const rssBefore = process.memoryUsage().rss;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const prepareTimes: number[] = [];
  let peakHeap = 0;
  let last: ScanResult | undefined;
  for (let run = 0; run <= cfg.runs; run++) {
    // the same steps as spaceTimePermutationScan, timed separately
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const prepared = prepareScan(data, options);
    const t1 = performance.now();
    const maxima = replicateMaxima(prepared);
    last = finishScan(prepared, maxima);
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    if (run > 0) {
      // run 0 is the warm-up
      times.push(t2 - t0);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
      prepareTimes.push(t1 - t0);
    }
  }
  const res = last!;
  const top = res.clusters[0];
  const round1 = (x: number): number => Math.round(x * 10) / 10;
  return {
    name: cfg.name,
    cases: res.totalCases,
    caseCountRecords: data.length,
    resolution: cfg.resolution,
    cellsWithCases: res.cellsWithCases,
    days: DAYS,
    maxRings: cfg.maxRings,
    maxDurationDays: MAX_DURATION,
    replications: REPLICATIONS,
    maxCaseFraction: 0.5,
    cylinders: res.cylinders,
    runs: cfg.runs,
    timesMs: times.map(round1),
    medianMs: round1(median(times)),
    medianCpuMs: round1(median(cpuTimes)),
    medianPrepareMs: round1(median(prepareTimes)),
    medianPerReplicationMs: Math.round(((median(times) - median(prepareTimes)) / REPLICATIONS) * 1000) / 1000,
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    rssBeforeScanMb: mb(rssBefore),
    peakHeapUsedMb: mb(peakHeap),
    maxLlr: Math.round(res.maxLlr * 1e6) / 1e6,
    pValue: res.pValue,
    clustersReported: res.clusters.length,
    mostLikely: top
      ? {
          centre: top.centre,
          radius: top.radius,
          cells: top.cells.length,
          startDay: top.startDay,
          endDay: top.endDay,
          observed: top.observed,
          expected: Math.round(top.expected * 1000) / 1000,
        }
      : null,
  };
}

const childConfig = process.argv.indexOf('--config');
if (childConfig >= 0) {
  // child mode: run one configuration and send the figures to the parent
  const cfg = CONFIGS.find((c) => c.name === process.argv[childConfig + 1]);
  if (cfg === undefined) throw new Error(`unknown configuration ${process.argv[childConfig + 1]}`);
  process.send!(runConfig(cfg));
  process.exit(0);
}

const loadAverageAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
const results: Record<string, unknown>[] = [];
for (const cfg of CONFIGS) {
  const entry = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--config', cfg.name], { stdio: 'inherit' });
    let got: Record<string, unknown> | undefined;
    child.on('message', (m) => (got = m as Record<string, unknown>));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && got ? resolve(got) : reject(new Error(`${cfg.name}: exit ${code}`))));
  });
  results.push(entry);
  console.log(
    `${cfg.name.padEnd(10)} cases=${entry.cases} cells=${entry.cellsWithCases} cylinders=${entry.cylinders} ` +
      `median=${entry.medianMs} ms (cpu ${entry.medianCpuMs} ms, prepare ${entry.medianPrepareMs} ms) ` +
      `[${(entry.timesMs as number[]).join(', ')}] ` +
      `peakRSS=${entry.peakRssMb} MB peakHeapUsed=${entry.peakHeapUsedMb} MB ` +
      `maxLLR=${(entry.maxLlr as number).toFixed(3)} p=${entry.pValue}`,
  );
}

const cpus = os.cpus();
const report = {
  benchmark: 'prospective space-time permutation scan statistic (src/modules/zones/scan-statistic.ts)',
  command: 'npx tsx bench/scan-statistic.bench.ts',
  target: 'full scan, 14 days, 10,000 cases, 999 permutations: < 2 s on a 2-core machine',
  environment: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryMb: mb(os.totalmem()),
    singleThreaded: true,
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
  },
  data: {
    area: `${2 * HALF_SIDE_KM} km x ${2 * HALF_SIDE_KM} km around (${CITY.lat}, ${CITY.lng})`,
    distribution: '70% from 8 Gaussian hotspots (sd 1-3.5 km), 30% uniform; days with a 3%/day trend',
    generatorSeed: '20240601 + cases + resolution (xoshiro128**)',
    scanSeed: 42,
  },
  results,
};
const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, 'scan-statistic.json');
writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
