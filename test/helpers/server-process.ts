import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface ServerProcess {
  readonly baseUrl: string;
  readonly child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

// A test that times out before its afterAll can stop its server must not leave the server running.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `src/main.ts` as a real process (as `npm start` does), or the CLI with `cli` arguments (`['serve',
 * '--workers', '2']`), and waits until /healthz answers.
 */
export async function startServer(env: Record<string, string>, cli?: readonly string[]): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(cli === undefined ? ['src/main.ts'] : ['src/cli/index.ts', ...cli])],
    {
      cwd: PROJECT_ROOT,
      // The embedded database unless the caller says otherwise, whatever the test runner's environment has.
      env: {
        ...process.env,
        DATABASE_URL: '',
        REDIS_URL: '',
        LOG_LEVEL: 'warn',
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Runs `src/main.ts` (or the CLI with `cli` arguments) with `env` until it exits by itself, as when it cannot start;
 * returns its exit code and what it wrote. A PORT and HOST of the caller's are kept (unlike startServer).
 */
export async function runUntilExit(
  env: Record<string, string>,
  cli?: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(cli === undefined ? ['src/main.ts'] : ['src/cli/index.ts', ...cli])],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  running.delete(child);
  return { code, stdout, stderr };
}

/** The JSON log lines a server process has written so far (pino), parsed. */
export function logLinesOf<T>(server: ServerProcess): T[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as T);
}

/** Polls `what` every 50 ms until it holds or `ms` have passed; returns its last value. */
export async function waitUntil(what: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return what();
}

/** POSTs a JSON body to a server process, with a bearer token or none; returns the status and the parsed answer. */
export async function postJson(
  server: ServerProcess,
  path: string,
  token: string | null,
  body: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the server answered
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Registers an anonymous app user with a server process. */
export async function registerWith(server: ServerProcess): Promise<{ id: string; token: string }> {
  return (await postJson(server, '/users', null, {})).body as { id: string; token: string };
}

/** A GPS stay of `minutes` from `startMs` on the meridian the cluster tests share (their people differ by latitude). */
export function gpsStay(lat: number, startMs: number, minutes: number) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: randomUUID(),
    kind: 'location',
    lat,
    lng: 2.3522,
    accuracy_m: 5,
    started_at: iso(startMs),
    ended_at: iso(startMs + minutes * 60_000),
  };
}
