// Brings in @fastify/websocket's typing of `app.websocketServer`.
import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import type { EventBus } from '../bus/event-bus.js';
import { HttpProblem } from '../http/problem.js';
import { OrderedStream, type OrderedEventSource, type StreamEvent, type StreamSink } from './ordered-stream.js';
import { formatSseComment, formatSseEvent, parseLastEventId } from './sse.js';

export interface RealtimeOptions {
  /** SSE comment / WebSocket ping interval. A WebSocket that missed a whole interval's pong is terminated. */
  readonly heartbeatMs?: number;
  /** SSE `retry:` hint: how long a disconnected EventSource waits before reconnecting. */
  readonly retryMs?: number;
  /** A client this many bytes behind is disconnected (it reconnects and resumes from its last id). */
  readonly maxPendingBytes?: number;
  /** Live events held per connection while it replays. */
  readonly maxBuffer?: number;
  readonly replayPageSize?: number;
}

interface Settings {
  readonly heartbeatMs: number;
  readonly retryMs: number;
  readonly maxPendingBytes: number;
  readonly maxBuffer: number;
  readonly replayPageSize: number;
}

/** Messages a WebSocket client may send. */
type ClientMessage = { type: 'resume'; last_event_id?: unknown } | { type: 'ping' };

/** WebSocket close codes used. */
export const WS_CLOSE = { goingAway: 1001, internalError: 1011, tryAgainLater: 1013 } as const;

const unavailable = () =>
  new HttpProblem(503, 'Service Unavailable', 'real-time delivery is temporarily unavailable; retry later');

/**
 * Serves ordered event sources to clients over Server-Sent Events and WebSocket, with replay on (re)connect:
 * see OrderedStream for the ordering guarantee. Keeps track of open connections and ends them when the app closes
 * (they would otherwise keep `app.close()` waiting), so clients reconnect to another process.
 *
 * WebSocket protocol (JSON text frames):
 *  - server → client: `{"type":"event","id":7,"event":"notification","data":{...}}`;
 *    `{"type":"ready","last_event_id":7}` once a replay is done and live delivery has started (after connecting and
 *    after each resume); `{"type":"pong"}`; `{"type":"error","detail":"..."}` for a message it did not understand.
 *  - client → server: `{"type":"resume","last_event_id":5}` (null: from the default start) replays what follows 5;
 *    `{"type":"ping"}`. The starting position can also be given when connecting: `?last_event_id=5` or a
 *    `Last-Event-ID` header.
 */
export class RealtimeHub {
  private readonly settings: Settings;
  private readonly connections = new Set<() => Promise<void>>();
  private closing = false;

  constructor(
    private readonly bus: EventBus,
    options: RealtimeOptions = {},
  ) {
    this.settings = {
      heartbeatMs: options.heartbeatMs ?? 15_000,
      retryMs: options.retryMs ?? 3_000,
      maxPendingBytes: options.maxPendingBytes ?? 1024 * 1024,
      maxBuffer: options.maxBuffer ?? 1000,
      replayPageSize: options.replayPageSize ?? 500,
    };
  }

  /** Open SSE and WebSocket connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Answers with a `text/event-stream` that stays open: replay after the `Last-Event-ID` header (or the source's
   * default start without one), then live events. Throws (before anything is sent, so the error handler answers
   * with a problem) on a bad Last-Event-ID (400) or when the bus cannot subscribe (503).
   * The subscription is active before the response headers are sent.
   */
  async serveSse(request: FastifyRequest, reply: FastifyReply, source: OrderedEventSource): Promise<void> {
    const afterId = parseLastEventId(request.headers['last-event-id']);
    if (this.closing) throw unavailable();
    if (request.method === 'HEAD') {
      await reply
        .code(200)
        .type('text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-store, no-transform')
        .send();
      return;
    }
    const res = reply.raw;
    let heartbeat: NodeJS.Timeout | undefined;
    const sink: StreamSink = {
      send: (event) => {
        if (res.destroyed || res.writableEnded) return;
        res.write(formatSseEvent(event));
        if (res.writableLength > this.settings.maxPendingBytes) {
          request.log.warn({ pending: res.writableLength }, 'SSE client too slow; disconnecting it');
          res.destroy();
        }
      },
      fail: (error) => {
        request.log.error({ err: error }, 'SSE stream failed; closing it');
        res.end();
      },
    };
    const stream = new OrderedStream(this.bus, source, sink, this.settings);
    try {
      await stream.open();
    } catch (error) {
      request.log.error({ err: error }, 'could not subscribe for an SSE stream');
      throw unavailable();
    }
    reply.hijack();
    if (request.raw.destroyed || res.destroyed) {
      // The client left while we subscribed.
      await stream.close();
      return;
    }
    const finish = async () => {
      clearInterval(heartbeat);
      this.connections.delete(end);
      await stream.close();
    };
    const end = async () => {
      if (!res.writableEnded) res.end();
      await finish();
    };
    this.connections.add(end);
    res.once('close', () => void finish());
    request.raw.socket.setTimeout(0);
    request.raw.socket.setNoDelay(true);
    res.writeHead(200, {
      ...headersOf(reply),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store, no-transform',
      // The connection carries this one response: when it ends (shutdown), the socket closes instead of idling.
      connection: 'close',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${this.settings.retryMs}\n${formatSseComment('connected')}`);
    heartbeat = setInterval(() => {
      if (!res.destroyed && !res.writableEnded) res.write(formatSseComment('heartbeat'));
    }, this.settings.heartbeatMs);
    heartbeat.unref();
    await stream.start(afterId);
  }

  /**
   * Serves a source over an upgraded WebSocket (the @fastify/websocket handler's socket). The start position is the
   * `last_event_id` query parameter or the `Last-Event-ID` header; a bad one closes the socket after an error message.
   */
  serveWebSocket(socket: WebSocket, request: FastifyRequest, source: OrderedEventSource): void {
    const stream = new OrderedStream(this.bus, source, this.webSocketSink(socket, request), this.settings);
    const heartbeat = this.startHeartbeat(socket);
    const end = this.trackWebSocket(socket, stream, heartbeat);
    const start = startPositionOrRefuse(socket, request);
    if (start === undefined) return;
    if (this.closing) {
      void end();
      return;
    }
    serveClientMessages(socket, stream, replayThenLive(socket, request, stream, start.afterId));
  }

  /** Sends each event as a JSON frame; a client too far behind (or a failed stream) is disconnected to reconnect. */
  private webSocketSink(socket: WebSocket, request: FastifyRequest): StreamSink {
    return {
      send: (event: StreamEvent) => {
        if (socket.readyState !== socket.OPEN) return;
        socket.send(JSON.stringify({ type: 'event', id: event.id, event: event.event, data: event.data }));
        if (socket.bufferedAmount > this.settings.maxPendingBytes) {
          request.log.warn({ pending: socket.bufferedAmount }, 'WebSocket client too slow; disconnecting it');
          socket.close(WS_CLOSE.tryAgainLater, 'client too slow');
        }
      },
      fail: (error) => {
        request.log.error({ err: error }, 'WebSocket stream failed; closing it');
        socket.close(WS_CLOSE.internalError, 'stream failed; reconnect');
      },
    };
  }

  /** Pings every heartbeatMs; a socket that has not answered the previous ping by the next one is terminated. */
  private startHeartbeat(socket: WebSocket): NodeJS.Timeout {
    let alive = true;
    const heartbeat = setInterval(() => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, this.settings.heartbeatMs);
    heartbeat.unref();
    socket.on('pong', () => {
      alive = true;
    });
    return heartbeat;
  }

  /**
   * Counts the socket among the open connections until it closes, then stops its heartbeat and its stream.
   * Returns how closeAll ends it: a 1001 close.
   */
  private trackWebSocket(socket: WebSocket, stream: OrderedStream, heartbeat: NodeJS.Timeout): () => Promise<void> {
    const end = async () => {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
        socket.close(WS_CLOSE.goingAway, 'server shutting down');
      }
      await finish();
    };
    const finish = async () => {
      clearInterval(heartbeat);
      this.connections.delete(end);
      await stream.close();
    };
    this.connections.add(end);
    socket.on('close', () => void finish());
    return end;
  }

  /** Ends every open connection (app shutdown); new ones are refused with 503 from now on. */
  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.connections].map((end) => end()));
  }
}

/** A hub whose connections end when `app` closes (preClose, before the server waits for open connections). */
export function createRealtimeHub(app: FastifyInstance, bus: EventBus, options: RealtimeOptions = {}): RealtimeHub {
  const hub = new RealtimeHub(bus, options);
  app.addHook('preClose', async () => {
    await hub.closeAll();
  });
  return hub;
}

/**
 * preClose for @fastify/websocket: tells every WebSocket client the server is going away (1001), so it reconnects
 * (to another process) and resumes, then stops the WebSocket server. Its default closes without a status code.
 */
export async function closeWebSocketsGoingAway(this: FastifyInstance): Promise<void> {
  const server = this.websocketServer;
  for (const client of server.clients) client.close(WS_CLOSE.goingAway, 'server shutting down');
  server.close();
}

function sendJson(socket: WebSocket, message: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

function sendReady(socket: WebSocket, stream: OrderedStream): void {
  sendJson(socket, { type: 'ready', last_event_id: stream.lastId ?? null });
}

/**
 * The start position given when connecting (`?last_event_id=` or the `Last-Event-ID` header). A bad one is answered
 * with an error message and a 1008 close, and gives undefined.
 */
function startPositionOrRefuse(
  socket: WebSocket,
  request: FastifyRequest,
): { afterId: number | undefined } | undefined {
  try {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const afterId =
      query.last_event_id !== undefined
        ? parseLastEventId(query.last_event_id, 'querystring/last_event_id')
        : parseLastEventId(request.headers['last-event-id']);
    return { afterId };
  } catch (error) {
    sendJson(socket, { type: 'error', detail: (error as Error).message });
    socket.close(1008, 'bad last_event_id');
    return undefined;
  }
}

/** Subscribes, replays what follows `afterId`, then goes live and says so (`ready`). */
async function replayThenLive(
  socket: WebSocket,
  request: FastifyRequest,
  stream: OrderedStream,
  afterId: number | undefined,
): Promise<void> {
  try {
    await stream.open();
  } catch (error) {
    request.log.error({ err: error }, 'could not subscribe for a WebSocket stream');
    socket.close(WS_CLOSE.tryAgainLater, 'real-time delivery unavailable; retry later');
    return;
  }
  await stream.start(afterId);
  if (!stream.isClosed) sendReady(socket, stream);
}

/**
 * Answers the client's messages: a ping at once; a resume after the previous step (the connect replay, an earlier
 * resume) has completed, so messages take effect in order.
 */
function serveClientMessages(socket: WebSocket, stream: OrderedStream, connected: Promise<void>): void {
  let chain = connected;
  socket.on('message', (raw: RawData, isBinary: boolean) => {
    const message = isBinary ? null : parseClientMessage(raw);
    if (message === null) {
      sendJson(socket, {
        type: 'error',
        detail: 'messages are JSON objects: {"type":"resume","last_event_id":<id|null>} or {"type":"ping"}',
      });
      return;
    }
    if (message.type === 'ping') {
      sendJson(socket, { type: 'pong' });
      return;
    }
    let resumeFrom: number | undefined;
    try {
      resumeFrom = parseLastEventId(message.last_event_id, 'last_event_id');
    } catch (error) {
      sendJson(socket, { type: 'error', detail: (error as Error).message });
      return;
    }
    chain = chain.then(() => resumeThenLive(socket, stream, resumeFrom));
  });
}

async function resumeThenLive(socket: WebSocket, stream: OrderedStream, afterId: number | undefined): Promise<void> {
  if (stream.isClosed) return;
  await stream.resume(afterId);
  if (!stream.isClosed) sendReady(socket, stream);
}

function parseClientMessage(raw: RawData): ClientMessage | null {
  const buffer = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
  if (buffer.length > 4096) return null;
  let value: unknown;
  try {
    value = JSON.parse(buffer.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const type = (value as { type?: unknown }).type;
  if (type === 'ping') return { type: 'ping' };
  if (type === 'resume') return { type: 'resume', last_event_id: (value as { last_event_id?: unknown }).last_event_id };
  return null;
}

/** Headers already set on the reply by hooks (request id, security headers, rate limits), for a hijacked answer. */
function headersOf(reply: FastifyReply): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined && name !== 'content-length' && name !== 'content-type')
      headers[name] = value as OutgoingHttpHeaders[string];
  }
  return headers;
}
