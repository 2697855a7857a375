import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalServer, type LocalServer } from '../simulator/local-server.js';
import { progressPrinter } from '../simulator/progress.js';
import { formatReport } from '../simulator/report.js';
import { runSimulation, type StaffCredentials } from '../simulator/runner.js';
import { generatedScenario } from '../simulator/scenario.js';
import { UsageError } from './usage-error.js';

export const SIMULATE_USAGE = `  simulate [--population N] [--days D] [--speed-up S] [--seed X] [--url URL]
           [--staff-username U --staff-password P] [--authority-username U --authority-password P]
           [--streams N] [--concurrency N] [--report-json FILE]
                             an agent-based city driving the server through its API; without --url it starts
                             its own server on a temporary embedded database`;

const integer = (value: string | undefined, fallback: number, name: string, min: number, max: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
};

/** `epitrace simulate`: returns the exit code. */
export async function simulateCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      population: { type: 'string' },
      days: { type: 'string' },
      'speed-up': { type: 'string' },
      seed: { type: 'string' },
      url: { type: 'string' },
      'staff-username': { type: 'string' },
      'staff-password': { type: 'string' },
      'authority-username': { type: 'string' },
      'authority-password': { type: 'string' },
      streams: { type: 'string' },
      concurrency: { type: 'string' },
      'report-json': { type: 'string' },
    },
  });
  const population = integer(values.population, 10_000, 'population', 1, 100_000);
  const days = integer(values.days, 14, 'days', 1, 20);
  const speedUp = values['speed-up'] === undefined ? 5000 : Number(values['speed-up']);
  if (!Number.isFinite(speedUp) || speedUp <= 1) throw new UsageError('--speed-up must be a number greater than 1');
  const seed = values.seed === undefined ? 1 : /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
  const credentials = (
    user: string | undefined,
    password: string | undefined,
    what: string,
  ): StaffCredentials | undefined => {
    if (user === undefined && password === undefined) return undefined;
    if (user === undefined || password === undefined)
      throw new UsageError(`give both --${what}-username and --${what}-password`);
    return { username: user, password };
  };
  let professional = credentials(values['staff-username'], values['staff-password'], 'staff');
  let authority = credentials(values['authority-username'], values['authority-password'], 'authority');
  let server: LocalServer | undefined;
  let baseUrl = values.url;
  if (baseUrl === undefined) {
    const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-simulate-'));
    process.stdout.write(`Starting a server on an embedded database in ${dataDir} ...\n`);
    server = await startLocalServer({ dataDir });
    baseUrl = server.baseUrl;
    professional ??= server.professional;
    authority ??= server.authority;
  }
  if (professional === undefined)
    throw new UsageError('with --url, give a health professional account: --staff-username and --staff-password');
  try {
    process.stdout.write(
      `Simulating ${population.toLocaleString('en')} people over the last ${days} days against ${baseUrl} (speed-up ${speedUp}, seed ${seed})\n`,
    );
    const result = await runSimulation({
      baseUrl,
      scenario: generatedScenario({ population, seed }),
      days,
      speedUp,
      seed,
      professional,
      authority,
      streams: values.streams === undefined ? undefined : integer(values.streams, 2000, 'streams', 0, 100_000),
      concurrency: integer(values.concurrency, 16, 'concurrency', 1, 1000),
      onProgress: progressPrinter(),
    });
    process.stdout.write(`\n\n${formatReport(result.report)}\n`);
    if (values['report-json'] !== undefined) {
      const record = {
        benchmark: 'simulation (issue 7)',
        command: `npx epitrace simulate ${args.join(' ')}`,
        date: new Date().toISOString(),
        load_average: loadavg().map((x) => Math.round(x * 100) / 100),
        report: result.report,
        text: formatReport(result.report),
      };
      writeFileSync(values['report-json'], `${JSON.stringify(record, null, 2)}\n`);
    }
    return result.report.errors.total === 0 ? 0 : 1;
  } finally {
    await server?.stop();
  }
}
