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

/**
 * The in-process bus of a single-process deployment (and of tests). Delivery is synchronous: when `publish`
 * resolves, every handler subscribed at that moment has been called, each with its own JSON copy of the payload.
 */
export class MemoryBus implements EventBus {
  private readonly channels = new Map<string, Set<BusHandler>>();
  private closed = false;

  constructor(private readonly reportHandlerError: HandlerErrorReporter = defaultHandlerErrorReporter) {}

  async publish(channel: string, payload: unknown): Promise<void> {
    if (this.closed) throw new BusClosedError();
    assertChannel(channel);
    const text = encodePayload(payload);
    const handlers = this.channels.get(channel);
    if (handlers === undefined) return;
    for (const handler of [...handlers]) {
      try {
        handler(JSON.parse(text));
      } catch (error) {
        this.reportHandlerError(error, channel);
      }
    }
  }

  async subscribe(channel: string, handler: BusHandler, _options?: SubscribeOptions): Promise<Unsubscribe> {
    if (this.closed) throw new BusClosedError();
    assertChannel(channel);
    // Each subscription is its own entry, even when the same function subscribes twice.
    const entry: BusHandler = (payload) => handler(payload);
    let handlers = this.channels.get(channel);
    if (handlers === undefined) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    handlers.add(entry);
    return async () => {
      const current = this.channels.get(channel);
      if (current === undefined) return;
      current.delete(entry);
      if (current.size === 0) this.channels.delete(channel);
    };
  }

  /** Number of active subscriptions on a channel (diagnostics and tests). */
  subscriberCount(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
  }
}
