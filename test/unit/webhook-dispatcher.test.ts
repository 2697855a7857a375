import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/modules/alerts/model.js';
import type { AlertsRepository, ClaimedDelivery } from '../../src/modules/alerts/repository.js';
import { WebhookDispatcher, type WebhookSettings } from '../../src/modules/alerts/webhooks.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

interface Delivery {
  id: string;
  url: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: number | null;
}

/** The outbox in memory, with the repository's claim semantics. */
class FakeOutbox {
  readonly rows: Delivery[] = [];

  add(id: string, url: string, createdAt = Date.now()): Delivery {
    const row: Delivery = {
      id,
      url,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: createdAt,
      createdAt,
      lastStatus: null,
      lastError: null,
      deliveredAt: null,
    };
    this.rows.push(row);
    return row;
  }

  async claimDue(now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const due = this.rows.filter((r) => r.state === 'pending' && r.nextAttemptAt <= now).slice(0, limit);
    return due.map((r) => {
      r.attempts++;
      r.nextAttemptAt = now + leaseMs;
      return {
        id: r.id,
        alertId: `alert-${r.id}`,
        url: r.url,
        attempt: r.attempts,
        createdAt: r.createdAt,
        payload: `{"id":"alert-${r.id}"}`,
      };
    });
  }

  async markDelivered(id: string, at: number, status: number): Promise<void> {
    Object.assign(this.find(id), { state: 'delivered', deliveredAt: at, lastStatus: status, lastError: null });
  }

  async markFailed(
    id: string,
    nextAttemptAt: number,
    status: number | null,
    error: string,
    giveUp: boolean,
  ): Promise<void> {
    Object.assign(this.find(id), {
      state: giveUp ? 'failed' : 'pending',
      nextAttemptAt,
      lastStatus: status,
      lastError: error,
    });
  }

  async nextDueAt(): Promise<number | null> {
    const pending = this.rows.filter((r) => r.state === 'pending').map((r) => r.nextAttemptAt);
    return pending.length === 0 ? null : Math.min(...pending);
  }

  private find(id: string): Delivery {
    return this.rows.find((r) => r.id === id)!;
  }
}

interface Call {
  readonly url: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly at: number;
}

const settings = (overrides: Partial<WebhookSettings> = {}): WebhookSettings => ({
  secret: SECRET,
  timeoutMs: 1000,
  retry: { baseMs: 40, maxMs: 1000 },
  giveUpMs: 60_000,
  pollMs: 50,
  ...overrides,
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('webhook dispatcher', () => {
  const dispatchers: WebhookDispatcher[] = [];
  const start = (outbox: FakeOutbox, fetchImpl: typeof fetch, overrides: Partial<WebhookSettings> = {}) => {
    const dispatcher = new WebhookDispatcher(outbox as unknown as AlertsRepository, settings(overrides), log, {
      fetch: fetchImpl,
      random: () => 0,
    });
    dispatchers.push(dispatcher);
    dispatcher.start();
    return dispatcher;
  };
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  });

  const recording = (answer: (call: Call, n: number) => Response | Promise<Response>) => {
    const calls: Call[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      const call = { url, body: String(init.body), headers: init.headers as Record<string, string>, at: Date.now() };
      calls.push(call);
      return answer(call, calls.length);
    }) as unknown as typeof fetch;
    return { calls, fetchImpl };
  };

  it('POSTs a signed body once and marks the delivery delivered', async () => {
    const outbox = new FakeOutbox();
    outbox.add('d1', 'http://127.0.0.1:9/hook');
    const { calls, fetchImpl } = recording(() => new Response(null, { status: 204 }));
    start(outbox, fetchImpl);
    await until(() => outbox.rows[0]!.state === 'delivered');
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.body).toBe('{"type":"cluster_alert","alert":{"id":"alert-d1"}}');
    expect(call!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-epitrace-delivery': 'd1',
      'x-epitrace-event': 'cluster_alert',
    });
    const verdict = verifyWebhook(
      SECRET,
      { signature: call!.headers['x-epitrace-signature'], timestamp: call!.headers['x-epitrace-timestamp'] },
      call!.body,
      Math.floor(Date.now() / 1000),
    );
    expect(verdict).toEqual({ ok: true });
    expect(outbox.rows[0]).toMatchObject({ attempts: 1, lastStatus: 204, lastError: null });
  });

  it('retries a failing receiver with growing delays until it answers 2xx, re-signing each attempt', async () => {
    const outbox = new FakeOutbox();
    outbox.add('d1', 'http://127.0.0.1:9/hook');
    const { calls, fetchImpl } = recording((_call, n) =>
      n <= 2 ? new Response('no', { status: n === 1 ? 500 : 503 }) : new Response('ok'),
    );
    start(outbox, fetchImpl);
    await until(() => outbox.rows[0]!.state === 'delivered');
    expect(calls).toHaveLength(3);
    // random() = 0: delays of base/2 = 20 ms, then base = 40 ms.
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(19);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(39);
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
    expect(outbox.rows[0]).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null });
  });

  it('records network errors and redirects as failures; gives up after the give-up period', async () => {
    const outbox = new FakeOutbox();
    outbox.add('refused', 'http://127.0.0.1:9/a', Date.now() - 59_990);
    outbox.add('moved', 'http://127.0.0.1:9/b', Date.now() - 59_990);
    const { fetchImpl } = recording((call) => {
      if (call.url.endsWith('/a'))
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      return new Response(null, { status: 302, headers: { location: 'http://elsewhere.example/' } });
    });
    start(outbox, fetchImpl);
    await until(() => outbox.rows.every((r) => r.state === 'failed'));
    expect(outbox.rows.map((r) => [r.id, r.lastError, r.lastStatus, r.attempts])).toEqual([
      ['refused', 'ECONNREFUSED', null, 1],
      ['moved', 'HTTP 302', 302, 1],
    ]);
  });

  it('times out a receiver that does not answer', async () => {
    const outbox = new FakeOutbox();
    outbox.add('slow', 'http://127.0.0.1:9/hook');
    const hang = ((_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) =>
        init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
      )) as unknown as typeof fetch;
    start(outbox, hang, { timeoutMs: 100, retry: { baseMs: 60_000, maxMs: 60_000 } });
    await until(() => outbox.rows[0]!.lastError !== null);
    expect(outbox.rows[0]).toMatchObject({ state: 'pending', lastError: 'timed out', attempts: 1 });
  });

  it('sends nothing without a secret', async () => {
    const outbox = new FakeOutbox();
    outbox.add('d1', 'http://127.0.0.1:9/hook');
    const { calls, fetchImpl } = recording(() => new Response('ok'));
    const dispatcher = start(outbox, fetchImpl, { secret: undefined });
    await new Promise((r) => setTimeout(r, 150));
    await dispatcher.idle();
    expect(calls).toHaveLength(0);
    expect(outbox.rows[0]!.state).toBe('pending');
  });

  it('on stop, cuts an attempt short and leaves the delivery due at once for the next process', async () => {
    const outbox = new FakeOutbox();
    outbox.add('d1', 'http://127.0.0.1:9/hook');
    let started = false;
    const hang = ((_url: string, init: RequestInit) => {
      started = true;
      return new Promise<Response>((_resolve, reject) =>
        init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
      );
    }) as unknown as typeof fetch;
    const dispatcher = start(outbox, hang, { timeoutMs: 60_000 });
    await until(() => started);
    const before = Date.now();
    await dispatcher.stop();
    expect(outbox.rows[0]).toMatchObject({ state: 'pending', lastError: 'interrupted by shutdown', attempts: 1 });
    expect(outbox.rows[0]!.nextAttemptAt).toBeLessThanOrEqual(Date.now());
    expect(outbox.rows[0]!.nextAttemptAt).toBeGreaterThanOrEqual(before - 1);
  });

  it('picks up deliveries that appear later, when kicked or on its own', async () => {
    const outbox = new FakeOutbox();
    const { calls, fetchImpl } = recording(() => new Response('ok'));
    const dispatcher = start(outbox, fetchImpl, { pollMs: 100 });
    await dispatcher.idle();
    outbox.add('kicked', 'http://127.0.0.1:9/hook');
    dispatcher.kick();
    await until(() => calls.length === 1);
    outbox.add('polled', 'http://127.0.0.1:9/hook'); // e.g. created by another process: no kick here
    await until(() => calls.length === 2, 2000);
    expect(outbox.rows.map((r) => r.state)).toEqual(['delivered', 'delivered']);
  });
});
