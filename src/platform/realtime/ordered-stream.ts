import type { EventBus, Unsubscribe } from '../bus/event-bus.js';

/** One event of an ordered stream: ids increase with the order events must be shown in. */
export interface StreamEvent {
  readonly id: number;
  /** Event type (the SSE `event:` field); letters, digits, '.', '_' and '-'. */
  readonly event: string;
  /** JSON-serialisable body. */
  readonly data: unknown;
}

/** Where one subscriber's events come from: live ones over a bus channel, missed ones from the database. */
export interface OrderedEventSource {
  readonly channel: string;
  /**
   * Events after `afterId` in ascending id order, at most `limit` of them. `afterId` undefined means "the start
   * the client gets when it gives no position" (for notifications: every unacknowledged one); it is only ever
   * asked for before any event was sent. The stream pages through by asking again after the last id it got.
   */
  replay(afterId: number | undefined, limit: number): Promise<readonly StreamEvent[]>;
  /** The event a bus payload announces, or null to ignore the payload. May throw on a malformed payload (ignored). */
  fromBus(payload: unknown): StreamEvent | null;
  /**
   * Ids are consecutive integers (n, n + 1, ...). A live event further ahead then means one was missed (published
   * out of order by another process, or lost on the bus): the stream catches up from `replay` instead of skipping it.
   */
  readonly consecutiveIds?: boolean;
}

/** Where the stream's events go: a transport (SSE response, WebSocket). */
export interface StreamSink {
  send(event: StreamEvent): void;
  /** The stream cannot go on (replay failed, transport broken): the transport should close; the client reconnects. */
  fail(error: unknown): void;
}

export interface OrderedStreamOptions {
  /** Live events held while a replay runs. Past this, they are dropped and read again from the replay. */
  readonly maxBuffer?: number;
  readonly replayPageSize?: number;
}

export const DEFAULT_MAX_BUFFER = 1000;
export const DEFAULT_REPLAY_PAGE_SIZE = 500;

const byId = (a: StreamEvent, b: StreamEvent) => a.id - b.id;

/**
 * Gap-free, duplicate-free delivery of one ordered event source to one client across reconnects.
 *
 * `open()` subscribes to the bus first; live events are buffered from then on. `start(afterId)` replays from the
 * database everything after `afterId`, then sends the buffered live events whose ids were not sent yet, then goes
 * live. Because the subscription is active before the replay reads, an event committed (and published) at any
 * moment is either in the replay or in the buffer, and the id cursor sends it once. If the buffer overflows during a
 * replay, the buffer is discarded and the replay runs again from the last id sent.
 *
 * After a bus reconnect (`onResubscribed`), a `resume(afterId)` from the client, or (with `consecutiveIds`) a live id
 * that skips ahead, the same catch-up runs again from the current cursor.
 */
export class OrderedStream {
  private phase: 'new' | 'buffering' | 'live' | 'closed' = 'new';
  private buffer: StreamEvent[] = [];
  private overflowed = false;
  private cursor: number | undefined;
  private resetTo: { readonly afterId: number | undefined } | null = null;
  private again = false;
  private gapRechecked = false;
  private running: Promise<void> | null = null;
  private isRunning = false;
  private unsubscribe: Unsubscribe | null = null;
  private readonly maxBuffer: number;
  private readonly pageSize: number;

  constructor(
    private readonly bus: EventBus,
    private readonly source: OrderedEventSource,
    private readonly sink: StreamSink,
    options: OrderedStreamOptions = {},
  ) {
    this.maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
    this.pageSize = options.replayPageSize ?? DEFAULT_REPLAY_PAGE_SIZE;
    if (!(this.maxBuffer >= 1) || !(this.pageSize >= 1))
      throw new RangeError('maxBuffer and replayPageSize must be at least 1');
  }

  /** Id of the last event sent, undefined before the first. */
  get lastId(): number | undefined {
    return this.cursor;
  }

  get isLive(): boolean {
    return this.phase === 'live';
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** Subscribes to the source's channel; from here on no live event is missed. Throws if the bus refuses. */
  async open(): Promise<void> {
    if (this.phase !== 'new') throw new Error('OrderedStream.open() may be called once');
    this.phase = 'buffering';
    const unsubscribe = await this.bus.subscribe(this.source.channel, (payload) => this.onPayload(payload), {
      onResubscribed: () => void this.catchUp(),
    });
    if (this.isClosed) await unsubscribe();
    else this.unsubscribe = unsubscribe;
  }

  /** Replays everything after `afterId`, then delivers live. Resolves when live (or failed: see the sink). */
  start(afterId: number | undefined): Promise<void> {
    if (this.phase === 'new') throw new Error('OrderedStream.start() needs open() first');
    this.resetTo = { afterId };
    return this.catchUp();
  }

  /** The client says where it is: replays again from `afterId` (even if that sends events a second time). */
  resume(afterId: number | undefined): Promise<void> {
    return this.start(afterId);
  }

  async close(): Promise<void> {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.buffer = [];
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    if (unsubscribe !== null) await unsubscribe().catch(() => undefined);
  }

  private onPayload(payload: unknown): void {
    if (this.phase === 'closed' || this.phase === 'new') return;
    let event: StreamEvent | null;
    try {
      event = this.source.fromBus(payload);
    } catch {
      event = null;
    }
    if (event === null) return;
    if (this.phase === 'buffering') {
      this.hold(event);
      return;
    }
    if (this.cursor !== undefined && event.id <= this.cursor) return;
    if (this.isGap(event)) {
      this.hold(event);
      void this.catchUp();
      return;
    }
    this.emit(event);
  }

  /** With consecutive ids: the event is further ahead than the next one expected. */
  private isGap(event: StreamEvent): boolean {
    return this.source.consecutiveIds === true && this.cursor !== undefined && event.id > this.cursor + 1;
  }

  private hold(event: StreamEvent): void {
    if (this.buffer.length >= this.maxBuffer) this.overflowed = true;
    else this.buffer.push(event);
  }

  private emit(event: StreamEvent): void {
    this.cursor = event.id;
    this.sink.send(event);
  }

  private emitIfNew(event: StreamEvent): void {
    if (this.cursor === undefined || event.id > this.cursor) this.emit(event);
  }

  /** Runs (or schedules one more run of) replay + buffer flush; live events are buffered meanwhile. */
  private catchUp(): Promise<void> {
    if (this.phase === 'closed' || this.phase === 'new') return Promise.resolve();
    this.again = true;
    this.phase = 'buffering';
    // `isRunning` is cleared synchronously when the loop ends, so a request arriving after its last check
    // always starts a new run instead of joining one that is already over.
    if (!this.isRunning || this.running === null) this.running = this.run();
    return this.running;
  }

  private async run(): Promise<void> {
    this.isRunning = true;
    try {
      while (this.again && !this.isClosed) {
        this.again = false;
        this.overflowed = false;
        if (this.resetTo !== null) {
          this.cursor = this.resetTo.afterId;
          this.resetTo = null;
        }
        for (;;) {
          const from = this.cursor;
          const page = await this.source.replay(from, this.pageSize);
          if (this.isClosed) return;
          if (this.resetTo !== null) break; // superseded by a resume: start over from there
          for (const event of [...page].sort(byId)) this.emitIfNew(event);
          if (page.length < this.pageSize || this.cursor === from) break;
        }
        if (this.resetTo !== null || this.again) {
          this.again = true;
          continue;
        }
        if (this.overflowed) {
          // Live events were dropped while replaying: they are all in the database, read again.
          this.buffer = [];
          this.again = true;
          continue;
        }
        // No await from here to going live: no bus event can slip in between.
        const held = this.buffer.sort(byId);
        this.buffer = [];
        let next = 0;
        for (; next < held.length; next++) {
          const event = held[next]!;
          // A held event ahead of a missing id: the missing one may have been committed after the replay read.
          // Read once more; if the id is still missing then, it does not exist (deleted) and is skipped.
          if (this.isGap(event) && !this.gapRechecked) break;
          this.emitIfNew(event);
        }
        if (next < held.length) {
          this.buffer = held.slice(next);
          this.gapRechecked = true;
          this.again = true;
          continue;
        }
        this.gapRechecked = false;
        this.phase = 'live';
      }
    } catch (error) {
      this.isRunning = false;
      if (this.isClosed) return;
      await this.close();
      this.sink.fail(error);
    } finally {
      this.isRunning = false;
    }
  }
}
