/**
 * `npm run demo`: a server on a fresh embedded database, and a small simulated city living its last two weeks
 * against it, so the dashboard and the app have cases, notifications, zones and alerts to show. The server keeps
 * running after the simulation until Ctrl-C.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLocalServer } from './local-server.js';
import { progressPrinter } from './progress.js';
import { formatReport } from './report.js';
import { runSimulation } from './runner.js';
import { generatedScenario } from './scenario.js';

const population = Number(process.env.DEMO_POPULATION ?? 600);
const seed = Number(process.env.DEMO_SEED ?? 2026);
const days = Number(process.env.DEMO_DAYS ?? 10);
const requested = Number(process.env.PORT ?? 8080);
const port = await freePort().then(async (fallback) => ((await isFree(requested)) ? requested : fallback));
const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-demo-'));

process.stdout.write(`Starting Epitrace on an embedded SQLite database in ${dataDir} ...\n`);
const server = await startLocalServer({ dataDir, port, env: { SCAN_DEBOUNCE_MS: '1000', LOG_LEVEL: 'warn' } });
process.stdout.write(
  [
    '',
    `  Dashboard  ${server.baseUrl}/dashboard`,
    `  App        ${server.baseUrl}/app`,
    `  API docs   ${server.baseUrl}/docs`,
    '',
    `  Health professional: ${server.professional.username} / ${server.professional.password}`,
    `  Authority:           ${server.authority.username} / ${server.authority.password}`,
    '',
    `Simulating ${population} people over the last ${days} days (seed ${seed}) ...`,
    '',
  ].join('\n'),
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping the server ...\n');
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

const result = await runSimulation({
  baseUrl: server.baseUrl,
  scenario: generatedScenario({ population, seed, initialInfections: Math.max(5, Math.round(population / 50)) }),
  days,
  speedUp: 20_000,
  seed,
  professional: server.professional,
  authority: server.authority,
  streams: 500,
  onProgress: progressPrinter(),
});
process.stdout.write(
  `\n\n${formatReport(result.report)}\n\nThe server is still running at ${server.baseUrl} (dashboard ${server.baseUrl}/dashboard, app ${server.baseUrl}/app). Ctrl-C stops it.\n`,
);

async function isFree(candidate: number): Promise<boolean> {
  if (!Number.isInteger(candidate) || candidate <= 0) return false;
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(candidate, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
