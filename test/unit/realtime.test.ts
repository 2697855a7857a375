import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusHandler, EventBus, SubscribeOptions } from '../../src/platform/bus/event-bus.js';
import { MemoryBus } from '../../src/platform/bus/memory-bus.js';
import { registerProblemHandlers } from '../../src/platform/http/problem.js';
import { createRealtimeHub } from '../../src/platform/realtime/hub.js';
import {
  OrderedStream,
  type OrderedEventSource,
  type StreamEvent,
} from '../../src/platform/realtime/ordered-stream.js';
import { formatSseEvent, parseLastEventId } from '../../src/platform/realtime/sse.js';
import { connectSse } from '../helpers/sse-client.js';
import { connectWs } from '../helpers/ws-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An in-memory "database" of events with a controllable replay, and its bus channel. */
class FakeSource implements OrderedEventSource {
  readonly channel = 'user:test';
  readonly stored: StreamEvent[] = [];
  replays: Array<number | undefined> = [];
  /** When set, replay waits for it before reading. */
  gate: Promise<void> | null = null;
  failNext = false;
  constructor(readonly consecutiveIds = false) {}

  store(id: number): StreamEvent {
    const event = { id, event: 'thing', data: { n: id } };
    this.stored.push(event);
    this.stored.sort((a, b) => a.id - b.id);
    return event;
  }

  async replay(afterId: number | undefined, limit: number): Promise<StreamEvent[]> {
    this.replays.push(afterId);
    if (this.gate) await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database down');
    }
    const from = afterId ?? 0;
    return this.stored.filter((e) => e.id > from).slice(0, limit);
  }

  fromBus(payload: unknown): StreamEvent | null {
    const p = payload as { id?: unknown };
    return typeof p.id === 'number' ? { id: p.id, event: 'thing', data: { n: p.id } } : null;
  }
}

function collect() {
  const sent: number[] = [];
  const failures: unknown[] = [];
  return {
    sent,
    failures,
    sink: { send: (e: StreamEvent) => sent.push(e.id), fail: (error: unknown) => failures.push(error) },
  };
}

/** A MemoryBus that remembers subscribers' onResubscribed, to play a Redis reconnect. */
class ReconnectingBus extends MemoryBus {
  readonly resubscribers: Array<() => void> = [];
  override subscribe(channel: string, handler: BusHandler, options?: SubscribeOptions) {
    if (options?.onResubscribed) this.resubscribers.push(options.onResubscribed);
    return super.subscribe(channel, handler, options);
  }
}

describe('OrderedStream', () => {
  it('events committed while the replay runs are sent once, in order, whether they reached the replay, the buffer or both', async () => {
    const bus = new MemoryBus();
    const source = new FakeSource();
    for (let id = 1; id <= 3; id++) source.store(id);
    const { sent, sink } = collect();
    const stream = new OrderedStream(bus, source, sink);
    await stream.open();
    let release!: () => void;
    source.gate = new Promise((r) => (release = r));
    const started = stream.start(undefined);
    // While the replay is held: 4 and 5 are committed and published (the replay will also read them), 6 after.
    for (const id of [4, 5]) {
      source.store(id);
      await bus.publish(source.channel, { id });
    }
    release();
    source.gate = null;
    source.store(6);
    await bus.publish(source.channel, { id: 6 });
    await started;
    expect(stream.isLive).toBe(true);
    source.store(7);
    await bus.publish(source.channel, { id: 7 });
    await bus.publish(source.channel, { id: 7 }); // a duplicate publication
    await bus.publish(source.channel, { id: 2 }); // a stale one
    expect(sent).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await stream.close();
    expect(bus.subscriberCount(source.channel)).toBe(0);
    await bus.publish(source.channel, { id: 8 });
    expect(sent).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('resumes after the given id and pages through long replays', async () => {
    const bus = new MemoryBus();
    const source = new FakeSource();
    for (let id = 1; id <= 12; id++) source.store(id);
    const { sent, sink } = collect();
    const stream = new OrderedStream(bus, source, sink, { replayPageSize: 5 });
    await stream.open();
    await stream.start(3);
    expect(sent).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(source.replays).toEqual([3, 8]);
    sent.length = 0;
    await stream.resume(10);
    expect(sent).toEqual([11, 12]);
    expect(stream.lastId).toBe(12);
  });

  it('a buffer overflow during the replay is repaired by replaying again', async () => {
    const bus = new MemoryBus();
    const source = new FakeSource();
    const { sent, sink } = collect();
    const stream = new OrderedStream(bus, source, sink, { maxBuffer: 2 });
    await stream.open();
    let release!: () => void;
    source.gate = new Promise((r) => (release = r));
    const started = stream.start(undefined);
    for (let id = 1; id <= 6; id++) {
      source.store(id);
      await bus.publish(source.channel, { id });
    }
    source.gate = null;
    release();
    await started;
    expect(sent).toEqual([1, 2, 3, 4, 5, 6]);
    expect(source.replays.length).toBeGreaterThanOrEqual(2);
  });

  it('with consecutive ids, a live event that skips ahead triggers a catch-up from the database instead of a loss', async () => {
    const bus = new MemoryBus();
    const source = new FakeSource(true);
    const { sent, sink } = collect();
    const stream = new OrderedStream(bus, source, sink);
    await stream.open();
    source.store(1);
    await stream.start(undefined);
    expect(sent).toEqual([1]);
    // 2 is committed but its publication is late (another process); 3 is published first.
    source.store(2);
    source.store(3);
    await bus.publish(source.channel, { id: 3 });
    await sleep(10);
    expect(sent).toEqual([1, 2, 3]);
    await bus.publish(source.channel, { id: 2 });
    expect(sent).toEqual([1, 2, 3]);
    // An id that never existed (deleted): after one more look, the stream moves on.
    source.store(5);
    await bus.publish(source.channel, { id: 5 });
    await sleep(10);
    expect(sent).toEqual([1, 2, 3, 5]);
    expect(stream.isLive).toBe(true);
  });

  it('after the bus reconnects, re-reads what it may have missed', async () => {
    const bus = new ReconnectingBus();
    const source = new FakeSource();
    const { sent, sink } = collect();
    const stream = new OrderedStream(bus, source, sink);
    await stream.open();
    await stream.start(0);
    source.store(1); // committed while the bus was down: never published
    source.store(2);
    for (const f of bus.resubscribers) f();
    await sleep(10);
    expect(sent).toEqual([1, 2]);
  });

  it('a failing replay closes the stream and tells the transport', async () => {
    const bus = new MemoryBus();
    const source = new FakeSource();
    source.failNext = true;
    const { sent, failures, sink } = collect();
    const stream = new OrderedStream(bus, source, sink);
    await stream.open();
    await stream.start(undefined);
    expect(failures).toHaveLength(1);
    expect(stream.isClosed).toBe(true);
    expect(bus.subscriberCount(source.channel)).toBe(0);
    expect(sent).toEqual([]);
  });

  it('ignores payloads the source does not recognise', async () => {
    const bus = new MemoryBus();
    const source = new FakeSource();
    const { sent, sink } = collect();
    const stream = new OrderedStream(bus, source, sink);
    await stream.open();
    await stream.start(undefined);
    await bus.publish(source.channel, { something: 'else' });
    await bus.publish(source.channel, { id: 1 });
    expect(sent).toEqual([1]);
  });
});

describe('SSE wire format', () => {
  it('writes id, event and one data line per line, and parses Last-Event-ID strictly', () => {
    expect(formatSseEvent({ id: 7, event: 'notification', data: { a: 'x\ny' } })).toBe(
      'id: 7\nevent: notification\ndata: {"a":"x\\ny"}\n\n',
    );
    expect(formatSseEvent({ id: 1, event: 'e', data: 'line1\nline2' })).toBe(
      'id: 1\nevent: e\ndata: "line1\\nline2"\n\n',
    );
    expect(() => formatSseEvent({ id: 1, event: 'bad\nname', data: 1 })).toThrow(TypeError);
    expect(parseLastEventId(undefined)).toBeUndefined();
    expect(parseLastEventId('')).toBeUndefined();
    expect(parseLastEventId(' 42 ')).toBe(42);
    expect(parseLastEventId(0)).toBe(0);
    for (const bad of ['x', '-1', '1e3', '1.0', '1234567890123456', ['1', '2'], -1, 1.5]) {
      expect(() => parseLastEventId(bad)).toThrow(/non-negative integer/);
    }
  });
});

describe('RealtimeHub transports', () => {
  let app: FastifyInstance;
  let bus: EventBus;
  let source: FakeSource;
  let base: string;
  afterEach(async () => {
    // Do not wait for a connection fetch's pool opened but never used (Node's server.close() waits for those).
    const closing = app.close();
    await Promise.race([closing, sleep(200)]);
    app.server.closeAllConnections();
    await closing;
    await bus.close();
  });

  async function start(options: { heartbeatMs: number; retryMs?: number }) {
    bus = new MemoryBus();
    source = new FakeSource();
    app = Fastify();
    registerProblemHandlers(app);
    await app.register(websocket);
    const hub = createRealtimeHub(app, bus, options);
    app.get('/stream', async (request, reply) => {
      await hub.serveSse(request, reply, source);
    });
    app.get('/ws', { websocket: true }, (socket, request) => hub.serveWebSocket(socket, request, source));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    base = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  it('SSE: retry hint, heartbeat comments, events, a 400 problem for a bad Last-Event-ID', async () => {
    await start({ heartbeatMs: 30, retryMs: 1234 });
    source.store(1);
    const client = await connectSse(`http://${base}/stream`, { lastEventId: 0 });
    await client.waitForCount(1);
    await client.waitForComment((c) => c === 'heartbeat', 2000);
    expect(client.retry).toBe(1234);
    expect(client.events[0]).toEqual({ id: '1', event: 'thing', data: '{"n":1}' });
    await bus.publish(source.channel, { id: 2 });
    await client.waitForCount(2);
    await client.close();

    const bad = await connectSse(`http://${base}/stream`, { lastEventId: 'nope' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({
      status: 400,
      detail: 'headers/last-event-id must be the id of an event this stream sent (a non-negative integer)',
    });
  });

  it('WebSocket: pings the client and terminates one that stops answering', async () => {
    await start({ heartbeatMs: 40 });
    const alive = await connectWs(`ws://${base}/ws`);
    let pings = 0;
    alive.socket.on('ping', () => pings++);
    await alive.waitFor((m) => m.type === 'ready');

    const dead = new WebSocket(`ws://${base}/ws`, { autoPong: false });
    const closed = new Promise<number>((resolve) => dead.on('close', (code) => resolve(code)));
    expect(await closed).toBe(1006);
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(alive.socket.readyState).toBe(WebSocket.OPEN);
    await alive.close();
  });
});
