/**
 * Ingest benchmark: POST /interactions under load (autocannon), on SQLite and PostgreSQL, with 1 and 2 worker
 * processes (`epitrace serve --workers N`), against GET /healthz measured the same way in the same run.
 *
 *   npx tsx bench/ingest.bench.ts [--engines sqlite,postgres] [--workers 1,2] [--seconds 20] [--connections 32]
 * [--batch 10] [--cases 20]
 *
 * `--cases N`: before the measurement, N of the users report symptoms after staying where N others upload, so every
 * upload's match job runs against active cases (as during an outbreak) and some uploads produce risks.
 *
 * Writes bench/results/ingest.json. PostgreSQL needs DATABASE_URL; Redis (REDIS_URL, default local) is used by
 * every run so that 1 and 2 workers differ only in the number of processes.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { machineInfo } from './lib/machine.js';

const ROOT = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: process.env.DATABASE_URL ? 'sqlite,postgres' : 'sqlite' },
    workers: { type: 'string', default: '1,2' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '32' },
    batch: { type: 'string', default: '10' },
    users: { type: 'string', default: '500' },
    cases: { type: 'string', default: '20' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const BATCH = Number(values.batch);
const USERS = Number(values.users);
const CASES = Number(values.cases);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(
  env: Record<string, string>,
  workers: number,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/epitrace.js', 'serve', '--workers', String(workers)], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

interface Figures {
  readonly requests_per_s: number;
  readonly observations_per_s: number;
  readonly latency_ms: { p50: number; p90: number; p99: number; max: number; mean: number };
  readonly requests: number;
  readonly errors: number;
  readonly non_2xx: number;
}

function figures(result: autocannon.Result, perRequest: number): Figures {
  return {
    requests_per_s: Math.round(result.requests.average),
    observations_per_s: Math.round(result.requests.average * perRequest),
    latency_ms: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: Math.round(result.latency.mean * 100) / 100,
    },
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non_2xx: result.non2xx,
  };
}

async function run(url: string, request: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration: SECONDS, ...request } as autocannon.Options);
}

async function measure(engine: 'sqlite' | 'postgres', workers: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-ingest-'));
  const schema = `bench_ingest_${randomUUID().replaceAll('-', '')}`;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    REDIS_URL,
    RATE_LIMIT_MAX: '10000000',
    AUTH_RATE_LIMIT_MAX: '10000000',
    ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    TOKEN_SECRET: randomBytes(32).toString('hex'),
    DATABASE_URL: engine === 'postgres' ? process.env.DATABASE_URL! : '',
    ...(engine === 'postgres' ? { DATABASE_SCHEMA: schema } : {}),
  };
  const { url, child } = await startServer(env, workers);
  try {
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const response = await fetch(`${url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      tokens.push(((await response.json()) as { token: string }).token);
    }
    let n = 0;
    const spot = (user: number, i: number) => ({
      lat: 48.8 + ((user * 37) % 1000) / 10_000 + i * 1e-5,
      lng: 2.3 + ((user * 91) % 1000) / 10_000,
    });
    const body = () => {
      const now = Date.now();
      const user = n % USERS;
      const interactions = Array.from({ length: BATCH }, (_, i) => ({
        id: randomUUID(),
        kind: 'location',
        ...spot(user, i),
        accuracy_m: 8,
        started_at: new Date(now - (i + 2) * 300_000).toISOString(),
        ended_at: new Date(now - (i + 1) * 300_000).toISOString(),
      }));
      return { user, payload: JSON.stringify({ interactions }) };
    };
    // The cases: user c spent the last hour where user CASES + c uploads, then reported symptoms.
    for (let c = 0; c < CASES; c++) {
      const now = Date.now();
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${tokens[c]}` };
      const interactions = Array.from({ length: BATCH }, (_, i) => ({
        id: randomUUID(),
        kind: 'location',
        ...spot(CASES + c, i),
        accuracy_m: 8,
        started_at: new Date(now - (i + 2) * 300_000).toISOString(),
        ended_at: new Date(now - (i + 1) * 300_000).toISOString(),
      }));
      const stays = await fetch(`${url}/interactions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ interactions }),
      });
      const report = await fetch(`${url}/symptoms`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ symptom: 'fever', date: new Date(now).toISOString().slice(0, 10) }),
      });
      if (!stays.ok || !report.ok) throw new Error(`setting up case ${c} failed: ${stays.status} ${report.status}`);
    }
    await new Promise((r) => setTimeout(r, 2_000)); // their traces
    const baseline = await run(url, { requests: [{ method: 'GET', path: '/healthz' }] });
    const ingest = await run(url, {
      requests: [
        {
          method: 'POST',
          path: '/interactions',
          setupRequest: (req: autocannon.Request) => {
            const { user, payload } = body();
            n += 1;
            return {
              ...req,
              body: payload,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[user]}` },
            };
          },
        },
      ],
    });
    const out = { engine, workers, baseline_healthz: figures(baseline, 0), ingest: figures(ingest, BATCH) };
    process.stderr.write(
      `${engine} × ${workers} worker(s): ingest ${out.ingest.requests_per_s} req/s (${out.ingest.observations_per_s} obs/s), p50 ${out.ingest.latency_ms.p50} ms, p99 ${out.ingest.latency_ms.p99} ms, errors ${out.ingest.errors}, non-2xx ${out.ingest.non_2xx}; healthz ${out.baseline_healthz.requests_per_s} req/s p99 ${out.baseline_healthz.latency_ms.p99} ms\n`,
    );
    return out;
  } finally {
    await stopServer(child);
    rmSync(dataDir, { recursive: true, force: true });
    if (engine === 'postgres') {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  }
}

const results = [];
for (const engine of values.engines!.split(',') as Array<'sqlite' | 'postgres'>) {
  for (const workers of values.workers!.split(',').map(Number)) results.push(await measure(engine, workers));
}
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
const report = {
  benchmark: 'ingest',
  command: `npx tsx bench/ingest.bench.ts --engines ${values.engines} --workers ${values.workers} --seconds ${SECONDS} --connections ${CONNECTIONS} --batch ${BATCH} --users ${USERS} --cases ${CASES}`,
  date: new Date().toISOString(),
  machine: machineInfo(),
  settings: {
    seconds: SECONDS,
    connections: CONNECTIONS,
    observations_per_request: BATCH,
    users: USERS,
    active_cases: CASES,
  },
  results,
};
writeFileSync(join(ROOT, 'bench/results/ingest.json'), `${JSON.stringify(report, null, 2)}\n`);
process.stderr.write('wrote bench/results/ingest.json\n');
