import type { FastifyBaseLogger } from 'fastify';
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  describeFailure,
  retryDelayMs,
  signedHeaders,
  urlForLogs,
  type RetryPolicy,
} from './model.js';
import type { AlertsRepository, ClaimedDelivery } from './repository.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Sends the webhook outbox; tests wait on `webhookDispatcher.idle()`. */
    webhookDispatcher: WebhookDispatcher;
  }
}

export interface WebhookSettings {
  /** Shared secret of the HMAC signature; without it nothing is sent (deliveries stay pending). */
  readonly secret: string | undefined;
  /** One attempt gives up after this long. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** A delivery still failing this long after its alert is marked failed and no longer tried. */
  readonly giveUpMs: number;
  /** Longest wait between looks at the outbox (deliveries created by other processes). */
  readonly pollMs?: number;
  /** Attempts in flight at once, at most. */
  readonly batch?: number;
}

export interface DispatcherHooks {
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
  readonly now?: () => number;
}

export const WEBHOOK_EVENT = 'cluster_alert';
const USER_AGENT = 'Epitrace-Webhook/1';

/**
 * Sends the webhook outbox: every pending delivery whose time has come is claimed (so one process sends it),
 * POSTed with a signed body, then marked delivered (2xx) or scheduled again with exponential backoff. Runs on
 * start (so deliveries left by a stopped process go out), when told a new alert exists (`kick`), and whenever the
 * next pending delivery is due. At least once: a receiver may see a delivery twice (dedupe on X-Epitrace-Delivery
 * or the alert id), never zero times while it keeps answering within the give-up period.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Set<AbortController>();
  private readonly attempts = new Set<Promise<void>>();
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly batch: number;
  private warnedNoSecret = false;

  constructor(
    private readonly repository: AlertsRepository,
    private readonly settings: WebhookSettings,
    private readonly log: FastifyBaseLogger,
    hooks: DispatcherHooks = {},
  ) {
    this.fetchImpl = hooks.fetch ?? fetch;
    this.random = hooks.random ?? Math.random;
    this.now = hooks.now ?? Date.now;
    this.pollMs = settings.pollMs ?? 30_000;
    this.batch = settings.batch ?? 16;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Looks at the outbox as soon as possible. */
  kick(): void {
    if (this.stopped) return;
    this.again = true;
    if (this.running === null) this.running = this.loop();
  }

  /** Resolves when no sweep and no attempt is running (tests). */
  async idle(): Promise<void> {
    while (this.running !== null || this.attempts.size > 0) {
      await Promise.all([this.running, ...this.attempts]);
    }
  }

  /** Stops sending: attempts in flight are cut short and become due again at once (for the next process). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const controller of this.inFlight) controller.abort();
    await this.idle();
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        while (this.again && !this.stopped) {
          this.again = false;
          clearTimeout(this.timer);
          try {
            await this.sweep();
          } catch (error) {
            this.log.error({ err: error }, 'webhook sweep failed; retrying later');
          }
        }
        if (this.stopped) return;
        await this.scheduleNext();
        // A kick that came while the next wake-up was being computed: sweep again now.
        if (!this.again || this.stopped) return;
      }
    } finally {
      this.running = null;
    }
  }

  /**
   * Claims due deliveries up to the concurrency limit and starts their attempts (a slow receiver holds up no other).
   */
  private async sweep(): Promise<void> {
    if (this.settings.secret === undefined) {
      if (!this.warnedNoSecret && (await this.repository.nextDueAt()) !== null) {
        this.log.error('webhook deliveries are pending but WEBHOOK_SECRET is not set: nothing is sent');
        this.warnedNoSecret = true;
      }
      return;
    }
    const secret = this.settings.secret;
    for (;;) {
      const capacity = this.batch - this.attempts.size;
      if (this.stopped || capacity <= 0) return;
      const claimed = await this.repository.claimDue(this.now(), this.settings.timeoutMs + 10_000, capacity);
      if (claimed.length === 0) return;
      for (const delivery of claimed) {
        const attempt: Promise<void> = this.attempt(delivery, secret)
          .catch((error: unknown) =>
            this.log.error(
              { err: error, delivery_id: delivery.id },
              'webhook attempt could not be recorded; it is retried when its lease ends',
            ),
          )
          .finally(() => {
            this.attempts.delete(attempt);
            this.kick(); // a free slot, and possibly a retry due soon
          });
        this.attempts.add(attempt);
      }
    }
  }

  private async scheduleNext(): Promise<void> {
    let delay = this.pollMs;
    try {
      const next = await this.repository.nextDueAt();
      if (next !== null) delay = Math.min(delay, Math.max(0, next - this.now()));
    } catch (error) {
      this.log.warn({ err: error }, 'could not read the webhook outbox; looking again later');
    }
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.max(delay, 10));
    this.timer.unref();
  }

  private async attempt(delivery: ClaimedDelivery, secret: string): Promise<void> {
    const body = `{"type":"${WEBHOOK_EVENT}","alert":${delivery.payload}}`;
    const controller = new AbortController();
    this.inFlight.add(controller);
    let status: number | null = null;
    let failure: string | null = null;
    try {
      const response = await this.fetchImpl(delivery.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(this.settings.timeoutMs)]),
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          [EVENT_HEADER]: WEBHOOK_EVENT,
          [DELIVERY_HEADER]: delivery.id,
          ...signedHeaders(secret, Math.floor(this.now() / 1000), body),
        },
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (status < 200 || status >= 300) failure = `HTTP ${status}`;
    } catch (error) {
      failure = controller.signal.aborted ? 'interrupted by shutdown' : describeFailure(error);
    } finally {
      this.inFlight.delete(controller);
    }
    const now = this.now();
    if (failure === null) {
      await this.repository.markDelivered(delivery.id, now, status!);
      this.log.info(
        {
          delivery_id: delivery.id,
          alert_id: delivery.alertId,
          to: urlForLogs(delivery.url),
          attempt: delivery.attempt,
        },
        'webhook delivered',
      );
      return;
    }
    const interrupted = controller.signal.aborted;
    const delay = interrupted ? 0 : retryDelayMs(delivery.attempt, this.settings.retry, this.random());
    const giveUp = !interrupted && now + delay - delivery.createdAt > this.settings.giveUpMs;
    await this.repository.markFailed(delivery.id, now + delay, status, failure, giveUp);
    const context = {
      delivery_id: delivery.id,
      alert_id: delivery.alertId,
      to: urlForLogs(delivery.url),
      attempt: delivery.attempt,
      error: failure,
    };
    if (giveUp) this.log.error(context, 'webhook delivery failed for too long; giving up');
    else this.log.warn({ ...context, retry_in_ms: delay }, 'webhook delivery failed; will retry');
  }
}
