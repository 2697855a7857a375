/**
 * A small Server-Sent Events client over Node's fetch streaming, for tests: connect with any headers (Authorization,
 * Last-Event-ID), collect events as the spec's parser would, wait for one matching a predicate, close.
 */

export interface SseEvent {
  /** The `id:` field of this event, or undefined when it had none. */
  readonly id: string | undefined;
  /** The `event:` field; 'message' by default. */
  readonly event: string;
  readonly data: string;
}

export interface SseConnection {
  readonly status: number;
  readonly headers: Headers;
  /** The body of a response that is not an event stream (e.g. a problem), else ''. */
  readonly body: string;
  /** Every event received so far, in order. */
  readonly events: SseEvent[];
  /** Comment lines received (without the leading ':'). */
  readonly comments: string[];
  /** Last `retry:` value received. */
  readonly retry: number | undefined;
  /** The last event id seen (what EventSource would send as Last-Event-ID on reconnect). */
  readonly lastEventId: string | undefined;
  /** Resolves when the server ends the stream (or the connection breaks). */
  readonly ended: Promise<void>;
  /** The first event, received or still to come, for which `predicate` holds. Rejects after `timeoutMs`. */
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves once at least `count` events have arrived; returns them all. */
  waitForCount(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when a comment line matching `predicate` arrives. */
  waitForComment(predicate: (comment: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export interface SseConnectOptions {
  readonly headers?: Record<string, string>;
  readonly lastEventId?: string | number;
}

interface Waiter {
  check(): boolean;
}

export async function connectSse(url: string, options: SseConnectOptions = {}): Promise<SseConnection> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<Waiter>();
  const notify = () => {
    for (const waiter of [...waiters]) if (waiter.check()) waiters.delete(waiter);
  };
  let retry: number | undefined;
  let lastEventId: string | undefined;
  let finished = false;

  const isStream = response.ok && (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  let body = '';
  let ended: Promise<void>;
  if (!isStream) {
    body = await response.text();
    finished = true;
    ended = Promise.resolve();
  } else {
    ended = (async () => {
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let pending = '';
      let data: string[] = [];
      let eventType = '';
      let eventId: string | undefined;
      let sawId = false;
      const line = (text: string) => {
        if (text === '') {
          if (data.length > 0) {
            events.push({ id: sawId ? eventId : undefined, event: eventType || 'message', data: data.join('\n') });
          }
          data = [];
          eventType = '';
          sawId = false;
          return;
        }
        if (text.startsWith(':')) {
          comments.push(text.slice(1).trimStart());
          return;
        }
        const colon = text.indexOf(':');
        const field = colon === -1 ? text : text.slice(0, colon);
        let value = colon === -1 ? '' : text.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') eventType = value;
        else if (field === 'id' && !value.includes('\u0000')) {
          eventId = value;
          lastEventId = value;
          sawId = true;
        } else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
      };
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          pending += value;
          const parts = pending.split(/\r\n|\r|\n/);
          pending = parts.pop() ?? '';
          for (const part of parts) line(part);
          notify();
        }
      } catch {
        // aborted by close(), or the connection broke
      } finally {
        finished = true;
        notify();
      }
    })();
  }

  const wait = <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(`SSE: timed out after ${timeoutMs} ms waiting for ${what}; got events ${JSON.stringify(events)}`),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        check: () => {
          const found = find();
          if (found !== undefined) {
            clearTimeout(timer);
            resolve(found);
            return true;
          }
          if (finished) {
            clearTimeout(timer);
            reject(new Error(`SSE: stream ended while waiting for ${what}; got events ${JSON.stringify(events)}`));
            return true;
          }
          return false;
        },
      };
      if (!waiter.check()) waiters.add(waiter);
    });

  return {
    status: response.status,
    headers: response.headers,
    body,
    events,
    comments,
    get retry() {
      return retry;
    },
    get lastEventId() {
      return lastEventId;
    },
    ended,
    waitFor: (predicate, timeoutMs = 5000) => wait(() => events.find(predicate), timeoutMs, 'a matching event'),
    waitForCount: (count, timeoutMs = 5000) =>
      wait(() => (events.length >= count ? [...events] : undefined), timeoutMs, `${count} events`),
    waitForComment: (predicate, timeoutMs = 5000) =>
      wait(() => comments.find(predicate), timeoutMs, 'a matching comment'),
    close: async () => {
      controller.abort();
      await ended;
    },
  };
}
