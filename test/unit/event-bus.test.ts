import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BusClosedError, type EventBus } from '../../src/platform/bus/event-bus.js';
import { MemoryBus } from '../../src/platform/bus/memory-bus.js';
import { RedisBus } from '../../src/platform/bus/redis-bus.js';
import { needs, testRedisUrl } from '../helpers/dialects.js';

const redisUrl = testRedisUrl();

/** Resolves when `condition` holds, checking every 5 ms; fails after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Pair {
  /** Publishes. */
  readonly publisher: EventBus;
  /** Subscribes (the same bus in-process; another RedisBus instance — another "process" — on Redis). */
  readonly subscriber: EventBus;
}

const implementations: Array<[string, (onError?: (error: unknown, channel: string) => void) => Pair]> = [
  [
    'MemoryBus',
    (onError) => {
      const bus = new MemoryBus(onError);
      return { publisher: bus, subscriber: bus };
    },
  ],
];
if (redisUrl !== undefined) {
  implementations.push([
    'RedisBus (two instances)',
    (onError) => {
      const prefix = `epitrace-test:${randomUUID()}:`;
      return {
        publisher: new RedisBus({ url: redisUrl, prefix, ...(onError ? { reportHandlerError: onError } : {}) }),
        subscriber: new RedisBus({ url: redisUrl, prefix, ...(onError ? { reportHandlerError: onError } : {}) }),
      };
    },
  ]);
}

describe.each(implementations)('%s', (_name, make) => {
  const pairs: Pair[] = [];
  const pair = (onError?: (error: unknown, channel: string) => void) => {
    const p = make(onError);
    pairs.push(p);
    return p;
  };
  afterEach(async () => {
    for (const p of pairs.splice(0)) await Promise.all([p.publisher.close(), p.subscriber.close()]);
  });

  it('delivers to every subscriber of the channel, in order, as JSON copies, and nothing to other channels', async () => {
    const { publisher, subscriber } = pair();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const other: unknown[] = [];
    await subscriber.subscribe('user:1', (p) => a.push(p));
    await subscriber.subscribe('user:1', (p) => b.push(p));
    await subscriber.subscribe('user:2', (p) => other.push(p));
    const sent = { type: 'x', n: 1, nested: { when: new Date(0) } };
    await publisher.publish('user:1', sent);
    for (let n = 2; n <= 20; n++) await publisher.publish('user:1', { n });
    await eventually(() => a.length === 20 && b.length === 20);
    expect(a[0]).toEqual({ type: 'x', n: 1, nested: { when: '1970-01-01T00:00:00.000Z' } });
    expect(a[0]).not.toBe(sent);
    expect(a[0]).not.toBe(b[0]);
    expect(a.map((p) => (p as { n: number }).n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await sleep(20);
    expect(other).toEqual([]);
  });

  it('an event published after subscribe() resolved is delivered (no gap before the replay)', async () => {
    const { publisher, subscriber } = pair();
    for (let i = 0; i < 10; i++) {
      const got: unknown[] = [];
      const channel = `c:${i}`;
      const unsubscribe = await subscriber.subscribe(channel, (p) => got.push(p));
      await publisher.publish(channel, i);
      await eventually(() => got.length === 1);
      await unsubscribe();
    }
  });

  it('unsubscribing stops delivery to that subscription only, and is idempotent', async () => {
    const { publisher, subscriber } = pair();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const handler = (p: unknown) => a.push(p);
    const first = await subscriber.subscribe('ch', handler);
    await subscriber.subscribe('ch', handler); // the same function twice: two subscriptions
    await subscriber.subscribe('ch', (p) => b.push(p));
    await publisher.publish('ch', 1);
    await eventually(() => a.length === 2 && b.length === 1);
    await first();
    await first();
    await publisher.publish('ch', 2);
    await eventually(() => b.length === 2);
    await sleep(20);
    expect(a).toEqual([1, 1, 2]);
  });

  it('survives rapid subscribe/unsubscribe of one channel', async () => {
    const { publisher, subscriber } = pair();
    const got: unknown[] = [];
    const pending = [];
    for (let i = 0; i < 20; i++) pending.push(subscriber.subscribe('churn', () => undefined).then((off) => off()));
    const last = subscriber.subscribe('churn', (p) => got.push(p));
    await Promise.all(pending);
    await last;
    await publisher.publish('churn', 'still here');
    await eventually(() => got.length === 1);
  });

  it('a handler that throws neither stops the others nor the publisher', async () => {
    const errors: unknown[] = [];
    const { publisher, subscriber } = pair((error) => errors.push(error));
    const got: unknown[] = [];
    await subscriber.subscribe('ch', () => {
      throw new Error('boom');
    });
    await subscriber.subscribe('ch', (p) => got.push(p));
    await publisher.publish('ch', 'x');
    await eventually(() => got.length === 1 && errors.length === 1);
    expect((errors[0] as Error).message).toBe('boom');
  });

  it('refuses payloads JSON cannot carry and malformed channel names', async () => {
    const { publisher, subscriber } = pair();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(publisher.publish('ch', undefined)).rejects.toThrow(TypeError);
    await expect(publisher.publish('ch', () => 1)).rejects.toThrow(TypeError);
    await expect(publisher.publish('ch', 1n)).rejects.toThrow(TypeError);
    await expect(publisher.publish('ch', cyclic)).rejects.toThrow(TypeError);
    await expect(publisher.publish('has space', 1)).rejects.toThrow(TypeError);
    await expect(subscriber.subscribe('glob*', () => undefined)).rejects.toThrow(TypeError);
    await expect(publisher.publish('', 1)).rejects.toThrow(TypeError);
  });

  it('after close, publishing and subscribing reject, and unsubscribing is harmless', async () => {
    const { publisher, subscriber } = pair();
    const off = await subscriber.subscribe('ch', () => undefined);
    await publisher.close();
    await subscriber.close();
    await expect(publisher.publish('ch', 1)).rejects.toThrow(BusClosedError);
    await expect(subscriber.subscribe('ch', () => undefined)).rejects.toThrow(BusClosedError);
    await off();
    await subscriber.close();
  });
});

const redis = needs({ redis: true });
describe.skipIf(redis.skip)(redis.title('RedisBus specifics'), () => {
  const buses: RedisBus[] = [];
  const bus = (prefix: string) => {
    const b = new RedisBus({ url: redisUrl!, prefix });
    buses.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });

  it('an event published by one process reaches the subscribers of every other process, and only with the same prefix', async () => {
    const prefix = `epitrace-test:${randomUUID()}:`;
    const [a, b, c, foreign] = [bus(prefix), bus(prefix), bus(prefix), bus(`epitrace-test:${randomUUID()}:`)];
    const got = { b: [] as unknown[], c: [] as unknown[], foreign: [] as unknown[] };
    await b.subscribe('user:42', (p) => got.b.push(p));
    await c.subscribe('user:42', (p) => got.c.push(p));
    await foreign.subscribe('user:42', (p) => got.foreign.push(p));
    await a.publish('user:42', { type: 'notification.created', notification: { seq: 1 } });
    await eventually(() => got.b.length === 1 && got.c.length === 1);
    expect(got.b[0]).toEqual({ type: 'notification.created', notification: { seq: 1 } });
    await sleep(50);
    expect(got.foreign).toEqual([]);
  });

  it('after the subscriber connection drops, subscribes again, says so (onResubscribed), then delivers again', async () => {
    const prefix = `epitrace-test:${randomUUID()}:`;
    const publisher = bus(prefix);
    const subscriber = bus(prefix);
    const got: unknown[] = [];
    const resubscribed = vi.fn();
    await subscriber.subscribe('ch', (p) => got.push(p), { onResubscribed: resubscribed });
    await publisher.publish('ch', 'before');
    await eventually(() => got.length === 1);

    (subscriber as unknown as { subscriber: Redis }).subscriber.disconnect(true);
    await eventually(() => resubscribed.mock.calls.length === 1, 10_000);
    await publisher.publish('ch', 'after');
    await eventually(() => got.length === 2);
    expect(got).toEqual(['before', 'after']);
  });

  it('unsubscribes from Redis when the last local handler leaves', async () => {
    const prefix = `epitrace-test:${randomUUID()}:`;
    const publisher = bus(prefix);
    const subscriber = bus(prefix);
    const off1 = await subscriber.subscribe('ch', () => undefined);
    const off2 = await subscriber.subscribe('ch', () => undefined);
    const count = async () => {
      const reply = (await (publisher as unknown as { publisher: Redis }).publisher.call(
        'PUBSUB',
        'NUMSUB',
        `${prefix}ch`,
      )) as [string, number];
      return Number(reply[1]);
    };
    expect(await count()).toBe(1);
    await off1();
    expect(await count()).toBe(1);
    await off2();
    expect(await count()).toBe(0);
  });
});
