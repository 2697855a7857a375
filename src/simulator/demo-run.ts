/**
 * The core of `npm run demo` (demo.ts reads its settings and handles Ctrl-C; test/e2e/demo.test.ts runs this same
 * core with a smaller city): a server on a fresh embedded database, then a simulated city living its last days
 * against it through the API.
 *
 * The city's phones, health professional and authority send only what they would know: the residents' stays and
 * encounters, symptom reports with the day they fell ill, confirmations with the test date, the onset and the day the
 * case was reported (the server's today is later in a replay), and the
 * health department's line list (people without the app) with the days their cases were reported. Everything the
 * dashboard then shows (the case curve by onset, Rt, the zones and their alerts, notifications and follow-ups) is
 * worked out by the server from that. A week before the end, a neighbourhood choir's rehearsal is a superspreading
 * event (gathering.ts: the Skagit County attack rate), an outbreak in one place for the zone scan to find.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, type LocalServer } from './local-server.js';
import { formatReport } from './report.js';
import { runSimulation, type SimulationProgress, type SimulationResult } from './runner.js';
import { generatedScenario } from './scenario.js';

export interface DemoSettings {
  readonly population: number;
  readonly days: number;
  readonly seed: number;
  /** How much faster than real time the simulated days run (24,000: twelve days in about 45 s). */
  readonly speedUp: number;
  /** Phones holding a notification stream open. */
  readonly streams: number;
  readonly port?: number;
  readonly dataDir?: string;
}

/**
 * Twelve days: Rt needs at least 8 days from the first onset (a 7-day window starting on day 2), and the first
 * people infected fall ill in the first days.
 */
export const DEFAULT_DEMO: DemoSettings = { population: 600, days: 12, seed: 2026, speedUp: 24_000, streams: 500 };

/**
 * The day of the demo's superspreading event (a choir rehearsal, see gathering.ts): a week before the last day, so
 * the singers fall ill, report and are confirmed before the run ends.
 */
export const choirDay = (days: number): number => Math.max(0, days - 8);

/** Where the demo writes for people (the terminal). */
export type DemoOutput = (text: string) => void;

/** Starts the demo's server and says where to find it and how to sign in. */
export async function startDemoServer(settings: DemoSettings, out: DemoOutput): Promise<LocalServer> {
  const dataDir = settings.dataDir ?? mkdtempSync(join(tmpdir(), 'epitrace-demo-'));
  out(`Starting Epitrace on an embedded SQLite database in ${dataDir} ...\n`);
  const server = await startLocalServer({
    dataDir,
    ...(settings.port === undefined ? {} : { port: settings.port }),
    env: { SCAN_DEBOUNCE_MS: '1000', LOG_LEVEL: 'warn' },
  });
  out(
    [
      '',
      `  Dashboard  ${server.baseUrl}/dashboard`,
      `  App        ${server.baseUrl}/app`,
      `  API docs   ${server.baseUrl}/docs`,
      '',
      `  Health professional: ${server.professional.username} / ${server.professional.password}`,
      `  Authority:           ${server.authority.username} / ${server.authority.password}`,
      '',
      `Simulating ${settings.population} people over the last ${settings.days} days (seed ${settings.seed}) ...`,
      '',
    ].join('\n'),
  );
  return server;
}

/** The simulated city lives its days against the demo's server; prints and returns the run's report. */
export async function simulateDemoCity(
  server: LocalServer,
  settings: DemoSettings,
  out: DemoOutput,
  onProgress?: (progress: SimulationProgress) => void,
): Promise<SimulationResult> {
  const { population, seed } = settings;
  const result = await runSimulation({
    baseUrl: server.baseUrl,
    scenario: generatedScenario({
      population,
      seed,
      initialInfections: Math.max(5, Math.round(population / 50)),
      choir: { day: choirDay(settings.days) },
    }),
    days: settings.days,
    speedUp: settings.speedUp,
    seed,
    professional: server.professional,
    authority: server.authority,
    streams: settings.streams,
    ...(onProgress ? { onProgress } : {}),
  });
  out(`\n\n${formatReport(result.report)}\n`);
  return result;
}
