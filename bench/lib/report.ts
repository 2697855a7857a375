/**
 * BENCHMARKS.md, regenerated from the result files in bench/results/ (tracing-<engine>.json written by bench/run.ts,
 * and scan-statistic.json when present — that benchmark is run on its own: npx tsx bench/scan-statistic.bench.ts).
 */

import { ingestSection } from './ingest-report.js';
import { existsSync, readFileSync } from 'node:fs';
import type { TracingBenchResult } from '../tracing.bench.js';

export interface TracingResultFile {
  readonly benchmark: string;
  readonly engine: string;
  readonly targets: { readonly notify_p99_ms_at_10m: number; readonly growth_10x_max: number };
  /** Per size, the last run of that size (sizes run separately keep their own command and date). */
  readonly runs: Record<
    string,
    TracingBenchResult & { readonly command: string; readonly git: { commit: string; modified_src_files: number } }
  >;
  readonly growth?: GrowthFigures;
}

export interface GrowthFigures {
  readonly from: string;
  readonly to: string;
  readonly data_ratio: number;
  readonly trace_p50: number;
  readonly trace_p99: number;
  readonly notify_p50: number;
  readonly notify_p99: number;
  readonly healthz_p50: number;
}

const SIZE_ORDER = ['100k', '1m', '10m'];
const bySize = (a: string, b: string) => SIZE_ORDER.indexOf(a) - SIZE_ORDER.indexOf(b);
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(1)} ms`);
const ratio = (n: number) => `${n.toFixed(2)}×`;
const sizeLabel = (size: string) => size.toUpperCase();
const ENGINE_NAMES: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL 15' };

export function growthOf(file: Pick<TracingResultFile, 'runs'>, from = '1m', to = '10m'): GrowthFigures | undefined {
  const a = file.runs[from];
  const b = file.runs[to];
  if (a === undefined || b === undefined) return undefined;
  const r = (x: number, y: number) => Math.round((y / x) * 100) / 100;
  return {
    from,
    to,
    data_ratio: r(a.city.interactions, b.city.interactions),
    trace_p50: r(a.trace.p50, b.trace.p50),
    trace_p99: r(a.trace.p99, b.trace.p99),
    notify_p50: r(a.notify.p50, b.notify.p50),
    notify_p99: r(a.notify.p99, b.notify.p99),
    healthz_p50: r(a.baseline.healthz.p50, b.baseline.healthz.p50),
  };
}

/** "975 MiB", "9.5 GiB". */
const memoryLabel = (mib: number) => (mib >= 1024 ? `${Math.round((mib / 1024) * 10) / 10} GiB` : `${mib} MiB`);

/** ", shared_buffers 12 GiB holding the prewarmed schema (9.8 GiB)" for a PostgreSQL run that recorded it. */
function postgresMemoryNote(memory: TracingBenchResult['postgres_memory']): string {
  if (memory === undefined) return '';
  return memory.prewarmed_mib > 0
    ? `, shared_buffers ${memoryLabel(memory.shared_buffers_mib)} holding the prewarmed schema (${memoryLabel(memory.prewarmed_mib)})`
    : `, shared_buffers ${memoryLabel(memory.shared_buffers_mib)}, schema ${memoryLabel(memory.schema_mib)} not prewarmed: ${memory.note ?? 'unknown'}`;
}

/** ", SQLite cache 8 GiB holding the prewarmed file (6.9 GiB), no memory mapping" for a SQLite run that recorded it. */
function sqliteMemoryNote(memory: TracingBenchResult['sqlite_memory']): string {
  if (memory === undefined) return '';
  const mapping =
    memory.mmap_mib > 0 ? `the file's first ${memoryLabel(memory.mmap_mib)} memory-mapped` : 'no memory mapping';
  return memory.prewarmed_mib > 0
    ? `, SQLite cache ${memoryLabel(memory.cache_mib)} holding the prewarmed file (${memoryLabel(memory.prewarmed_mib)}), ${mapping}`
    : `, SQLite cache ${memoryLabel(memory.cache_mib)}, ${mapping}, file ${memoryLabel(memory.file_mib)} not prewarmed: ${memory.note ?? 'unknown'}`;
}

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  align?: readonly ('l' | 'r')[],
): string {
  const sep = header.map((_, i) => ((align?.[i] ?? 'r') === 'l' ? '---' : '--:'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function tracingSection(files: readonly TracingResultFile[]): string {
  const runs = files.flatMap((f) =>
    Object.keys(f.runs)
      .sort(bySize)
      .map((size) => ({ engine: f.engine, size, run: f.runs[size]! })),
  );
  if (runs.length === 0) return '## Tracing (issue 3)\n\nNo results yet: run `npm run bench`.\n';
  const first = runs[0]!.run;
  const out: string[] = [];
  out.push('## Tracing (issue 3)');
  out.push('');
  out.push(
    'Commands that produced the figures below (each run writes `bench/results/tracing-<engine>.json` with every sample):',
  );
  out.push('');
  out.push('```sh');
  for (const command of [...new Set(runs.map((r) => r.run.command))]) out.push(command);
  out.push('```');
  out.push('');
  const commits = new Set(runs.map((r) => r.run.git.commit));
  const dates = runs.map(
    (r) =>
      `${ENGINE_NAMES[r.engine] ?? r.engine} ${sizeLabel(r.size)}: ${r.run.date.slice(0, 16).replace('T', ' ')} UTC (load average ${r.run.machine.load_average.join(', ')} at start)` +
      postgresMemoryNote(r.run.postgres_memory) +
      sqliteMemoryNote(r.run.sqlite_memory) +
      (commits.size > 1
        ? `, commit ${r.run.git.commit.slice(0, 10)}${r.run.git.modified_src_files > 0 ? ' with uncommitted changes in src/' : ''}`
        : ''),
  );
  out.push(
    `Measured on ${first.machine.cpu_count} cores (${first.machine.cpu}), ${first.machine.total_memory_gib} GiB RAM, Node ${first.machine.node}, ${first.machine.platform}; ` +
      'the app in the same process as its HTTP client, data in PostgreSQL 15 or an SQLite file' +
      (commits.size > 1
        ? '; the commit of each run below.'
        : `; commit ${runs[0]!.run.git.commit.slice(0, 10)}${runs.some((r) => r.run.git.modified_src_files > 0) ? ' with uncommitted changes in src/' : ''}.`),
  );
  out.push('');
  for (const d of dates) out.push(`- ${d}`);
  out.push('');
  out.push(
    '> **Read the ratios, not the absolute times.** This is a shared 2-core machine: other jobs ran during these measurements ' +
      '(see the load averages), so absolute times drift by tens of percent from run to run. Each run measures its own baselines ' +
      "in the same process, interleaved with the samples — a bare Fastify route and the app's `GET /healthz`, both over HTTP — " +
      'so the ratio of a figure to its baseline is what compares across runs and machines.',
  );
  out.push('');
  out.push('### Results');
  out.push('');
  out.push(
    table(
      [
        'Engine',
        'Data',
        'Interactions',
        '(a) trace p50',
        '(a) trace p99¹',
        '(b) report → notification p50',
        '(b) p99¹',
        '`/healthz` p50',
        'bare Fastify p50',
        '(b) p50 ÷ `/healthz` p50',
      ],
      runs.map(({ engine, size, run }) => [
        ENGINE_NAMES[engine] ?? engine,
        sizeLabel(size),
        fmtInt(run.city.interactions),
        ms(run.trace.p50),
        ms(run.trace.p99),
        ms(run.notify.p50),
        ms(run.notify.p99),
        ms(run.baseline.healthz.p50),
        ms(run.baseline.bare_fastify.p50),
        `${Math.round(run.notify.p50 / run.baseline.healthz.p50)}×`,
      ]),
      ['l', 'l'],
    ),
  );
  out.push('');
  out.push(
    `¹ ${first.samples} sources per run: the nearest-rank p99 of ${first.samples} samples is the largest one (p90: see the JSON). ` +
      '(a) is `app.tracing.traceCase(caseId)` for a self-reported case; (b) is `POST /symptoms` by the source until the ' +
      "buddy's `notification` event has been parsed from `GET /notifications/stream`.",
  );
  out.push('');

  out.push('### Growth with data size and the targets');
  out.push('');
  const growthRows = files.flatMap((f) => {
    const g = f.growth ?? growthOf(f);
    if (g === undefined) return [];
    const ten = f.runs[g.to]!;
    return [
      [
        ENGINE_NAMES[f.engine] ?? f.engine,
        `${sizeLabel(g.to)} ÷ ${sizeLabel(g.from)} (${ratio(g.data_ratio)} data)`,
        ratio(g.trace_p50),
        ratio(g.trace_p99),
        ratio(g.notify_p50),
        ratio(g.notify_p99),
        ratio(g.healthz_p50),
        `${ten.notify.p99 < f.targets.notify_p99_ms_at_10m ? '✅' : '❌'} ${ms(ten.notify.p99)}`,
        `${g.notify_p50 < f.targets.growth_10x_max && g.trace_p50 < f.targets.growth_10x_max ? '✅' : '❌'} ${ratio(Math.max(g.notify_p50, g.trace_p50))}`,
      ],
    ];
  });
  if (growthRows.length === 0) out.push('Needs runs at 1M and 10M.');
  else {
    out.push(
      table(
        [
          'Engine',
          'Ratio',
          '(a) p50',
          '(a) p99',
          '(b) p50',
          '(b) p99',
          '`/healthz` p50',
          '(b) p99 < 100 ms at 10M',
          '10× data < 1.5× time (p50)',
        ],
        growthRows,
        ['l', 'l'],
      ),
    );
  }
  out.push('');

  out.push('### Per trace (medians over the sources)');
  out.push('');
  out.push(
    table(
      [
        'Engine',
        'Data',
        "source's interactions (14 days)",
        'in the infectious window',
        '(place, time) probes',
        'candidates²',
        'encounters seen by others',
        'exposure risks',
        'people at risk',
        'notifications',
      ],
      runs.map(({ engine, size, run }) => {
        const m = run.per_trace_medians;
        return [
          ENGINE_NAMES[engine] ?? engine,
          sizeLabel(size),
          fmtInt(m.interactions_total!),
          fmtInt(m.interactions_in_window!),
          fmtInt(m.probes!),
          fmtInt(m.candidates!),
          fmtInt(m.encounters!),
          fmtInt(m.risks!),
          fmtInt(m.contacts!),
          fmtInt(m.notifications!),
        ];
      }),
      ['l', 'l'],
    ),
  );
  out.push('');
  out.push(
    "² Other people's location stays and check-ins overlapping a probe (a place the source could share — the H3 cell of a stay and its 6 neighbours, or the venue — over the source's merged time there), fetched, paired with the source's stays in that place and scored.",
  );
  out.push('');

  out.push('### Where the time of a trace goes');
  out.push('');
  out.push(
    "Median exclusive milliseconds per part of `traceCase` in (a) and, after the slash, in (b), timed by wrapping every method of the app's own " +
      '`TracingRepository` and `NotificationsService` instances (src/ unchanged); "other" is what no wrapper covers: building the probes, ' +
      'scoring, transactions, bus events. In (b) the analytics engine recomputes its day rows on the same report, in the same process, ' +
      "while the trace runs, and its work lands inside the trace's parts (on SQLite every query blocks the thread); (b′) repeats (b) " +
      'with the analytics engine stopped. (b) also shows how its latency splits: until `POST /symptoms` is answered, until the trace job starts, the trace.',
  );
  out.push('');
  // Parts that took time somewhere (a periodic task's method that ran during a trace once has a median of 0).
  const parts = [
    ...new Set(
      runs.flatMap((r) => [
        ...Object.keys(r.run.trace_breakdown_ms),
        ...Object.keys(r.run.notify_trace_breakdown_ms ?? {}),
      ]),
    ),
  ].filter((p) =>
    runs.some((r) => (r.run.trace_breakdown_ms[p] ?? 0) >= 0.05 || (r.run.notify_trace_breakdown_ms?.[p] ?? 0) >= 0.05),
  );
  const cell = (a: number | undefined, b: number | undefined) =>
    `${a === undefined ? '—' : ms(a)} / ${b === undefined ? '—' : ms(b)}`;
  out.push(
    table(
      ['Part (a) / (b)', ...runs.map((r) => `${ENGINE_NAMES[r.engine] ?? r.engine} ${sizeLabel(r.size)}`)],
      [
        ...parts.map((p) => [
          p,
          ...runs.map((r) => cell(r.run.trace_breakdown_ms[p], r.run.notify_trace_breakdown_ms?.[p])),
        ]),
        ['**trace p50**', ...runs.map((r) => `**${cell(r.run.trace.p50, r.run.notify_parts.trace.p50)}**`)],
        ['(b) `POST /symptoms` answered, p50', ...runs.map((r) => ms(r.run.notify_parts.http.p50))],
        ['(b) report → trace job started, p50', ...runs.map((r) => ms(r.run.notify_parts.queue.p50))],
        ['(b) report → notification parsed, p50', ...runs.map((r) => ms(r.run.notify.p50))],
        [
          '(b′) the same, analytics engine stopped: notification p50 (p99) vs (b) on the same sources',
          ...runs.map((r) => {
            const w = r.run.notify_without_analytics;
            return w === undefined
              ? '—'
              : `${ms(w.notify.p50)} (${ms(w.notify.p99)}) vs ${ms(w.notify_with_analytics_same_sources.p50)} (${ms(w.notify_with_analytics_same_sources.p99)}), n = ${w.samples}`;
          }),
        ],
        [
          '(b′) trace p50, analytics engine stopped',
          ...runs.map((r) => (r.run.notify_without_analytics ? ms(r.run.notify_without_analytics.trace.p50) : '—')),
        ],
      ],
      ['l'],
    ),
  );
  const pathRuns = runs.filter(
    (r) => r.run.notify_path_breakdown_ms !== undefined && r.run.notify_path_ms !== undefined,
  );
  if (pathRuns.length > 0) {
    out.push('');
    out.push(
      'The notification path of (b): median exclusive milliseconds per part from the start of the trace until it publishes its first ' +
        'notification (what the report → notification latency waits for; the rest of the trace runs after it). Lookups of places and of ' +
        'encounters run at once, so parts can add up to more than the wall time.',
    );
    out.push('');
    const pathParts = [...new Set(pathRuns.flatMap((r) => Object.keys(r.run.notify_path_breakdown_ms!)))].filter((p) =>
      pathRuns.some((r) => (r.run.notify_path_breakdown_ms![p] ?? 0) >= 0.05),
    );
    out.push(
      table(
        [
          'Part, until the first notification',
          ...pathRuns.map((r) => `${ENGINE_NAMES[r.engine] ?? r.engine} ${sizeLabel(r.size)}`),
        ],
        [
          ...pathParts.map((p) => [
            p,
            ...pathRuns.map((r) =>
              r.run.notify_path_breakdown_ms![p] === undefined ? '—' : ms(r.run.notify_path_breakdown_ms![p]!),
            ),
          ]),
          [
            '**trace start → first notification published, p50 (p99)**',
            ...pathRuns.map((r) => `**${ms(r.run.notify_path_ms!.p50)}** (${ms(r.run.notify_path_ms!.p99)})`),
          ],
        ],
        ['l'],
      ),
    );
  }
  out.push('');
  for (const { engine, size, run } of runs) {
    const entries = Object.entries(run.trace_breakdown_ms).sort((a, b) => b[1] - a[1]);
    const [top, second] = entries;
    if (top === undefined) continue;
    const share = (x: number) => `${Math.round((100 * x) / run.trace.p50)}%`;
    out.push(
      `- ${ENGINE_NAMES[engine] ?? engine} ${sizeLabel(size)}: ${top[0]} ${ms(top[1])} (${share(top[1])} of the median trace)` +
        `${second ? `, then ${second[0]} ${ms(second[1])} (${share(second[1])})` : ''}.`,
    );
  }
  out.push('');
  out.push('### The co-location lookup, two ways');
  out.push('');
  out.push(
    "For measured sources (n in each cell; the benchmark now replays 3, as the former lookup takes seconds on PostgreSQL), after the trace and with the app quiet: the app's own `presentDuring` call replayed with the trace's arguments, " +
      'and the lookup the app made before it (`bench/lib/what-if.ts`). Median ms (median distinct interactions returned).',
  );
  out.push('');
  const ways: Array<[string, string]> = [
    [
      'engine',
      "the app's `presentDuring`: one range scan per (place, merged stay) probe, time overlap in SQL (SQLite: 400 probes per statement; PostgreSQL: the probes in two statements run at once)",
    ],
    ['keys', 'before: `(place, bucket) IN (…)` lists of 400 keys, everyone in those place-hours'],
  ];
  out.push(
    table(
      ['Lookup', ...runs.map((r) => `${ENGINE_NAMES[r.engine] ?? r.engine} ${sizeLabel(r.size)}`)],
      ways.map(([key, label]) => [
        label,
        ...runs.map((r) => {
          const w = r.run.lookup_what_if?.[key];
          return w === undefined ? '—' : `${ms(w.ms.p50)} (${fmtInt(w.candidates_median)}), n = ${w.ms.n}`;
        }),
      ]),
      ['l'],
    ),
  );
  out.push('');
  out.push('### Query plans');
  out.push('');
  for (const { engine, size, run } of runs.filter((r) => r.size === '10m' || runs.every((x) => x.size !== '10m'))) {
    out.push(
      `<details><summary>${ENGINE_NAMES[engine] ?? engine} ${sizeLabel(size)}: the lookups of one trace (${engine === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN (ANALYZE, BUFFERS)'})</summary>`,
    );
    out.push('');
    for (const [name, plan] of Object.entries(run.plans)) {
      out.push(`**${name}**`);
      out.push('');
      out.push('```');
      out.push(plan);
      out.push('```');
      out.push('');
    }
    out.push('</details>');
    out.push('');
  }
  return out.join('\n');
}

interface ScanStatisticFile {
  readonly benchmark: string;
  readonly command: string;
  readonly target?: string;
  readonly environment?: { node?: string; cpuCount?: number; loadAverageAtStart?: number[] };
  readonly results: ReadonlyArray<{
    name: string;
    cases: number;
    resolution: number;
    cylinders?: number;
    replications?: number;
    medianMs: number;
    medianCpuMs?: number;
    peakRssMb?: number;
  }>;
}

function scanSection(file: ScanStatisticFile | undefined): string {
  if (file === undefined) return '';
  const out: string[] = [];
  out.push('## Space-time permutation scan statistic');
  out.push('');
  out.push(
    `Run by \`npm run bench\` (\`${file.command}\` alone). Figures copied from \`bench/results/scan-statistic.json\`${file.target ? `; target: ${file.target}` : ''}.`,
  );
  out.push('');
  out.push(
    table(
      [
        'Configuration',
        'Cases',
        'H3 resolution',
        'Cylinders',
        'Replications',
        'Median wall time',
        'Median CPU time',
        'Peak RSS',
      ],
      file.results.map((r) => [
        r.name,
        fmtInt(r.cases),
        String(r.resolution),
        r.cylinders === undefined ? '—' : fmtInt(r.cylinders),
        r.replications === undefined ? '—' : fmtInt(r.replications),
        ms(r.medianMs),
        r.medianCpuMs === undefined ? '—' : ms(r.medianCpuMs),
        r.peakRssMb === undefined ? '—' : `${r.peakRssMb} MB`,
      ]),
      ['l'],
    ),
  );
  out.push('');
  return out.join('\n');
}

const METHOD = `## How the tracing benchmark works

- **The city** (\`bench/generate.ts\`, seeded): users around Paris in a square whose area grows with the number of users
  (105 km², Paris intra muros, at 10,000 users), so the density of people — and the number of contacts of each — is
  the same at every size: 10× the data is 10× the people, not 10× the contacts per person, and the growth measured is
  that of the lookups with the size of the tables. Per user and day: two long home stays, on weekdays a commute, two
  long stays at the desk (offices of ~15) and a lunch break, 5-minute location stays while out (GPS jitter σ = 3 m),
  1–3 venue check-ins, 2–5 Bluetooth encounters with colleagues or friends recorded on both phones (80%) with the
  peer's real rotating token (stored in \`proximity_tokens\`; \`peer_user_id\` set as ingest resolves it). About
  71.4 interactions per user-day: 1,000 users × 14 days ≈ 1 M interactions, 10,000 users ≈ 10 M. Rows are built by the
  production builders (\`toRow\`, \`presenceRowsOf\`: H3 resolution 10, 60-minute buckets) and written straight into the
  database (SQLite file under \`bench/data/\`, PostgreSQL schema \`bench_tracing_<size>\`), then reused while the same
  seed, size and migrations apply and the data is recent enough to stay inside retention.
- **The sources**: up to 45 users spread over the city (\`--warmup\` + \`--samples\` of them, 3 + 20 in the runs above), each with a full 14-day history. Each has a
  planted "buddy" (a friend living nearby) who visits on day −3 from 20:00 to 21:00 UTC, 3 m away: 60 min × 0.5 (GPS)
  × 1.0 (infectiousness) × 0.5 (self-report) = 15 weighted minutes, tier high — so every trace notifies at least the
  buddy. The symptom onset reported is day −5, so the infectious window (onset −4 … +5) covers the last 9 days of data.
- **(a)** inserts a self-reported case for the source and times \`app.tracing.traceCase(caseId)\`: the whole trace,
  from reading the source's observations to writing the risks and notifications and publishing them.
- **(b)** resets what tracing wrote, then per source: clears the buddy's notification state (so the trace must notify
  whatever earlier sources did), connects the buddy's SSE stream, sends \`POST /symptoms\` as the source over HTTP
  (which creates the case and its trace job), and stops when the buddy's \`notification\` event is parsed.
  **(b′)** repeats (b) for 20 of the sources after stopping the app's analytics engine (\`app.analytics.stop()\`), which
  otherwise recomputes its day rows on the same report (\`ANALYTICS_SETTLE_MS\`, 500 ms, after it).
- Every sample starts with the app quiet: no trace job, analytics work or zone scan running, and the zone scanner's
  5-second debounce after the previous case event elapsed (the scan itself is not timed).
- Everything runs in one Node process: the app (\`buildApp\`, listening on a port, default configuration, in-process
  event bus) and the client (fetch, the SSE client of the tests). The parts of a trace are timed by wrapping the methods
  of the app's own repository instances, and the SQL it runs is captured by a Kysely plugin on the database handle:
  src/ is measured unchanged.
- On PostgreSQL the city has one partition per day of data (\`interactions\`, \`presence_index\`), as a deployment that
  has run for two weeks has, and is VACUUM ANALYZEd after loading.
- The database files were in the operating system's page cache, as a server's that has been running are (the 10M
  runs were preceded by reading the SQLite file, or PostgreSQL's files of the database, once: \`cat … > /dev/null\`).
  Read from disk, a 10M PostgreSQL trace took 3–4 s (measured and discarded in the same session).
`;

export function renderBenchmarks(resultsDir: string): string {
  const files = ['sqlite', 'postgres']
    .map((engine) => readJson<TracingResultFile>(`${resultsDir}/tracing-${engine}.json`))
    .filter((f): f is TracingResultFile => f !== undefined);
  const scan = readJson<ScanStatisticFile>(`${resultsDir}/scan-statistic.json`);
  return [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.ts, bench/lib/report.ts) from bench/results/*.json: regenerate, do not edit by hand. -->',
    '',
    tracingSection(files),
    METHOD,
    ingestSection(`${resultsDir}/ingest.json`),
    scanSection(scan),
  ].join('\n');
}
