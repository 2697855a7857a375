/**
 * Publish/subscribe between the parts of the system, in one process (MemoryBus) or across processes (RedisBus).
 *
 * Delivery is at most once and only to subscribers active when the event is published: the bus is a doorbell,
 * never the record. Anything that must not be lost is written to the database first (an outbox) and the bus only
 * tells live subscribers about it; a subscriber that may have missed events (it was not yet subscribed, or the
 * connection to Redis dropped) re-reads them from the database. `onResubscribed` says when that is needed.
 *
 * Payloads are JSON: what a handler receives is `JSON.parse(JSON.stringify(payload))`, on both implementations,
 * so a handler can never hold (or mutate) the publisher's object and a payload that does not survive JSON fails
 * the same way in a test on MemoryBus as in production on Redis.
 */
export type BusHandler = (payload: unknown) => void;

/** Removes one subscription; safe to call twice and after the bus is closed. */
export type Unsubscribe = () => Promise<void>;

export interface SubscribeOptions {
  /**
   * Called after the subscription was re-established following a lost connection (RedisBus): events published
   * meanwhile were not delivered, so the subscriber should re-read what it may have missed from its source of record.
   */
  readonly onResubscribed?: () => void;
}

export interface EventBus {
  /** Delivers `payload` (JSON-serialisable) to every current subscriber of `channel`, in every process. */
  publish(channel: string, payload: unknown): Promise<void>;
  /**
   * Registers a handler. Resolves once the subscription is active: an event published after the promise
   * resolves reaches the handler, so a caller can subscribe, then replay from the database, without a gap.
   * Handlers of one channel receive its events in publication order (per publisher).
   */
  subscribe(channel: string, handler: BusHandler, options?: SubscribeOptions): Promise<Unsubscribe>;
  /** Drops every subscription and releases connections. Publishing afterwards rejects. */
  close(): Promise<void>;
}

export class BusClosedError extends Error {
  constructor() {
    super('the event bus is closed');
    this.name = 'BusClosedError';
  }
}

/** Channel names: printable ASCII without spaces or glob characters, so they mean the same on every transport. */
const CHANNEL_PATTERN = /^[A-Za-z0-9_.:@-]{1,200}$/;

export function assertChannel(channel: string): void {
  if (!CHANNEL_PATTERN.test(channel)) throw new TypeError(`invalid bus channel name: ${JSON.stringify(channel)}`);
}

/** The JSON text of a payload; throws a TypeError for what JSON cannot carry (undefined, functions, cycles, BigInt). */
export function encodePayload(payload: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (error) {
    throw new TypeError(`bus payload is not JSON-serialisable: ${(error as Error).message}`);
  }
  if (text === undefined)
    throw new TypeError('bus payload is not JSON-serialisable (undefined, a function or a symbol)');
  return text;
}

/** Reports a handler that threw, so one bad subscriber never breaks delivery to the others. */
export type HandlerErrorReporter = (error: unknown, channel: string) => void;

export const defaultHandlerErrorReporter: HandlerErrorReporter = (error, channel) => {
  process.emitWarning(
    `event bus handler for channel ${channel} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
};
