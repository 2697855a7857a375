import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, type LocalServer } from '../simulator/local-server.js';
import { progressPrinter } from '../simulator/progress.js';
import { formatReport } from '../simulator/report.js';
import { runSimulation, type StaffCredentials } from '../simulator/runner.js';
import { generatedScenario } from '../simulator/scenario.js';
import { UsageError } from './usage-error.js';

/** The options of `epitrace simulate`, already parsed and checked by src/cli/commands/simulate.ts. */
export interface SimulateOptions {
  population: number;
  days: number;
  speedUp: number;
  seed: string;
  url?: string;
  staffUsername?: string;
  staffPassword?: string;
  authorityUsername?: string;
  authorityPassword?: string;
  streams: number;
  concurrency: number;
  reportJson?: string;
}

/** `epitrace simulate`: returns the exit code. `commandLine` is recorded in the --report-json file. */
export async function simulateCommand(values: SimulateOptions, commandLine: string): Promise<number> {
  const { population, days, speedUp } = values;
  const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
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
  let professional = credentials(values.staffUsername, values.staffPassword, 'staff');
  let authority = credentials(values.authorityUsername, values.authorityPassword, 'authority');
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
      streams: values.streams,
      concurrency: values.concurrency,
      onProgress: progressPrinter(),
    });
    process.stdout.write(`\n\n${formatReport(result.report)}\n`);
    if (values.reportJson !== undefined) {
      const record = {
        benchmark: 'simulation (issue 7)',
        command: commandLine,
        date: new Date().toISOString(),
        load_average: loadavg().map((x) => Math.round(x * 100) / 100),
        report: result.report,
        text: formatReport(result.report),
      };
      writeFileSync(values.reportJson, `${JSON.stringify(record, null, 2)}\n`);
    }
    return result.report.errors.total === 0 ? 0 : 1;
  } finally {
    await server?.stop();
  }
}
