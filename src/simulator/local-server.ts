import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createStaff } from '../modules/staff/create-staff.js';
import { loadConfig } from '../config/index.js';
import type { StaffCredentials } from './runner.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LocalServer {
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly professional: StaffCredentials;
  readonly authority: StaffCredentials;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/**
 * Starts `epitrace serve` on the embedded SQLite database in `dataDir`, with limits a whole simulated city behind one
 * address needs (registrations and requests per window), after creating a health professional and an authority
 * account with the CLI's own function. Resolves once /healthz answers.
 */
export async function startLocalServer(options: {
  dataDir: string;
  port?: number;
  env?: Record<string, string>;
  quiet?: boolean;
  /** Usernames of the two staff accounts (default: sim.nurse.* and sim.epidemiologist.* with a random suffix). */
  usernames?: { professional: string; authority: string };
}): Promise<LocalServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {
    DATA_DIR: options.dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    AUTH_RATE_LIMIT_MAX: '10000000',
    RATE_LIMIT_MAX: '10000000',
    LOG_LEVEL: 'warn',
    SCAN_DEBOUNCE_MS: '2000',
    ...options.env,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  const suffix = randomBytes(3).toString('hex');
  const professional = {
    username: options.usernames?.professional ?? `sim.nurse.${suffix}`,
    password: randomBytes(18).toString('base64url'),
  };
  const authority = {
    username: options.usernames?.authority ?? `sim.epidemiologist.${suffix}`,
    password: randomBytes(18).toString('base64url'),
  };
  const config = loadConfig({ ...process.env, ...env });
  await createStaff(config, { role: 'health_professional', ...professional });
  await createStaff(config, { role: 'authority', ...authority });

  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', options.quiet === false ? 'inherit' : 'pipe', options.quiet === false ? 'inherit' : 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not start within 60 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    dataDir: options.dataDir,
    professional,
    authority,
    child,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      // The server finishes its requests within 10 s of SIGTERM; after that it is stopped for good.
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
