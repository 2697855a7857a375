/**
 * `npm run demo`: a server on a fresh embedded database, and a small simulated city living its last twelve days
 * against it (demo-run.ts), so the dashboard and the app have cases, a case curve, Rt, notifications and zones to
 * show. The server keeps running after the simulation until Ctrl-C. DEMO_POPULATION, DEMO_DAYS and DEMO_SEED change
 * the city.
 */
import { DEFAULT_DEMO, simulateDemoCity, startDemoServer, type DemoSettings } from './demo-run.js';
import { freePort } from './local-server.js';
import { progressPrinter } from './progress.js';

const setting = (name: string, fallback: number): number => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`${name} must be a positive whole number (got "${value}")\n`);
    process.exit(2);
  }
  return n;
};

const requested = Number(process.env.PORT ?? 8080);
const settings: DemoSettings = {
  ...DEFAULT_DEMO,
  population: setting('DEMO_POPULATION', DEFAULT_DEMO.population),
  seed: setting('DEMO_SEED', DEFAULT_DEMO.seed),
  days: setting('DEMO_DAYS', DEFAULT_DEMO.days),
  port: await freePort().then(async (fallback) => ((await isFree(requested)) ? requested : fallback)),
};
const write = (text: string) => void process.stdout.write(text);
const server = await startDemoServer(settings, write);

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

await simulateDemoCity(server, settings, write, progressPrinter());
process.stdout.write(
  `\nThe server is still running at ${server.baseUrl} (dashboard ${server.baseUrl}/dashboard, app ${server.baseUrl}/app). Ctrl-C stops it.\n`,
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
