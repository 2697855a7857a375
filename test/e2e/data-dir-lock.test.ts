import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { needs, testRedisUrl } from '../helpers/dialects.js';
import { runUntilExit, startServer, type ServerProcess } from '../helpers/server-process.js';

/**
 * Two servers on one SQLite DATA_DIR without Redis would each keep their real-time events to themselves (a report
 * through one never reaches a stream on the other): the second is refused. With Redis they share the events, and
 * the directory.
 */
describe('the data directory lock', () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'epitrace-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const expectRefused = (result: { code: number | null; stderr: string }, dir: string, holder: string) => {
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
    expect(result.stderr).toContain(`epitrace: data directory ${dir} is in use by ${holder}`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  };

  it('refuses a second server without Redis, naming the directory and the other pid; a SIGKILLed one blocks nothing', async () => {
    const dir = dataDir();
    const first = await startServer({ DATA_DIR: dir });
    servers.push(first);
    expectRefused(
      await runUntilExit({ DATA_DIR: dir }),
      dir,
      `another Epitrace server (pid ${first.child.pid}); stop it`,
    );
    // The first server is not disturbed.
    expect((await fetch(`${first.baseUrl}/healthz`)).status).toBe(200);

    // Killed without a chance to clean up: the operating system drops its lock with it.
    expect(await first.stop('SIGKILL')).toBeNull();
    const next = await startServer({ DATA_DIR: dir });
    servers.push(next);
    expect((await fetch(`${next.baseUrl}/healthz`)).status).toBe(200);
    await next.stop();
  });

  const redis = needs({ redis: true });
  it.skipIf(redis.skip)(
    redis.title('lets servers sharing Redis share the directory, and refuses one without Redis beside them'),
    async () => {
      const dir = dataDir();
      const env = { DATA_DIR: dir, REDIS_URL: testRedisUrl()! };
      const a = await startServer(env);
      servers.push(a);
      const b = await startServer(env);
      servers.push(b);
      for (const server of [a, b]) expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
      expectRefused(await runUntilExit({ DATA_DIR: dir }), dir, 'Epitrace processes sharing Redis (pid ');
      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
    },
  );

  it.skipIf(redis.skip)(redis.title('refuses a server with Redis beside one without it'), async () => {
    const dir = dataDir();
    const alone = await startServer({ DATA_DIR: dir });
    servers.push(alone);
    expectRefused(
      await runUntilExit({ DATA_DIR: dir, REDIS_URL: testRedisUrl()! }),
      dir,
      `an Epitrace server without REDIS_URL (pid ${alone.child.pid}); stop it`,
    );
    expect(await alone.stop()).toBe(0);
  });
});
