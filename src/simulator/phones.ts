import { EpitraceApiError, type EpitraceClient, type RealtimeStream, type Notification } from '../../web/sdk/index.js';
import type { HeldToken, PhoneObservation } from './observations.js';
import { sleep, type RequestLog } from './pacing.js';

/** A notification as the phone got it: over its stream (receivedAt) or by listing (receivedAt null). */
export interface ReceivedNotification {
  readonly seq: number;
  readonly tier: Notification['tier'];
  readonly exposureDate: string;
  /** Server time the notification was written (epoch ms). */
  readonly createdAt: number;
  /** Wall time the stream delivered it; null when it was only seen in the list. */
  readonly receivedAt: number | null;
}

/** One simulated person's phone: their account, what it still has to upload, its tokens and stream. */
export interface Phone {
  readonly agent: number;
  readonly userId: string;
  readonly client: EpitraceClient;
  /** Hour of the day (0-24) at which the phone uploads what it recorded since its last upload. */
  readonly uploadHour: number;
  queue: { observation: PhoneObservation; readyAt: number }[];
  tokens: HeldToken[] | null;
  stream: RealtimeStream<Notification> | null;
  readonly received: Map<number, ReceivedNotification>;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * Calls the API through the request log; a refused-for-now answer (429, 503...) or a network error is retried a few
 * times with back-off (as the app would), and counted as an error each time.
 */
export async function call<T>(log: RequestLog, endpoint: string, request: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await log.time(endpoint, request);
    } catch (error) {
      const retryable = error instanceof EpitraceApiError ? RETRYABLE.has(error.status) : error instanceof TypeError;
      if (!retryable || attempt >= attempts) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}

export function receive(phone: Phone, notification: Notification, receivedAt: number | null): void {
  if (phone.received.has(notification.seq)) return;
  phone.received.set(notification.seq, {
    seq: notification.seq,
    tier: notification.tier,
    exposureDate: notification.exposure_date,
    createdAt: Date.parse(notification.created_at),
    receivedAt,
  });
}

/** Uploads the queued observations ready by `until` (simulation ms), in batches of at most 1,000. */
export async function uploadReady(phone: Phone, until: number, log: RequestLog): Promise<number> {
  const ready = phone.queue.filter((q) => q.readyAt <= until).map((q) => q.observation);
  if (ready.length === 0) return 0;
  phone.queue = phone.queue.filter((q) => q.readyAt > until);
  for (let i = 0; i < ready.length; i += 1000) {
    const batch = ready.slice(i, i + 1000);
    await call(log, 'POST /interactions', () => phone.client.uploadInteractions(batch));
  }
  return ready.length;
}

/** Every notification in the phone's list (pages of 500). */
export async function listAllNotifications(phone: Phone, log: RequestLog): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await call(log, 'GET /notifications', () => phone.client.listNotifications({ limit: 500, cursor }));
    for (const n of page.notifications) receive(phone, n, null);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}
