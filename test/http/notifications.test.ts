import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import type { Notification } from '../../src/contracts/notifications.js';
import type { EventBus } from '../../src/platform/bus/event-bus.js';
import { MemoryBus } from '../../src/platform/bus/memory-bus.js';
import { RedisBus } from '../../src/platform/bus/redis-bus.js';
import {
  createPostgresSchema,
  dropPostgresSchema,
  openDatabase,
  sqliteFileIn,
  type DatabaseHandle,
  type DialectName,
} from '../../src/platform/db/connect.js';
import type { Row } from '../../src/platform/db/tables.js';
import type { ExposureFacts } from '../../src/modules/notifications/model.js';
import { NotificationsRepository } from '../../src/modules/notifications/repository.js';
import { NotificationsService } from '../../src/modules/notifications/service.js';
import { createStaff, expectProblem, registerUser, type AppUser } from '../helpers/actors.js';
import { needs, postgresUrl, testDialects, testRedisUrl } from '../helpers/dialects.js';
import { connectSse, type SseConnection, type SseEvent } from '../helpers/sse-client.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { connectWs, WsRejected, type WsConnection } from '../helpers/ws-client.js';

interface NotificationsTestApp extends TestApp {
  readonly bus: EventBus;
  /** A service on the app's database and bus: what the tracing engine calls. */
  readonly service: NotificationsService;
  readonly baseUrl: string;
}

/**
 * Like buildTestApp, but the test holds the app's bus (to create notifications as the tracing engine does) and it
 * listens.
 */
async function buildListeningApp(dialect: DialectName, bus: EventBus = new MemoryBus()): Promise<NotificationsTestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-notif-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ENCRYPTION_KEYS: `test1:${randomBytes(32).toString('base64')}`,
    TOKEN_SECRET: randomBytes(32).toString('hex'),
  });
  let database: DatabaseHandle;
  let schema: string | undefined;
  let sqliteFile: string | undefined;
  if (dialect === 'postgres') {
    schema = `t_${randomUUID().replaceAll('-', '')}`;
    await createPostgresSchema(postgresUrl(), schema);
    database = openDatabase({ dialect: 'postgres', databaseUrl: postgresUrl(), schema, poolSize: 4 });
  } else {
    sqliteFile = sqliteFileIn(dataDir);
    database = openDatabase({ dialect: 'sqlite', sqliteFile });
  }
  const app = await buildApp(config, { database, logger: false, bus });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    database,
    config,
    dialect,
    sqliteFile,
    bus,
    service: new NotificationsService(new NotificationsRepository(database.db), bus, { timeZone: 'UTC' }),
    baseUrl: baseUrlOf(app),
    close: async () => {
      await closeListening(app);
      if (schema !== undefined) await dropPostgresSchema(postgresUrl(), schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * app.close(), without waiting for connections the HTTP client opened but never used (fetch's pool sometimes opens a
 * spare one after an aborted stream; Node's server.close() does not count it as idle and waits for the client to drop
 * it).
 */
async function closeListening(app: FastifyInstance): Promise<void> {
  const closing = app.close();
  await Promise.race([closing, sleep(200)]);
  app.server.closeAllConnections();
  await closing;
}

function baseUrlOf(app: FastifyInstance): string {
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  return `http://127.0.0.1:${address.port}`;
}

const START = Date.UTC(2026, 2, 3, 14, 5);

function facts(tier: 'medium' | 'high' = 'high', minutes = 45): ExposureFacts {
  return {
    tier,
    exposure_date: '2026-03-03',
    total_weighted_minutes: tier === 'high' ? 20 : 7,
    episodes: 1,
    main: {
      contact_kind: 'venue',
      place: 'cafe-de-flore',
      started_at: START,
      ended_at: START + minutes * 60_000,
      minutes,
    },
  };
}

/**
 * Creates and publishes a notification exactly as the tracing engine does: insert in a transaction, publish after
 * commit.
 */
async function notify(
  t: { database: DatabaseHandle; service: NotificationsService },
  user: AppUser,
  tier: 'medium' | 'high' = 'high',
): Promise<Row<'notifications'>> {
  const row = await t.database.db.transaction().execute((trx) => t.service.create(trx, user.id, facts(tier)));
  await t.service.publishCreated([row]);
  return row;
}

const ids = (events: SseEvent[]) => events.map((e) => Number(e.id));
const payload = (event: SseEvent) => JSON.parse(event.data) as Notification;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(testDialects())('notifications on %s', (dialect) => {
  let t: NotificationsTestApp;
  const open: Array<SseConnection | WsConnection> = [];
  const sse = async (user: AppUser | null, headers: Record<string, string> = {}) => {
    const connection = await connectSse(`${t.baseUrl}/notifications/stream`, {
      headers: { ...(user?.auth ?? {}), ...headers },
    });
    open.push(connection);
    return connection;
  };
  const ws = async (user: AppUser, query = '') => {
    const connection = await connectWs(`${t.baseUrl.replace('http', 'ws')}/notifications/ws${query}`, user.auth);
    open.push(connection);
    return connection;
  };

  beforeEach(async () => {
    t = await buildListeningApp(dialect);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await t.close();
  });

  it('a connected SSE client receives a notification created after it connected, as an event with the seq as id', async () => {
    const user = await registerUser(t.app);
    const stream = await sse(user);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('cache-control')).toContain('no-cache');
    expect(stream.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await stream.waitForComment((c) => c === 'connected');
    expect(stream.retry).toBe(3000);

    const row = await notify(t, user);
    const event = await stream.waitFor((e) => e.event === 'notification');
    expect(event.id).toBe('1');
    const body = payload(event);
    expect(body).toMatchObject({
      id: row.id,
      seq: 1,
      kind: 'exposure',
      tier: 'high',
      exposure_date: '2026-03-03',
      acked_at: null,
    });
    expect(body.title).toBe('High risk: you were exposed on Tuesday 3 March 2026');
    expect(body.body).toContain('cafe-de-flore');
    expect(body.details).toEqual({
      contact_kind: 'venue',
      place: 'cafe-de-flore',
      started_at: '2026-03-03T14:05:00.000Z',
      ended_at: '2026-03-03T14:50:00.000Z',
      minutes: 45,
      episodes: 1,
      total_weighted_minutes: 20,
    });
  });

  it("a batch (as a trace writes them) numbers each person's notifications after their last, in the order given", async () => {
    const [ann, bob] = [await registerUser(t.app), await registerUser(t.app)];
    await notify(t, ann);
    await notify(t, ann, 'medium');
    const rows = await t.database.db.transaction().execute((trx) =>
      t.service.createMany(trx, [
        { userId: bob.id, facts: facts('medium') },
        { userId: ann.id, facts: facts('high') },
        { userId: bob.id, facts: facts('high') },
      ]),
    );
    expect(rows.map((r) => [r.user_id, r.seq, r.tier])).toEqual([
      [bob.id, 1, 'medium'],
      [ann.id, 3, 'high'],
      [bob.id, 2, 'high'],
    ]);
    const listed = await t.app.inject({ method: 'GET', url: '/notifications', headers: bob.auth });
    expect(listed.json<{ notifications: Notification[] }>().notifications.map((n) => [n.id, n.tier])).toEqual([
      [rows[2]!.id, 'high'],
      [rows[0]!.id, 'medium'],
    ]);
  });

  it('a client reconnecting with Last-Event-ID gets exactly the notifications it missed, in order, once', async () => {
    const user = await registerUser(t.app);
    const first = await sse(user);
    await notify(t, user);
    await notify(t, user);
    await first.waitForCount(2);
    expect(first.lastEventId).toBe('2');
    await first.close();

    await notify(t, user);
    await notify(t, user);
    const second = await sse(user, { 'last-event-id': first.lastEventId! });
    await second.waitForCount(2);
    await notify(t, user);
    await second.waitForCount(3);
    await sleep(150);
    expect(ids(second.events)).toEqual([3, 4, 5]);
    expect(second.events.map((e) => payload(e).seq)).toEqual([3, 4, 5]);
  });

  it('without Last-Event-ID a client gets every unacknowledged notification; Last-Event-ID 0 gets all', async () => {
    const user = await registerUser(t.app);
    const rows = [await notify(t, user), await notify(t, user), await notify(t, user)];
    const ack = await t.app.inject({ method: 'POST', url: `/notifications/${rows[1]!.id}/ack`, headers: user.auth });
    expect(ack.statusCode).toBe(200);

    const fresh = await sse(user);
    await fresh.waitForCount(2);
    await sleep(100);
    expect(ids(fresh.events)).toEqual([1, 3]);

    const all = await sse(user, { 'last-event-id': '0' });
    await all.waitForCount(3);
    expect(ids(all.events)).toEqual([1, 2, 3]);
    expect(payload(all.events[1]!).acked_at).not.toBeNull();
  });

  it('loses and repeats nothing when notifications are created while the client connects', async () => {
    const user = await registerUser(t.app);
    const total = 25;
    const creating = (async () => {
      for (let i = 0; i < total; i++) await notify(t, user);
    })();
    await sleep(2);
    const stream = await sse(user);
    await creating;
    await stream.waitForCount(total, 10_000);
    await sleep(150);
    expect(ids(stream.events)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('acknowledging is idempotent and keeps the first time; lists are newest first, paginated and filterable', async () => {
    const user = await registerUser(t.app);
    const rows = [await notify(t, user, 'medium'), await notify(t, user), await notify(t, user)];
    const first = await t.app.inject({ method: 'POST', url: `/notifications/${rows[0]!.id}/ack`, headers: user.auth });
    expect(first.statusCode).toBe(200);
    const acked = first.json<Notification>();
    expect(acked).toMatchObject({ id: rows[0]!.id, seq: 1, tier: 'medium' });
    expect(Date.parse(acked.acked_at!)).toBeGreaterThan(Date.now() - 60_000);
    await sleep(5);
    const again = await t.app.inject({
      method: 'POST',
      url: `/notifications/${rows[0]!.id.toUpperCase()}/ack`,
      headers: user.auth,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json<Notification>().acked_at).toBe(acked.acked_at);

    const all = await t.app.inject({ method: 'GET', url: '/notifications', headers: user.auth });
    expect(all.statusCode).toBe(200);
    expect(all.json<{ notifications: Notification[] }>().notifications.map((n) => n.seq)).toEqual([3, 2, 1]);

    const unacked = await t.app.inject({ method: 'GET', url: '/notifications?unacked=true', headers: user.auth });
    expect(unacked.json<{ notifications: Notification[] }>().notifications.map((n) => n.seq)).toEqual([3, 2]);

    const page1 = await t.app.inject({ method: 'GET', url: '/notifications?limit=2', headers: user.auth });
    const body1 = page1.json<{ notifications: Notification[]; next_cursor: string | null }>();
    expect(body1.notifications.map((n) => n.seq)).toEqual([3, 2]);
    expect(body1.next_cursor).not.toBeNull();
    const page2 = await t.app.inject({
      method: 'GET',
      url: `/notifications?limit=2&cursor=${body1.next_cursor}`,
      headers: user.auth,
    });
    expect(page2.json()).toMatchObject({ notifications: [{ seq: 1 }], next_cursor: null });

    expectProblem(await t.app.inject({ method: 'GET', url: '/notifications?cursor=bogus', headers: user.auth }), 400);
    expectProblem(await t.app.inject({ method: 'GET', url: '/notifications?unacked=maybe', headers: user.auth }), 400);
    expectProblem(
      await t.app.inject({ method: 'POST', url: '/notifications/not-a-uuid/ack', headers: user.auth }),
      400,
    );
  });

  it("another user's stream never sees them, and their notifications are 403 to others, unknown ids 404", async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    const bobStream = await sse(bob);
    const bobSocket = await ws(bob);
    await bobSocket.waitFor((m) => m.type === 'ready');
    const aliceStream = await sse(alice);
    const row = await notify(t, alice);
    await aliceStream.waitForCount(1);
    await sleep(150);
    expect(bobStream.events).toEqual([]);
    expect(bobSocket.messages.filter((m) => m.type === 'event')).toEqual([]);

    const list = await t.app.inject({ method: 'GET', url: '/notifications', headers: bob.auth });
    expect(list.json()).toEqual({ notifications: [], next_cursor: null });
    expect(
      expectProblem(await t.app.inject({ method: 'POST', url: `/notifications/${row.id}/ack`, headers: bob.auth }), 403)
        .detail,
    ).toBe('an app user may only access their own data');
    expectProblem(
      await t.app.inject({ method: 'POST', url: `/notifications/${randomUUID()}/ack`, headers: bob.auth }),
      404,
    );
    const stored = await t.database.db
      .selectFrom('notifications')
      .select('acked_at')
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(stored.acked_at).toBeNull();

    const replay = await sse(bob, { 'last-event-id': '0' });
    await sleep(150);
    expect(replay.events).toEqual([]);
  });

  it('refuses anonymous callers (401) and staff (403) on every route, as problems', async () => {
    const user = await registerUser(t.app);
    const row = await notify(t, user);
    const professional = await createStaff(t, 'health_professional');
    const routes = [
      { method: 'GET' as const, url: '/notifications' },
      { method: 'POST' as const, url: `/notifications/${row.id}/ack` },
      { method: 'GET' as const, url: '/notifications/stream' },
      { method: 'GET' as const, url: '/notifications/ws' },
    ];
    for (const route of routes) {
      expectProblem(await t.app.inject({ ...route }), 401);
      expectProblem(await t.app.inject({ ...route, headers: { authorization: 'Bearer ept_not-a-real-token' } }), 401);
      expectProblem(await t.app.inject({ ...route, headers: professional.auth }), 403);
    }
    const anonymous = await sse(null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const staffStream = await sse(null, professional.auth);
    expect(staffStream.status).toBe(403);

    const wsUrl = `${t.baseUrl.replace('http', 'ws')}/notifications/ws`;
    await expect(connectWs(wsUrl)).rejects.toMatchObject({ status: 401 });
    const refused = await connectWs(wsUrl, professional.auth).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WsRejected);
    expect(refused).toMatchObject({ status: 403 });
    expect((refused as WsRejected).contentType).toMatch(/^application\/problem\+json/);
  });

  it('answers a malformed Last-Event-ID with a 400 problem before streaming', async () => {
    const user = await registerUser(t.app);
    for (const bad of ['abc', '-1', '1.5', '99999999999999999999']) {
      const stream = await sse(user, { 'last-event-id': bad });
      expect(stream.status).toBe(400);
      expect(stream.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(stream.body)).toMatchObject({ status: 400 });
    }
    const empty = await sse(user, { 'last-event-id': '' });
    expect(empty.status).toBe(200);
    await expect(
      connectWs(`${t.baseUrl.replace('http', 'ws')}/notifications/ws?last_event_id=abc`, user.auth),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('WebSocket: the same replay and live delivery, resume on request, ping/pong', async () => {
    const user = await registerUser(t.app);
    const rows = [await notify(t, user), await notify(t, user)];
    await t.app.inject({ method: 'POST', url: `/notifications/${rows[0]!.id}/ack`, headers: user.auth });

    const socket = await ws(user);
    const ready = await socket.waitFor((m) => m.type === 'ready');
    expect(ready).toEqual({ type: 'ready', last_event_id: 2 });
    expect(socket.messages.filter((m) => m.type === 'event').map((m) => m.id)).toEqual([2]);

    await notify(t, user);
    const live = await socket.waitFor((m) => m.type === 'event' && m.id === 3);
    expect(live).toMatchObject({ event: 'notification', data: { seq: 3, kind: 'exposure', tier: 'high' } });

    socket.send({ type: 'resume', last_event_id: 0 });
    await socket.waitFor((m) => m.type === 'ready' && socket.messages.filter((x) => x.type === 'ready').length === 2);
    expect(socket.messages.filter((m) => m.type === 'event').map((m) => m.id)).toEqual([2, 3, 1, 2, 3]);

    socket.send({ type: 'ping' });
    await socket.waitFor((m) => m.type === 'pong');
    socket.send({ type: 'resume', last_event_id: 'x' });
    await socket.waitFor((m) => m.type === 'error');
    socket.send('not json');
    await sleep(50);
    expect(socket.messages.filter((m) => m.type === 'error')).toHaveLength(2);

    const resumed = await ws(user, '?last_event_id=2');
    await resumed.waitFor((m) => m.type === 'ready');
    expect(resumed.messages.filter((m) => m.type === 'event').map((m) => m.id)).toEqual([3]);
  });

  it('a plain HTTP GET on the WebSocket route is a 426 problem; HEAD on the stream answers without streaming', async () => {
    const user = await registerUser(t.app);
    const response = await t.app.inject({ method: 'GET', url: '/notifications/ws', headers: user.auth });
    expectProblem(response, 426);
    expect(response.headers.upgrade).toBe('websocket');
    const head = await t.app.inject({ method: 'HEAD', url: '/notifications/stream', headers: user.auth });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect((t.bus as MemoryBus).subscriberCount(`user:${user.id}`)).toBe(0);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>();
    expect(Object.keys(doc.paths['/notifications']!)).toContain('get');
    expect(Object.keys(doc.paths['/notifications/{id}/ack']!)).toContain('post');
    expect(doc.paths['/notifications/stream']!.get!.responses).toHaveProperty('200');
    expect(doc.paths['/notifications/stream']!.get!.responses).toHaveProperty('400');
    expect(doc.paths['/notifications/ws']!.get!.responses).toHaveProperty('426');
  });

  it('closing the app ends open streams (clients reconnect elsewhere) and unsubscribes them', async () => {
    const user = await registerUser(t.app);
    const stream = await sse(user);
    const socket = await ws(user);
    await socket.waitFor((m) => m.type === 'ready');
    expect((t.bus as MemoryBus).subscriberCount(`user:${user.id}`)).toBe(2);
    const closing = t.app.close();
    await stream.ended;
    expect((await socket.closed).code).toBe(1001);
    await closing;
    expect((t.bus as MemoryBus).subscriberCount(`user:${user.id}`)).toBe(0);
  });

  it('a disconnected client is unsubscribed', async () => {
    const user = await registerUser(t.app);
    const stream = await sse(user);
    expect((t.bus as MemoryBus).subscriberCount(`user:${user.id}`)).toBe(1);
    await stream.close();
    for (let i = 0; i < 50 && (t.bus as MemoryBus).subscriberCount(`user:${user.id}`) > 0; i++) await sleep(10);
    expect((t.bus as MemoryBus).subscriberCount(`user:${user.id}`)).toBe(0);
  });
});

const redisUrl = testRedisUrl();

const redis = needs({ redis: true });
describe.skipIf(redis.skip).each(testDialects())(
  redis.title('notifications across processes over Redis on %s'),
  (dialect) => {
    let b: TestApp;
    let publisherBus: RedisBus;
    const open: SseConnection[] = [];
    beforeEach(async () => {
      // App B subscribes through its own RedisBus (from REDIS_URL); "another process" publishes through a separate one.
      b = await buildTestApp(dialect, { REDIS_URL: redisUrl! });
      await b.app.listen({ port: 0, host: '127.0.0.1' });
      publisherBus = new RedisBus({ url: redisUrl! });
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()));
      await publisherBus.close();
      const closing = b.close();
      await Promise.race([closing, sleep(200)]);
      b.app.server.closeAllConnections();
      await closing;
    });

    it('a notification created and published by another process reaches an SSE and a WebSocket client of this one', async () => {
      const user = await registerUser(b.app);
      const stream = await connectSse(`${baseUrlOf(b.app)}/notifications/stream`, { headers: user.auth });
      open.push(stream);
      const socket = await connectWs(`${baseUrlOf(b.app).replace('http', 'ws')}/notifications/ws`, user.auth);
      await socket.waitFor((m) => m.type === 'ready');

      // The other process shares the database (here: writes through B's handle) but not B's memory.
      const other = {
        database: b.database,
        service: new NotificationsService(new NotificationsRepository(b.database.db), publisherBus, {
          timeZone: 'UTC',
        }),
      };
      const row = await notify(other, user);
      const event = await stream.waitFor((e) => e.event === 'notification');
      expect(event.id).toBe('1');
      expect(payload(event).id).toBe(row.id);
      const message = await socket.waitFor((m) => m.type === 'event');
      expect(message).toMatchObject({ id: 1, data: { id: row.id } });
      await socket.close();

      // The stream resumes after a reconnect from the shared database, then follows the other process live.
      await notify(other, user);
      await stream.close();
      const resumed = await connectSse(`${baseUrlOf(b.app)}/notifications/stream`, {
        headers: { ...user.auth, 'last-event-id': '1' },
      });
      open.push(resumed);
      await resumed.waitForCount(1);
      await notify(other, user);
      await resumed.waitForCount(2);
      expect(ids(resumed.events)).toEqual([2, 3]);
    });
  },
);
