import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, PROJECT_ROOT, startServer, waitUntil, type ServerProcess } from '../helpers/server-process.js';

/** A thousand GPS stays of the last hour, for one upload. */
function uploadBatch() {
  const now = Date.now();
  return Array.from({ length: 1000 }, (_, i) => ({
    id: randomUUID(),
    kind: 'location',
    lat: 48.85 + i * 1e-5,
    lng: 2.35,
    started_at: new Date(now - 3_600_000).toISOString(),
    ended_at: new Date(now - 60_000).toISOString(),
  }));
}

/** Whether any process of the process group is still running. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('graceful shutdown', () => {
  const dirs: string[] = [];
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes the request in flight, refuses new connections and exits 0; the write is kept', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-shutdown-'));
    dirs.push(dataDir);
    server = await startServer({ DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const registration = await (
      await fetch(`${server.baseUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json();
    const auth = { authorization: `Bearer ${registration.token}`, 'content-type': 'application/json' };
    const batch = uploadBatch();
    const marker = server.output().length;
    const inFlight = fetch(`${server.baseUrl}/interactions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ interactions: batch }),
    });
    // Signal as soon as the server has started handling the upload.
    while (!server.output().slice(marker).includes('"url":"/interactions"')) await new Promise((r) => setTimeout(r, 5));
    const exit = server.stop('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect((await response.json()).created).toBe(1000);
    expect(await exit).toBe(0);
    expect(server.output()).toContain('shutting down');
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();

    // Restarted on the same data directory, the upload is all there.
    server = await startServer({ DATA_DIR: dataDir });
    const page = await (
      await fetch(`${server.baseUrl}/interactions?user_id=${registration.id}&limit=500`, { headers: auth })
    ).json();
    expect(page.interactions).toHaveLength(500);
    expect(page.next_cursor).not.toBeNull();
  });

  it('on Ctrl-C at `npm start` (SIGINT to the whole process group) stops as cleanly: database checkpointed and closed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-sigint-'));
    dirs.push(dataDir);
    const port = await freePort();
    // As a terminal runs it: npm and the server in one process group of their own.
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: PROJECT_ROOT,
      detached: true,
      env: {
        ...process.env,
        DATABASE_URL: '',
        REDIS_URL: '',
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const group = npm.pid!;
    let output = '';
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Closed once every process writing to them (npm, the server) has ended.
    const outputClosed = new Promise((resolve) => npm.stdout!.once('close', resolve));
    const npmExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const baseUrl = `http://127.0.0.1:${port}`;
      expect(
        await waitUntil(() => output.includes('Server listening'), 60_000),
        `the server did not start: ${output}`,
      ).toBe(true);
      const registration = await (
        await fetch(`${baseUrl}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      ).json();
      const auth = { authorization: `Bearer ${registration.token}`, 'content-type': 'application/json' };
      const upload = await fetch(`${baseUrl}/interactions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ interactions: uploadBatch() }),
      });
      expect(upload.status).toBe(200);
      const wal = join(dataDir, 'epitrace.sqlite-wal');
      // The writes are in the write-ahead log now.
      expect(statSync(wal).size).toBeGreaterThan(0);

      process.kill(-group, 'SIGINT');
      // npm's script execs the server (no shell in between), so npm ends with the server's own exit code.
      expect(await npmExit, output).toEqual({ code: 0, signal: null });
      await outputClosed;
      expect(await waitUntil(() => !groupAlive(group), 15_000)).toBe(true);

      const lines = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; signal?: string });
      expect(lines.find((line) => line.msg.startsWith('shutting down'))?.signal).toBe('SIGINT');
      // Logged once the database is closed, just before the server exits 0.
      expect(lines.map((line) => line.msg)).toContain('stopped: the database is closed');
      expect(output).not.toMatch(/^\s+at /m);
      // Checkpointed into the database file: no write-ahead log left behind.
      expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);

      // Everything written is there after a restart on the same directory.
      const restarted = await startServer({ DATA_DIR: dataDir });
      const page = await (
        await fetch(`${restarted.baseUrl}/interactions?user_id=${registration.id}&limit=500`, { headers: auth })
      ).json();
      expect(await restarted.stop()).toBe(0);
      expect(page.interactions).toHaveLength(500);
    } finally {
      if (groupAlive(group)) process.kill(-group, 'SIGKILL');
    }
  });

  it('on SIGINT to its process group, the server process itself exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-sigint-'));
    dirs.push(dataDir);
    const port = await freePort();
    // What `npm start` runs (package.json), in a process group of its own.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: PROJECT_ROOT,
      detached: true,
      env: {
        ...process.env,
        DATABASE_URL: '',
        REDIS_URL: '',
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      expect(await waitUntil(() => output.includes('Server listening'), 60_000), output).toBe(true);
      process.kill(-child.pid!, 'SIGINT');
      expect(await exit, output).toBe(0);
      expect(output).toContain('shutting down');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
