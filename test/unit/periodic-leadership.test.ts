import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisLeases, type LeaseManager } from '../../src/platform/jobs/lease.js';
import { startPeriodicTasks } from '../../src/platform/jobs/periodic.js';
import { needs, testRedisUrl } from '../helpers/dialects.js';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const redis = needs({ redis: true });
describe.skipIf(redis.skip)(redis.title('periodic jobs across processes (Redis leases)'), () => {
  const url = testRedisUrl();
  const clients: Redis[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });
  const client = () => {
    const c = new Redis(url!);
    clients.push(c);
    return c;
  };

  it.runIf(url !== undefined)(
    'runs a task on exactly one process at a time, and another takes over when the holder dies',
    async () => {
      const task = `retention-test-${randomUUID()}`;
      const runsBy: string[] = [];
      let concurrent = 0;
      let maxConcurrent = 0;
      const start = (holder: string, leases: LeaseManager) =>
        startPeriodicTasks(
          [
            {
              name: task,
              everyMs: 20,
              run: async () => {
                concurrent += 1;
                maxConcurrent = Math.max(maxConcurrent, concurrent);
                runsBy.push(holder);
                await sleep(5);
                concurrent -= 1;
              },
            },
          ],
          log,
          { leases, leaseTtlMs: 200, leaseCheckMs: 10 },
        );
      // A crashed process never gives its lease back: process A's release does nothing.
      const leasesOfA = new RedisLeases(client(), 'process-a');
      const crashingA: LeaseManager = {
        acquire: (name, ttl) => leasesOfA.acquire(name, ttl),
        release: async () => undefined,
      };
      const stopA = start('process-a', crashingA);
      await sleep(30);
      const stopB = start('process-b', new RedisLeases(client(), 'process-b'));
      while (runsBy.length < 8) await sleep(10);
      // Only the holder ran it, never both at once.
      expect(new Set(runsBy)).toEqual(new Set(['process-a']));
      expect(maxConcurrent).toBe(1);

      // Process A dies; its lease expires after 200 ms and process B takes over.
      await stopA();
      const takeoverFrom = runsBy.length;
      while (!runsBy.slice(takeoverFrom).includes('process-b')) await sleep(10);
      expect(runsBy.slice(takeoverFrom).every((h) => h === 'process-b')).toBe(true);
      expect(maxConcurrent).toBe(1);
      await stopB();
    },
  );

  it.runIf(url !== undefined)('a clean shutdown hands the lease over at once', async () => {
    const name = `handover-${randomUUID()}`;
    const a = new RedisLeases(client(), 'a');
    const b = new RedisLeases(client(), 'b');
    expect(await a.acquire(name, 60_000)).toBe(true);
    expect(await b.acquire(name, 60_000)).toBe(false);
    expect(await a.acquire(name, 60_000)).toBe(true); // renewal
    await b.release(name); // not the holder: no effect
    expect(await b.acquire(name, 60_000)).toBe(false);
    await a.release(name);
    expect(await b.acquire(name, 60_000)).toBe(true);
  });
});
