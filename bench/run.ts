/**
 * `npm run bench`: the tracing benchmark at each size on each engine, then bench/results/tracing-<engine>.json and
 * BENCHMARKS.md.
 *
 *   npm run bench                                   # SQLite 1M and 10M (+ PostgreSQL when DATABASE_URL is set)
 *   npm run bench -- --engines postgres --sizes 1m  # one engine, one size (other sizes' results are kept)
 *   npm run bench -- --report                       # only regenerate BENCHMARKS.md from bench/results/
 *
 * Options: --sizes 1m,10m (also 100k for a quick try) · --engines sqlite,postgres · --samples 40 · --warmup 5 ·
 * --skip-scan / --skip-ingest / --skip-tracing (the scan statistic and the ingest benchmark, with 1 and 2 workers, run
 * first) ·
 * --sqlite-cache-mb N / --sqlite-mmap-mb N (the app's SQLITE_CACHE_MB and SQLITE_MMAP_MB on SQLite) · --seed N ·
 * --regenerate (ignore reusable cities) · --redis URL (PostgreSQL runs with the Redis bus) ·
 * --drop (drop the PostgreSQL bench schemas afterwards; they are kept by default so reruns are fast).
 *
 * Each generation and each benchmark runs in its own child process (its own heap, JIT and caches), in order,
 * never two at once. Cities are reused when present and generated identically (bench/generate.ts).
 */

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dropPostgresSchema } from '../src/platform/db/connect.js';
import { DEFAULT_SEED, postgresSchema, SIZES } from './generate.js';
import { writeLoadSection } from './load-report.js';
import { growthOf, renderBenchmarks, type TracingResultFile } from './lib/report.js';
import type { TracingBenchResult } from './tracing.bench.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const RESULTS_DIR = join(BENCH_DIR, 'results');
const TARGETS = { notify_p99_ms_at_10m: 100, growth_10x_max: 1.5 };

function child(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, script), ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => (out += chunk));
    proc.on('error', reject);
    proc.on('exit', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`${script} ${args.join(' ')} failed (${signal ?? code})`)),
    );
  });
}

/** The commit measured (BENCH_GIT_COMMIT when running from an exported snapshot without .git). */
function git(): { commit: string; modified_src_files: number } {
  if (process.env.BENCH_GIT_COMMIT) return { commit: process.env.BENCH_GIT_COMMIT, modified_src_files: 0 };
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' });
    return { commit, modified_src_files: status.split('\n').filter((l) => l.trim() !== '').length };
  } catch {
    return { commit: 'unknown', modified_src_files: 0 };
  }
}

function resultFile(engine: string): string {
  return join(RESULTS_DIR, `tracing-${engine}.json`);
}

function writeReport(): void {
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderBenchmarks(RESULTS_DIR));
  // The load test's section (npm run bench:load) is rendered from its own result files.
  writeLoadSection(RESULTS_DIR, join(ROOT, 'BENCHMARKS.md'));
  process.stderr.write(`[bench] wrote BENCHMARKS.md\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1m,10m' },
      engines: { type: 'string' },
      samples: { type: 'string', default: '40' },
      warmup: { type: 'string', default: '5' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      regenerate: { type: 'boolean', default: false },
      redis: { type: 'string' },
      drop: { type: 'boolean', default: false },
      report: { type: 'boolean', default: false },
      'skip-ingest': { type: 'boolean', default: false },
      'skip-tracing': { type: 'boolean', default: false },
      'skip-scan': { type: 'boolean', default: false },
      'sqlite-cache-mb': { type: 'string' },
      'sqlite-mmap-mb': { type: 'string' },
    },
  });
  mkdirSync(RESULTS_DIR, { recursive: true });
  if (values.report) return writeReport();

  const databaseUrl = process.env.DATABASE_URL || undefined;
  const engines = (values.engines ?? (databaseUrl ? 'sqlite,postgres' : 'sqlite')).split(',').map((e) => e.trim());
  const sizes = values.sizes!.split(',').map((s) => s.trim().toLowerCase());
  for (const size of sizes)
    if (SIZES[size] === undefined) throw new Error(`unknown size ${size}; one of ${Object.keys(SIZES).join(', ')}`);
  for (const engine of engines) {
    if (engine !== 'sqlite' && engine !== 'postgres') throw new Error(`unknown engine ${engine}`);
    if (engine === 'postgres' && !databaseUrl) throw new Error('--engines postgres needs DATABASE_URL');
  }
  const command = `${databaseUrl && engines.includes('postgres') ? 'DATABASE_URL=postgres://… ' : ''}npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

  if (!values['skip-scan']) {
    // The scan statistic (issue 5): 10,000 and 100,000 cases, 999 permutations; it writes
    // bench/results/scan-statistic.json.
    await child('scan-statistic.bench.ts', []);
    writeReport();
  }
  if (!values['skip-ingest']) {
    // The ingest benchmark (issue 4): every engine, with 1 and 2 worker processes; it writes bench/results/ingest.json.
    await child('ingest.bench.ts', ['--engines', engines.join(','), '--workers', '1,2']);
    writeReport();
  }
  for (const engine of values['skip-tracing'] ? [] : engines) {
    const path = resultFile(engine);
    const file: TracingResultFile = existsSync(path)
      ? (JSON.parse(readFileSync(path, 'utf8')) as TracingResultFile)
      : {
          benchmark: 'tracing (issue 3): trace computation and symptom report → SSE notification',
          engine,
          targets: TARGETS,
          runs: {},
        };
    for (const size of sizes) {
      const generation = await child('generate.ts', [
        '--engine',
        engine,
        '--size',
        size,
        '--seed',
        values.seed!,
        '--json',
        ...(values.regenerate ? ['--force'] : []),
      ]);
      const city = JSON.parse(generation) as {
        reused: boolean;
        interactions: number;
        seconds: number;
        spec: { anchorDay: string };
      };
      process.stderr.write(
        `[bench] ${engine} ${size}: ${city.interactions.toLocaleString('en-US')} interactions, ${city.reused ? 'reused' : 'generated'} (${city.spec.anchorDay}, ${city.seconds} s to generate)\n`,
      );
      const out = join(tmpdir(), `epitrace-bench-${engine}-${size}-${process.pid}.json`);
      await child('tracing.bench.ts', [
        '--engine',
        engine,
        '--size',
        size,
        '--seed',
        values.seed!,
        '--samples',
        values.samples!,
        '--warmup',
        values.warmup!,
        '--out',
        out,
        ...(values.redis && engine === 'postgres' ? ['--redis', values.redis] : []),
        ...(engine === 'sqlite' && values['sqlite-cache-mb'] !== undefined
          ? ['--sqlite-cache-mb', values['sqlite-cache-mb']]
          : []),
        ...(engine === 'sqlite' && values['sqlite-mmap-mb'] !== undefined
          ? ['--sqlite-mmap-mb', values['sqlite-mmap-mb']]
          : []),
      ]);
      const result = JSON.parse(readFileSync(out, 'utf8')) as TracingBenchResult;
      rmSync(out, { force: true });
      file.runs[size] = { ...result, command, git: git() };
      const growth = growthOf(file);
      const updated: TracingResultFile = { ...file, targets: TARGETS, ...(growth ? { growth } : {}) };
      writeFileSync(path, `${JSON.stringify(updated, null, 2)}\n`);
      process.stderr.write(`[bench] wrote ${path}\n`);
      writeReport();
    }
    if (values.drop && engine === 'postgres') {
      for (const size of sizes) await dropPostgresSchema(databaseUrl!, postgresSchema(size));
      process.stderr.write(`[bench] dropped the PostgreSQL bench schemas\n`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
