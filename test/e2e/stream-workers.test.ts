import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { getPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_WORKER_NICE } from '../../src/cli/cluster.js';
import { createPostgresSchema, dropPostgresSchema } from '../../src/platform/db/connect.js';
import { needs, postgresUrl, testDialects, testRedisUrl } from '../helpers/dialects.js';
import {
  gpsStay,
  logLinesOf,
  postJson,
  registerWith,
  startServer,
  waitUntil,
  type ServerProcess,
} from '../helpers/server-process.js';
import { connectWs, type WsConnection } from '../helpers/ws-client.js';

const today = () => new Date().toISOString().slice(0, 10);

interface LogLine {
  pid: number;
  msg: string;
  role?: string;
  worker?: number;
  req?: { url?: string; method?: string };
}

/** Sends `parts` on one raw TCP connection, `gapMs` apart, and resolves with everything the server answered. */
function rawExchange(port: number, parts: readonly string[], gapMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (/\r\n\r\n/.test(answer) && /\}$/.test(answer)) socket.end();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no full answer, got: ${answer}`)));
    parts.forEach((part, i) => {
      setTimeout(() => socket.write(part), i * gapMs);
    });
  });
}

interface RawStream {
  /** Everything received so far (status line, headers, events). */
  received(): string;
  close(): void;
}

/**
 * Opens an SSE stream on a connection of its own, as a phone's stream client does (fetch would reuse an idle
 * connection the tests' other requests left open, which the primary handed to a server process).
 */
function openRawStream(port: number, path: string, token: string): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (text.includes('\r\n\r\n')) resolve({ received: () => text, close: () => socket.destroy() });
    });
    socket.on('error', reject);
    socket.write(
      `GET ${path} HTTP/1.1\r\nhost: localhost\r\naccept: text/event-stream\r\nauthorization: Bearer ${token}\r\n\r\n`,
    );
  });
}

/**
 * `serve --workers 1 --stream-workers 2`: the primary accepts every connection and hands real-time streams to the two
 * stream processes, everything else to the server process.
 */
const redis = needs({ redis: true });
describe.skipIf(redis.skip).each(testDialects())(redis.title('serve --stream-workers on %s'), (dialect) => {
  const schema = `sw_${randomUUID().replaceAll('-', '')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-streams-'));
  let server: ServerProcess;
  const streams: RawStream[] = [];
  const sockets: WsConnection[] = [];
  beforeAll(async () => {
    if (dialect === 'postgres') await createPostgresSchema(postgresUrl(), schema);
    server = await startServer(
      {
        ...(dialect === 'postgres' ? { DATABASE_URL: postgresUrl(), DATABASE_SCHEMA: schema } : {}),
        REDIS_URL: testRedisUrl()!,
        ENCRYPTION_KEYS: `sw1:${randomBytes(32).toString('base64')}`,
        TOKEN_SECRET: randomBytes(32).toString('hex'),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        // Rate-limit counters live in Redis, shared with the other tests' servers running at the same time.
        AUTH_RATE_LIMIT_MAX: '1000',
      },
      ['serve', '--workers', '1', '--stream-workers', '2'],
    );
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await Promise.all(sockets.map((s) => s.close()));
    await server?.stop('SIGTERM');
    if (dialect === 'postgres') await dropPostgresSchema(postgresUrl(), schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const logLines = () => logLinesOf<LogLine>(server);
  const pidsOf = (role: string) =>
    new Set(
      logLines()
        .filter((l) => l.msg === 'worker started' && l.role === role)
        .map((l) => l.worker!),
    );
  /** The processes that logged a request to `url` (a path, or a path prefix ending in '?'). */
  const servedBy = (method: string, url: string) =>
    new Set(
      logLines()
        .filter(
          (l) =>
            l.msg === 'incoming request' &&
            l.req?.method === method &&
            (l.req.url === url || l.req.url?.startsWith(`${url}?`)),
        )
        .map((l) => l.pid),
    );
  const port = () => Number(new URL(server.baseUrl).port);

  it('streams are held by the stream processes, other requests served by the server process, and a report reaches both kinds of stream', async () => {
    expect(await waitUntil(() => pidsOf('streams').size === 2 && pidsOf('server').size === 1, 30_000)).toBe(true);
    const start = Date.now() - 3 * 3_600_000;
    const source = await registerWith(server);
    const contact = await registerWith(server);
    expect(
      (await postJson(server, '/interactions', source.token, { interactions: [gpsStay(48.8566, start, 60)] })).status,
    ).toBe(200);
    expect(
      (await postJson(server, '/interactions', contact.token, { interactions: [gpsStay(48.85662, start, 60)] })).status,
    ).toBe(200);
    const sse = await openRawStream(port(), '/notifications/stream', contact.token);
    streams.push(sse);
    expect(sse.received().split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    const ws = await connectWs(`${server.baseUrl.replace('http', 'ws')}/notifications/ws`, {
      authorization: `Bearer ${contact.token}`,
    });
    sockets.push(ws);
    await ws.waitFor((m) => m.type === 'ready', 10_000);

    expect((await postJson(server, '/symptoms', source.token, { symptom: 'fever', date: today() })).status).toBe(201);
    const notification = /id: (\d+)\nevent: notification\ndata: (.*)\n/;
    expect(await waitUntil(() => notification.test(sse.received()), 20_000)).toBe(true);
    const [, id, data] = notification.exec(sse.received())!;
    expect(id).toBe('1');
    expect(JSON.parse(data!)).toMatchObject({ tier: 'high', seq: 1 }); // 60 min × 0.5 × 0.5 = 15
    const pushed = await ws.waitFor((m) => m.type === 'event', 20_000);
    expect(pushed).toMatchObject({ event: 'notification', id: 1 });

    const streamers = pidsOf('streams');
    const servers = pidsOf('server');
    expect(
      await waitUntil(
        () => servedBy('POST', '/symptoms').size > 0 && servedBy('GET', '/notifications/ws').size > 0,
        5_000,
      ),
    ).toBe(true);
    for (const [method, url] of [
      ['GET', '/notifications/stream'],
      ['GET', '/notifications/ws'],
    ] as const) {
      const pids = servedBy(method, url);
      expect(pids.size, `${method} ${url}`).toBeGreaterThan(0);
      for (const pid of pids)
        expect(
          streamers.has(pid),
          `${method} ${url} served by ${pid}; streams ${[...streamers]}, servers ${[...servers]}`,
        ).toBe(true);
    }
    for (const [method, url] of [
      ['POST', '/users'],
      ['POST', '/interactions'],
      ['POST', '/symptoms'],
    ] as const) {
      const pids = servedBy(method, url);
      expect(pids.size, `${method} ${url}`).toBeGreaterThan(0);
      for (const pid of pids) expect(servers.has(pid), `${method} ${url} served by ${pid}`).toBe(true);
    }
    // Under contention the servers' requests go before the streams' heartbeats.
    for (const pid of streamers) expect(getPriority(pid)).toBe(getPriority(server.child.pid!) + STREAM_WORKER_NICE);
    for (const pid of servers) expect(getPriority(pid)).toBe(getPriority(server.child.pid!));
  });

  it('a request whose first line and body arrive in separate pieces is served whole', async () => {
    const body = JSON.stringify({});
    const answer = await rawExchange(
      port(),
      [
        'PO',
        `ST /users HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`,
        body,
      ],
      100,
    );
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 201 Created');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toHaveProperty('token');
  });

  it('a stream process that dies is replaced, and streams still open in the meantime', async () => {
    const before = pidsOf('streams');
    const [victim] = [...before];
    process.kill(victim!, 'SIGKILL');
    const died = () =>
      logLines().some((l) => l.msg.startsWith('worker died') && l.role === 'streams' && l.worker === victim);
    expect(await waitUntil(died, 10_000)).toBe(true);
    const user = await registerWith(server);
    // Streams opened before the replacement is ready go to the other stream process.
    for (let i = 0; i < 4; i++) {
      const stream = await openRawStream(port(), '/notifications/stream', user.token);
      streams.push(stream);
      expect(stream.received().split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    }
    expect(await waitUntil(() => pidsOf('streams').size === 3, 30_000)).toBe(true);
  });
});
