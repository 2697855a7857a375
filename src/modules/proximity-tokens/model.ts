import { createHmac, hkdfSync } from 'node:crypto';
import { MS_PER_DAY } from '../../platform/time/calendar.js';

/**
 * Rotating proximity tokens (pure rules, no I/O).
 *
 * Two phones exchange these over Bluetooth instead of user ids. Each token is
 *   base64url(first 16 bytes of HMAC-SHA256(K, utf8(user id) || uint64be(interval number)))
 * where K = HKDF-SHA256(the deployment's token secret, salt = "", info = "epitrace proximity tokens v1", 32 bytes).
 * The interval number is fixed-width and last, so the HMAC input is unambiguous. Without K a token cannot be
 * linked to its user nor to the user's other tokens (HMAC is a PRF); with K the server re-derives the same token
 * for the same (user, interval), so issuing is idempotent.
 */

/** Tokens rotate every 15 minutes, on interval boundaries aligned to the Unix epoch. */
export const PROXIMITY_TOKEN_INTERVAL_MS = 15 * 60_000;
/** One day of tokens: 96 intervals of 15 minutes. */
export const TOKENS_PER_DAY = MS_PER_DAY / PROXIMITY_TOKEN_INTERVAL_MS;
/**
 * Clock drift tolerated when resolving an observed token: an encounter at `at` matches a token valid on
 * [valid_from − 1 interval, valid_to + 1 interval), i.e. the token's own interval and one either side.
 */
export const RESOLVE_TOLERANCE_MS = PROXIMITY_TOKEN_INTERVAL_MS;
/** HKDF `info` label: changing the derivation means a new label (v2), never silent reuse of v1 keys. */
export const TOKEN_KEY_INFO = 'epitrace proximity tokens v1';
/** Token length in bytes (before base64url): 128 bits, as GAEN's rolling proximity identifiers. */
export const TOKEN_BYTES = 16;
/** base64url of 16 bytes without padding. */
export const TOKEN_PATTERN = '^[A-Za-z0-9_-]{22}$';

export interface DerivedToken {
  readonly token: string;
  /** Interval number: floor(epoch ms / interval). */
  readonly interval: number;
  /** Epoch ms, inclusive. */
  readonly validFrom: number;
  /** Epoch ms, exclusive. */
  readonly validTo: number;
}

/** The per-deployment token key, derived from the configured secret (never the secret itself). */
export function deriveTokenKey(secret: string): Buffer {
  if (secret.length === 0) throw new Error('the proximity token secret must not be empty');
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from(TOKEN_KEY_INFO, 'utf8'), 32),
  );
}

/** The interval an instant falls in. */
export function intervalOf(epochMs: number): number {
  return Math.floor(epochMs / PROXIMITY_TOKEN_INTERVAL_MS);
}

export function intervalStart(interval: number): number {
  return interval * PROXIMITY_TOKEN_INTERVAL_MS;
}

/** The token of one user for one interval. */
export function deriveToken(key: Buffer, userId: string, interval: number): string {
  if (!Number.isSafeInteger(interval) || interval < 0)
    throw new RangeError(`interval must be a non-negative integer, got ${interval}`);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(interval));
  const mac = createHmac('sha256', key).update(Buffer.from(userId, 'utf8')).update(counter).digest();
  return mac.subarray(0, TOKEN_BYTES).toString('base64url');
}

/** `count` consecutive tokens from the interval containing `fromMs`. */
export function deriveTokens(key: Buffer, userId: string, fromMs: number, count: number): DerivedToken[] {
  const first = intervalOf(fromMs);
  return Array.from({ length: count }, (_, i) => {
    const interval = first + i;
    const validFrom = intervalStart(interval);
    return {
      token: deriveToken(key, userId, interval),
      interval,
      validFrom,
      validTo: validFrom + PROXIMITY_TOKEN_INTERVAL_MS,
    };
  });
}

/**
 * Whether an encounter observed at `at` may be attributed to a token valid on [validFrom, validTo), allowing for drift.
 */
export function observedWhileValid(token: { validFrom: number; validTo: number }, at: number): boolean {
  return at >= token.validFrom - RESOLVE_TOLERANCE_MS && at < token.validTo + RESOLVE_TOLERANCE_MS;
}
