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
 * worked out by the server from that.
 *
 * The scenario (demoScenario): a town whose epidemic simmers, fed by people infected elsewhere (a steady trickle since
 * ten days before the replayed days, everyday transmission held low by careful habits), and a village 4 km away,
 * which keeps to itself, where a choir's rehearsal a week before the end is a superspreading event (gathering.ts: the
 * Skagit County attack rate). The health department tests everyone who reports symptoms in the app. The zone scan
 * then finds the village's outbreak as a significant cluster and raises its alert: it is an outbreak concentrated in
 * one place and in the last days, which the town's cases, spread over the days, are not.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, type LocalServer } from './local-server.js';
import { formatReport } from './report.js';
import { runSimulation, type SimulationProgress, type SimulationResult } from './runner.js';
import { DEFAULT_DISEASE, type DiseaseParameters } from './disease.js';
import { generatedScenario, type Scenario } from './scenario.js';

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
 * most singers fall ill and report in the last days of the run.
 */
export const choirDay = (days: number): number => Math.max(0, days - 7);

/** The village's share of the demo's people (200 of 600), and how far it is from the town. */
export const VILLAGE_SHARE = 1 / 3;
export const VILLAGE_DISTANCE_METRES = 4000;
/** People of the town infected elsewhere: per day and per 600 people; since this many days before the first day. */
export const IMPORTS_PER_DAY_PER_600 = 5;
export const IMPORTS_SINCE_DAYS_BEFORE = 10;

/**
 * The demo's disease: everyday transmission half of DEFAULT_DISEASE's (a careful town, where the epidemic simmers
 * rather than grows), and every self-report followed by a test (the health department tests everyone who reports
 * symptoms in the app; all of them are infected in the simulation, so all are confirmed).
 */
export const DEMO_DISEASE: DiseaseParameters = {
  ...DEFAULT_DISEASE,
  betaClose: DEFAULT_DISEASE.betaClose / 2,
  betaFar: DEFAULT_DISEASE.betaFar / 2,
  confirmAfterReportShare: 1,
};

/** The demo's town, village and choir (see the top of this file). */
export function demoScenario(settings: Pick<DemoSettings, 'population' | 'days' | 'seed'>): Scenario {
  const { population, days, seed } = settings;
  return generatedScenario({
    population,
    seed,
    initialInfections: 0,
    importations: {
      perDay: (IMPORTS_PER_DAY_PER_600 * population) / 600,
      fromDay: -IMPORTS_SINCE_DAYS_BEFORE,
      toDay: days - 1,
    },
    village: { population: Math.round(population * VILLAGE_SHARE), distanceMetres: VILLAGE_DISTANCE_METRES },
    choir: { day: choirDay(days) },
    disease: DEMO_DISEASE,
  });
}

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
  const { seed } = settings;
  const result = await runSimulation({
    baseUrl: server.baseUrl,
    scenario: demoScenario(settings),
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
