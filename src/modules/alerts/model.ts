/**
 * Pure rules of alerts and their webhooks: the signature a receiver verifies, and when a failed delivery is
 * tried again. No I/O, no clock (times are passed in).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-epitrace-signature';
export const TIMESTAMP_HEADER = 'x-epitrace-timestamp';
export const DELIVERY_HEADER = 'x-epitrace-delivery';
export const EVENT_HEADER = 'x-epitrace-event';
export const SIGNATURE_SCHEME = 'sha256';

/**
 * HMAC-SHA256 over `<timestamp>.<raw body>` with the shared secret, as lower-case hex. The timestamp (Unix
 * seconds, also sent in X-Epitrace-Timestamp) is part of the signed content, so a captured request cannot be
 * replayed later with a fresh timestamp; receivers reject timestamps too far from their clock.
 */
export function webhookSignature(secret: string, timestampSeconds: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex');
}

/** The headers that sign one attempt. */
export function signedHeaders(secret: string, timestampSeconds: number, rawBody: string): Record<string, string> {
  return {
    [TIMESTAMP_HEADER]: String(timestampSeconds),
    [SIGNATURE_HEADER]: `${SIGNATURE_SCHEME}=${webhookSignature(secret, timestampSeconds, rawBody)}`,
  };
}

export type VerificationResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * What a receiver does (and what docs/zones-and-alerts.md documents): recompute the HMAC over `<timestamp>.<raw body>`,
 * compare in constant time, and refuse a timestamp more than `toleranceSeconds` from its own clock.
 */
export function verifyWebhook(
  secret: string,
  headers: { readonly signature: string | undefined; readonly timestamp: string | undefined },
  rawBody: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): VerificationResult {
  if (headers.signature === undefined || headers.timestamp === undefined)
    return { ok: false, reason: 'missing signature or timestamp header' };
  if (!/^\d{1,12}$/.test(headers.timestamp)) return { ok: false, reason: 'malformed timestamp' };
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds)
    return { ok: false, reason: 'timestamp outside the tolerance' };
  const match = /^sha256=([0-9a-f]{64})$/.exec(headers.signature);
  if (match === null) return { ok: false, reason: 'malformed signature' };
  const expected = Buffer.from(webhookSignature(secret, timestamp, rawBody), 'hex');
  const given = Buffer.from(match[1]!, 'hex');
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

export interface RetryPolicy {
  /** Delay before the second attempt. */
  readonly baseMs: number;
  /** Longest delay between attempts. */
  readonly maxMs: number;
}

/**
 * Delay after failed attempt number `attempt` (1 = the first attempt failed): exponential, base × 2^(attempt-1),
 * capped at maxMs, with "equal jitter" (half fixed, half random) so receivers coming back up are not hit by every
 * sender at once. `random` is a uniform number in [0, 1).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 40);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}

/** Error text stored with a delivery: short, and without the URL (which may hold a credential). */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code =
      typeof cause === 'object' && cause !== null && 'code' in cause
        ? String((cause as { code: unknown }).code)
        : undefined;
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    return (code ?? error.message).slice(0, 200);
  }
  return String(error).slice(0, 200);
}

/** Where a webhook goes, for logs: scheme, host and port only (never the path or query, which may hold a token). */
export function urlForLogs(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
