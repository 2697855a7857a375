import WebSocket from 'ws';

/** A WebSocket test client: JSON messages collected in order, wait for one matching a predicate, send, close. */
export interface WsConnection {
  readonly socket: WebSocket;
  /** Every JSON message received so far. */
  readonly messages: Record<string, unknown>[];
  /** Resolves with the close code and reason when the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
  waitFor(
    predicate: (message: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  send(message: unknown): void;
  close(): Promise<void>;
}

/** Thrown when the server answers the upgrade request with an HTTP status instead of switching protocols. */
export class WsRejected extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly contentType: string | undefined,
  ) {
    super(`WebSocket upgrade refused with ${status}: ${body}`);
  }
}

export function connectWs(url: string, headers: Record<string, string> = {}): Promise<WsConnection> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const messages: Record<string, unknown>[] = [];
    const checks = new Set<() => boolean>();
    let isClosed = false;
    const closed = new Promise<{ code: number; reason: string }>((resolveClosed) => {
      socket.on('close', (code, reason) => {
        isClosed = true;
        for (const check of [...checks]) if (check()) checks.delete(check);
        resolveClosed({ code, reason: reason.toString() });
      });
    });
    socket.on('message', (raw) => {
      messages.push(JSON.parse(raw.toString()) as Record<string, unknown>);
      for (const check of [...checks]) if (check()) checks.delete(check);
    });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        reject(new WsRejected(response.statusCode ?? 0, body, response.headers['content-type'])),
      );
    });
    socket.on('error', (error) => reject(error));
    socket.on('open', () => {
      resolve({
        socket,
        messages,
        closed,
        waitFor: (predicate, timeoutMs = 5000) =>
          new Promise((resolveFound, rejectFound) => {
            const timer = setTimeout(() => {
              checks.delete(check);
              rejectFound(new Error(`WS: timed out after ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
            }, timeoutMs);
            const check = () => {
              const found = messages.find(predicate);
              if (found !== undefined) {
                clearTimeout(timer);
                resolveFound(found);
                return true;
              }
              if (isClosed) {
                clearTimeout(timer);
                rejectFound(new Error(`WS: closed while waiting; got ${JSON.stringify(messages)}`));
                return true;
              }
              return false;
            };
            if (!check()) checks.add(check);
          }),
        send: (message) => socket.send(JSON.stringify(message)),
        close: async () => {
          if (socket.readyState === WebSocket.CLOSED) return;
          socket.close(1000);
          await closed;
        },
      });
    });
  });
}
