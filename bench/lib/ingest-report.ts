import { existsSync, readFileSync } from 'node:fs';

interface IngestFigures {
  readonly requests_per_s: number;
  readonly observations_per_s: number;
  readonly latency_ms: { p50: number; p90: number; p99: number; max: number; mean: number };
  readonly errors: number;
  readonly non_2xx: number;
}

interface IngestFile {
  readonly command: string;
  readonly date: string;
  readonly machine: { node: string; cpu_count: number; load_average: number[] };
  readonly settings: {
    seconds: number;
    connections: number;
    observations_per_request: number;
    users: number;
    active_cases?: number;
  };
  readonly results: ReadonlyArray<{
    engine: string;
    workers: number;
    baseline_healthz: IngestFigures;
    ingest: IngestFigures;
  }>;
}

/** The ingest benchmark's section of BENCHMARKS.md, from bench/results/ingest.json (run by bench/ingest.bench.ts). */
export function ingestSection(path: string): string {
  if (!existsSync(path)) return '';
  const file = JSON.parse(readFileSync(path, 'utf8')) as IngestFile;
  const rows = file.results.map((r) => {
    const i = r.ingest;
    const b = r.baseline_healthz;
    return `| ${r.engine} | ${r.workers} | ${i.requests_per_s} | ${i.observations_per_s} | ${i.latency_ms.p50} | ${i.latency_ms.p99} | ${i.errors + i.non_2xx} | ${b.requests_per_s} | ${b.latency_ms.p99} | ${(b.requests_per_s / Math.max(1, i.requests_per_s)).toFixed(1)}× |`;
  });
  return [
    '## Ingest: `POST /interactions`',
    '',
    `Command: \`${file.command}\` (${file.date.slice(0, 10)}, Node ${file.machine.node}, ${file.machine.cpu_count} cores, load average at the end ${file.machine.load_average.join(' / ')}).`,
    `Each request uploads ${file.settings.observations_per_request} location observations for one of ${file.settings.users} registered users, ${file.settings.connections} connections for ${file.settings.seconds} s (autocannon);`,
    'the baseline is `GET /healthz` driven the same way against the same server in the same run. Every run uses Redis (bus, rate limits, leases),',
    'so 1 and 2 workers differ only in the number of processes (`epitrace serve --workers N`).',
    '',
    '| engine | workers | req/s | observations/s | p50 ms | p99 ms | failed | healthz req/s | healthz p99 ms | healthz/ingest |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Each upload is one transaction: the observations, their presence-index rows and a job that matches them against the',
    'active cases, which the server then runs (uploads that queue up are matched together). ' +
      (file.settings.active_cases
        ? `Before the measurement ${file.settings.active_cases} users reported symptoms after an hour where as many others upload, so every match job ran against ${file.settings.active_cases} active cases and some uploads produced risks and notifications.`
        : 'No case was active: match jobs found nothing to match against.'),
    '',
  ].join('\n');
}
