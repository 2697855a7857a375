import { Redis } from 'ioredis';
import {
  assertChannel,
  BusClosedError,
  defaultHandlerErrorReporter,
  encodePayload,
  type BusHandler,
  type EventBus,
  type HandlerErrorReporter,
  type SubscribeOptions,
  type Unsubscribe,
} from './event-bus.js';

export interface RedisBusOptions {
  readonly url: string;
  /** Prepended to every channel name on Redis, so several deployments can share one Redis. */
  readonly prefix?: string;
  readonly reportHandlerError?: HandlerErrorReporter;
  /** Told about connection errors (ioredis keeps reconnecting by itself). */
  readonly onConnectionError?: (error: Error) => void;
}

export const DEFAULT_BUS_PREFIX = 'epitrace:bus:';

interface Subscription {
  readonly handler: BusHandler;
  readonly onResubscribed: (() => void) | undefined;
}

/**
 * Redis pub/sub: an event published by any process reaches the subscribers of every process sharing the Redis.
 *
 * Two connections: one publishes, one subscribes (a subscribed Redis connection may not publish). Each channel is
 * subscribed on Redis once, however many local handlers it has, and unsubscribed when the last one leaves;
 * subscribe and unsubscribe of one channel are serialised so they can never overtake each other.
 *
 * Redis pub/sub is fire-and-forget: what is published while the subscriber connection is down is lost. When the
 * connection comes back, the channels are subscribed again and then every subscription's `onResubscribed` runs,
 * so its owner can re-read what it missed from the database.
 */
export class RedisBus implements EventBus {
  readonly prefix: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  /** Channels subscribed on Redis (or being subscribed). */
  private readonly active = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly reportHandlerError: HandlerErrorReporter;
  private closed = false;
  private connectedBefore = false;

  constructor(options: RedisBusOptions) {
    this.prefix = options.prefix ?? DEFAULT_BUS_PREFIX;
    this.reportHandlerError = options.reportHandlerError ?? defaultHandlerErrorReporter;
    const onError = (error: Error) => options.onConnectionError?.(error);
    this.publisher = new Redis(options.url, { maxRetriesPerRequest: 2, connectionName: 'epitrace-bus-publisher' });
    // Re-subscription after a reconnect is done here (onReady), so it is known when it is complete.
    this.subscriber = new Redis(options.url, {
      maxRetriesPerRequest: 2,
      autoResubscribe: false,
      connectionName: 'epitrace-bus-subscriber',
    });
    this.publisher.on('error', onError);
    this.subscriber.on('error', onError);
    this.subscriber.on('message', (key: string, message: string) => this.dispatch(key, message));
    this.subscriber.on('ready', () => void this.onReady());
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    if (this.closed) throw new BusClosedError();
    assertChannel(channel);
    await this.publisher.publish(this.prefix + channel, encodePayload(payload));
  }

  async subscribe(channel: string, handler: BusHandler, options: SubscribeOptions = {}): Promise<Unsubscribe> {
    if (this.closed) throw new BusClosedError();
    assertChannel(channel);
    const subscription: Subscription = { handler, onResubscribed: options.onResubscribed };
    let set = this.subscriptions.get(channel);
    if (set === undefined) {
      set = new Set();
      this.subscriptions.set(channel, set);
    }
    set.add(subscription);
    try {
      await this.reconcile(channel);
    } catch (error) {
      this.remove(channel, subscription);
      await this.reconcile(channel).catch(() => undefined);
      throw error;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.remove(channel, subscription);
      if (!this.closed) await this.reconcile(channel);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriptions.clear();
    await Promise.allSettled([...this.pending.values()]);
    await Promise.allSettled([quit(this.subscriber), quit(this.publisher)]);
  }

  private remove(channel: string, subscription: Subscription): void {
    const set = this.subscriptions.get(channel);
    if (set === undefined) return;
    set.delete(subscription);
    if (set.size === 0) this.subscriptions.delete(channel);
  }

  /** Brings the Redis subscription of `channel` in line with its local handlers, after any pending change of it. */
  private reconcile(channel: string): Promise<void> {
    const previous = this.pending.get(channel) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const wanted = !this.closed && (this.subscriptions.get(channel)?.size ?? 0) > 0;
        if (wanted && !this.active.has(channel)) {
          this.active.add(channel);
          try {
            await this.subscriber.subscribe(this.prefix + channel);
          } catch (error) {
            this.active.delete(channel);
            throw error;
          }
        } else if (!wanted && this.active.has(channel)) {
          this.active.delete(channel);
          if (!this.closed) await this.subscriber.unsubscribe(this.prefix + channel);
        }
      });
    this.pending.set(channel, next);
    const forget = () => {
      if (this.pending.get(channel) === next) this.pending.delete(channel);
    };
    next.then(forget, forget);
    return next;
  }

  private dispatch(key: string, message: string): void {
    if (!key.startsWith(this.prefix)) return;
    const channel = key.slice(this.prefix.length);
    const set = this.subscriptions.get(channel);
    if (set === undefined) return;
    for (const { handler } of [...set]) {
      try {
        handler(JSON.parse(message));
      } catch (error) {
        this.reportHandlerError(error, channel);
      }
    }
  }

  private async onReady(): Promise<void> {
    if (!this.connectedBefore) {
      this.connectedBefore = true;
      return;
    }
    // A reconnect: Redis forgot our subscriptions and whatever was published meanwhile.
    const channels = [...this.active];
    if (channels.length === 0 || this.closed) return;
    try {
      await this.subscriber.subscribe(...channels.map((c) => this.prefix + c));
    } catch (error) {
      // The connection dropped again; the next 'ready' retries.
      this.reportHandlerError(error, channels.join(','));
      return;
    }
    for (const channel of channels) {
      for (const { onResubscribed } of [...(this.subscriptions.get(channel) ?? [])]) {
        if (onResubscribed === undefined) continue;
        try {
          onResubscribed();
        } catch (error) {
          this.reportHandlerError(error, channel);
        }
      }
    }
  }
}

async function quit(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
