import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { needs, testRedisUrl } from '../helpers/dialects.js';
import { freePort, runUntilExit } from '../helpers/server-process.js';

const PASSWORD = 'pw-that-must-never-show';

/** A port nothing listens on (taken and released), so connecting to it is refused at once. */
const closedPort = freePort;

/** Exit code not 0, and standard error one line naming the problem: no stack trace, no password. */
function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, problem: RegExp): void {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.code).not.toBeNull();
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^epitrace: /);
  expect(lines[0]).toMatch(problem);
  expect(`${result.stdout}${result.stderr}`).not.toMatch(/^\s+at /m);
  expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
}

describe('start-up failures are one clear line and an exit code', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'epitrace-startup-'));
    dirs.push(dir);
    return dir;
  };
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('port in use', async () => {
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const result = await runUntilExit({ DATA_DIR: dataDir(), HOST: '127.0.0.1', PORT: String(port) });
    expectOneLine(
      result,
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; stop the other process or set PORT$`),
    );
  });

  it('an address that does not resolve', async () => {
    const result = await runUntilExit({ DATA_DIR: dataDir(), HOST: 'nonexistent.invalid' });
    expectOneLine(result, /HOST nonexistent\.invalid does not resolve to an address/);
  });

  it('PostgreSQL unreachable: names the URL with the password hidden', async () => {
    const port = await closedPort();
    const result = await runUntilExit({
      DATA_DIR: dataDir(),
      DATABASE_URL: `postgres://epitrace:${PASSWORD}@127.0.0.1:${port}/epitrace`,
      ENCRYPTION_KEYS: `s1:${randomBytes(32).toString('base64')}`,
      TOKEN_SECRET: randomBytes(32).toString('hex'),
    });
    expectOneLine(
      result,
      new RegExp(
        `cannot connect to PostgreSQL at postgres://epitrace:\\*\\*\\*@127\\.0\\.0\\.1:${port}/epitrace \\(.*ECONNREFUSED`,
      ),
    );
  });

  it('Redis unreachable: fails instead of retrying forever, names the URL with the password hidden', async () => {
    const port = await closedPort();
    const result = await runUntilExit({ DATA_DIR: dataDir(), REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}` });
    expectOneLine(
      result,
      new RegExp(`cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED`),
    );
  });

  it('a data directory that cannot be written (even by root: its parent is a file)', async () => {
    const file = join(dataDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    const result = await runUntilExit({ DATA_DIR: join(file, 'data') });
    expectOneLine(result, new RegExp(`data directory ${join(file, 'data')} is not writable \\(ENOTDIR`));
  });

  it('the same from the command line: `epitrace serve` with a data directory that cannot be written', async () => {
    const file = join(dataDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    const result = await runUntilExit({ DATA_DIR: join(file, 'data') }, ['serve']);
    expectOneLine(result, /is not writable/);
  });

  const redis = needs({ redis: true });
  it.skipIf(redis.skip)(
    redis.title('`serve --workers 2` on a port in use stops with that line instead of restarting its workers forever'),
    async () => {
      const blocker = createServer();
      servers.push(blocker);
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as { port: number };
      const result = await runUntilExit(
        { DATA_DIR: dataDir(), REDIS_URL: testRedisUrl()!, HOST: '127.0.0.1', PORT: String(port) },
        ['serve', '--workers', '2'],
      );
      expect(result.code, result.stderr).toBe(1);
      const lines = result.stderr.split('\n').filter((line) => line !== '');
      expect(lines.length, result.stderr).toBeGreaterThan(0);
      // Each worker that met it says the same line (they start together); nothing else.
      for (const line of lines)
        expect(line).toBe(`epitrace: port ${port} on 127.0.0.1 is already in use; stop the other process or set PORT`);
      expect(result.stdout).not.toMatch(/worker died; starting a replacement/);
    },
  );
});
