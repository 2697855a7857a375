import { backoffDelay, type BackoffOptions } from './backoff.js';
import { apiErrorOf, EpitraceApiError } from './errors.js';
import { SseParser } from './sse-parser.js';

/** One event of a real-time stream, its data parsed from JSON. */
export interface RealtimeEvent<T> {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: T;
}

export type RealtimeState = 'connecting' | 'open' | 'waiting' | 'closed';

export interface RealtimeStreamOptions<T> {
  /** Full URL of the SSE route. */
  readonly url: string;
  /** Bearer token. */
  readonly token?: string;
  /** Resume after this event id (sent as Last-Event-ID on the first connection too). */
  readonly lastEventId?: string | number;
  readonly onEvent: (event: RealtimeEvent<T>) => void;
  /** Each time a connection is established (after a reconnection too). */
  readonly onOpen?: (info: { reconnection: boolean; lastEventId: string | undefined }) => void;
  /**
   * Each failure. `willRetry` false means the stream gave up and is closed: the server refused it for a reason a
   * retry cannot fix (400, 401, 403, 404), or `maxAttempts` was reached.
   */
  readonly onError?: (error: unknown, info: { willRetry: boolean; attempt: number; delayMs: number }) => void;
  readonly onStateChange?: (state: RealtimeState) => void;
  readonly backoff?: BackoffOptions;
  /** Consecutive failed attempts after which the stream gives up (default: never). */
  readonly maxAttempts?: number;
  /**
   * Reconnect when nothing (not even the server's heartbeat comment, every 15 s) arrived for this long, ms
   * (default 45 000; 0 disables it): a connection silently lost by a network change is noticed.
   */
  readonly idleTimeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
}

const GIVE_UP_STATUSES = new Set([400, 401, 403, 404, 405, 410, 426]);

/**
 * A Server-Sent Events stream over `fetch` (so it runs in browsers and in Node alike, and can send an
 * Authorization header, which EventSource cannot). It reconnects after any interruption with exponential back-off
 * and jitter, resuming with `Last-Event-ID` so no event is missed or repeated, until `close()`.
 */
export class RealtimeStream<T = unknown> {
  private controller: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private currentState: RealtimeState = 'connecting';
  private lastId: string | undefined;
  private readonly loop: Promise<void>;
  private readonly firstOpen: Promise<void>;
  private resolveFirstOpen!: () => void;
  private rejectFirstOpen!: (error: unknown) => void;
  /** Connections established so far. */
  connections = 0;

  constructor(private readonly options: RealtimeStreamOptions<T>) {
    this.lastId = options.lastEventId === undefined ? undefined : String(options.lastEventId);
    this.firstOpen = new Promise<void>((resolve, reject) => {
      this.resolveFirstOpen = resolve;
      this.rejectFirstOpen = reject;
    });
    this.firstOpen.catch(() => undefined);
    this.loop = this.run();
  }

  get state(): RealtimeState {
    return this.currentState;
  }

  /** Id of the last event received: where a reconnection resumes. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  /** Resolves when the first connection is open; rejects if the stream gives up first. */
  opened(): Promise<void> {
    return this.firstOpen;
  }

  /** Stops the stream for good; resolves once the connection is released. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.controller?.abort();
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.wake?.();
    }
    await this.loop;
  }

  private setState(state: RealtimeState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.options.onStateChange?.(state);
  }

  private async run(): Promise<void> {
    const doFetch = this.options.fetch ?? globalThis.fetch.bind(globalThis);
    let failures = 0;
    let retryHint: number | undefined;
    while (!this.closed) {
      this.setState('connecting');
      let error: unknown;
      let giveUp = false;
      try {
        const opened = await this.connectOnce(
          doFetch,
          (retry) => (retryHint = retry),
          () => (failures = 0),
        );
        error = opened ?? new Error('the server ended the stream');
      } catch (caught) {
        error = caught;
        if (caught instanceof EpitraceApiError && GIVE_UP_STATUSES.has(caught.status)) giveUp = true;
      }
      if (this.closed) break;
      const attempt = failures++;
      if (this.options.maxAttempts !== undefined && failures >= this.options.maxAttempts) giveUp = true;
      const delayMs = giveUp
        ? 0
        : backoffDelay(
            attempt,
            { ...this.options.backoff, initialMs: this.options.backoff?.initialMs ?? retryHint ?? 500 },
            this.options.random,
          );
      this.options.onError?.(error, { willRetry: !giveUp, attempt, delayMs });
      if (giveUp) {
        this.closed = true;
        this.rejectFirstOpen(error);
        break;
      }
      this.setState('waiting');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, delayMs);
      });
      this.wake = undefined;
    }
    this.setState('closed');
    this.rejectFirstOpen(new Error('stream closed before it opened'));
  }

  /** One connection: returns when it ends (undefined: ended normally), throws when it could not be opened. */
  private async connectOnce(
    doFetch: typeof fetch,
    onRetry: (ms: number) => void,
    onOpened: () => void,
  ): Promise<unknown> {
    const controller = new AbortController();
    this.controller = controller;
    const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    if (this.lastId !== undefined) headers['last-event-id'] = this.lastId;
    const response = await doFetch(this.options.url, { headers, signal: controller.signal, cache: 'no-store' });
    if (!response.ok) throw await apiErrorOf('GET', this.options.url, response);
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(
        `GET ${this.options.url}: expected text/event-stream, got ${response.headers.get('content-type') ?? 'no content type'}`,
      );
    }
    const reconnection = this.connections > 0;
    this.connections += 1;
    onOpened();
    this.setState('open');
    this.resolveFirstOpen();
    this.options.onOpen?.({ reconnection, lastEventId: this.lastId });

    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    const idleMs = this.options.idleTimeoutMs ?? 45_000;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      if (idleMs <= 0) return;
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
    };
    touch();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return undefined;
        touch();
        const events = parser.push(decoder.decode(value, { stream: true }));
        if (parser.retry !== undefined) onRetry(parser.retry);
        for (const message of events) {
          if (message.id !== undefined) this.lastId = message.id;
          let data: T;
          try {
            data = JSON.parse(message.data) as T;
          } catch {
            data = message.data as T;
          }
          this.options.onEvent({ id: message.id, event: message.event, data });
        }
      }
    } catch (error) {
      return this.closed ? undefined : error;
    } finally {
      if (idle !== undefined) clearTimeout(idle);
      reader.cancel().catch(() => undefined);
    }
  }
}
