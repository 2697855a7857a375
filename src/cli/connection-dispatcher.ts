import type { Worker } from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { createServer, Socket, type Server } from 'node:net';
import type { Logger } from 'pino';
import { connectionKind } from './connection-routing.js';

/** What a process started by `serve --stream-workers M` is for: requests, or holding real-time streams. */
export type ConnectionRole = 'server' | 'streams';

/** The message that carries a connection from the primary to a worker (the socket travels as its handle). */
const HANDOFF = 'epitrace:connection';
/** A worker tells the primary it can take connections. */
const READY = 'epitrace:ready';

interface Handoff {
  readonly type: typeof HANDOFF;
  /** The bytes the primary read to choose the worker (base64): the worker reads them before the rest. */
  readonly head: string;
}

const isHandoff = (message: unknown): message is Handoff =>
  typeof message === 'object' &&
  message !== null &&
  (message as { type?: unknown }).type === HANDOFF &&
  typeof (message as { head?: unknown }).head === 'string';

export const isReadyMessage = (message: unknown): boolean =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === READY;

export interface DispatcherOptions {
  /** A connection that has not sent its request line within this time is closed (it holds a descriptor here). */
  readonly firstLineTimeoutMs: number;
}

/**
 * The primary's side of `serve --stream-workers M`: it accepts every connection on the public port, reads the
 * request line, and passes the socket to a worker of the right role, round robin (streams to stream processes,
 * everything else to server processes). The socket's descriptor moves to the worker; the primary keeps none, so the
 * streams one machine holds are bounded by the stream processes' open-file limits, not by the server processes'.
 */
export class ConnectionDispatcher {
  private readonly server: Server;
  private readonly ready: Record<ConnectionRole, Worker[]> = { server: [], streams: [] };
  private readonly turn: Record<ConnectionRole, number> = { server: 0, streams: 0 };

  constructor(
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** The worker said it is ready: it gets connections from now on. */
  add(worker: Worker, role: ConnectionRole): void {
    if (!this.ready[role].includes(worker)) this.ready[role].push(worker);
  }

  /** How many workers of the role take connections. */
  readyCount(role: ConnectionRole): number {
    return this.ready[role].length;
  }

  /** The worker died or is stopping: it gets no more connections. */
  remove(worker: Worker): void {
    for (const role of ['server', 'streams'] as const) this.ready[role] = this.ready[role].filter((w) => w !== worker);
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting connections (those already passed on belong to their workers). */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    let head: Buffer = Buffer.alloc(0);
    socket.setTimeout(this.options.firstLineTimeoutMs, () => socket.destroy());
    socket.on('error', () => socket.destroy()); // reset before it was passed on: nothing to answer
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const kind = connectionKind(head);
      if (kind === 'incomplete') return;
      socket.off('data', onData);
      socket.pause();
      // Once a socket is being sent, Node drops whatever its handle still reads here: stop reading now, so the rest
      // of the request stays in the kernel for the worker.
      (socket as unknown as { _handle?: { readStop?: () => number } })._handle?.readStop?.();
      socket.setTimeout(0);
      this.handOff(socket, head, kind === 'stream' ? 'streams' : 'server');
    };
    socket.on('data', onData);
  }

  private handOff(socket: Socket, head: Buffer, role: ConnectionRole): void {
    const worker = this.pick(role) ?? this.pick(role === 'streams' ? 'server' : 'streams');
    if (worker === undefined) {
      const body = JSON.stringify({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: 'the server is starting or restarting its processes; retry shortly',
      });
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json; charset=utf-8\r\nretry-after: 1\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    const message: Handoff = { type: HANDOFF, head: head.toString('base64') };
    worker.send(message, socket, { keepOpen: false }, (error) => {
      if (error === null) return;
      this.log.warn({ err: error, worker: worker.process.pid }, 'could not pass a connection to a worker; closed it');
      socket.destroy();
    });
  }

  private pick(role: ConnectionRole): Worker | undefined {
    const workers = this.ready[role].filter((w) => w.isConnected() && !w.isDead());
    if (workers.length === 0) return undefined;
    this.turn[role] = (this.turn[role] + 1) % workers.length;
    return workers[this.turn[role]];
  }
}

/**
 * The worker's side: connections the primary passes on are served by this HTTP server as if it had accepted them,
 * starting with the bytes the primary read. Returns a function that stops taking them.
 */
export function acceptHandedConnections(server: HttpServer): () => void {
  const onMessage = (message: unknown, handle: unknown) => {
    if (!isHandoff(message) || !(handle instanceof Socket)) return;
    server.emit('connection', handle);
    handle.emit('data', Buffer.from(message.head, 'base64'));
    handle.resume();
  };
  process.on('message', onMessage);
  return () => void process.off('message', onMessage);
}

/** Tells the primary this worker takes connections. */
export function announceReady(): void {
  process.send?.({ type: READY });
}
