import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  PROXIMITY_TOKEN_INTERVAL_MS,
  RESOLVE_TOLERANCE_MS,
  TOKEN_PATTERN,
  TOKENS_PER_DAY,
  deriveToken,
  deriveTokenKey,
  deriveTokens,
  intervalOf,
  intervalStart,
  observedWhileValid,
} from '../../src/modules/proximity-tokens/model.js';

const SECRET = 'a-deployment-token-secret-of-at-least-32-characters';
const OTHER_SECRET = 'another-deployment-token-secret-of-32-characters!!';
const ALICE = '5b0c2c7e-3a3f-4a51-9d5c-0c8f7d1f2b11';
const BOB = '0f8e3c1a-9b7d-4e2f-8a6c-5d4b3a291807';
const T = Date.UTC(2024, 2, 10, 9, 7, 30); // 09:07:30Z, inside the 09:00–09:15 interval
const key = deriveTokenKey(SECRET);

const bitsDifferent = (a: string, b: string) => {
  const x = Buffer.from(a, 'base64url');
  const y = Buffer.from(b, 'base64url');
  let bits = 0;
  for (let i = 0; i < x.length; i++) for (let v = x[i]! ^ y[i]!; v; v >>= 1) bits += v & 1;
  return bits;
};

describe('proximity token derivation', () => {
  it('rotates every 15 minutes on epoch-aligned intervals, 96 a day', () => {
    expect(PROXIMITY_TOKEN_INTERVAL_MS).toBe(900_000);
    expect(TOKENS_PER_DAY).toBe(96);
    expect(intervalOf(0)).toBe(0);
    expect(intervalOf(899_999)).toBe(0);
    expect(intervalOf(900_000)).toBe(1);
    expect(intervalStart(intervalOf(T))).toBe(Date.UTC(2024, 2, 10, 9, 0, 0));
  });

  it('follows the documented construction: HKDF-SHA256 key, HMAC-SHA256(key, user id || uint64be interval), 16 bytes, base64url', () => {
    const expectedKey = Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), 'epitrace proximity tokens v1', 32));
    expect(key.equals(expectedKey)).toBe(true);
    const interval = intervalOf(T);
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(interval));
    const mac = createHmac('sha256', expectedKey)
      .update(Buffer.concat([Buffer.from(ALICE), counter]))
      .digest();
    expect(deriveToken(key, ALICE, interval)).toBe(mac.subarray(0, 16).toString('base64url'));
  });

  it('never uses the secret itself as the key', () => {
    expect(key).toHaveLength(32);
    expect(key.includes(Buffer.from(SECRET).subarray(0, 16))).toBe(false);
    expect(deriveTokenKey(SECRET).equals(key)).toBe(true);
    expect(() => deriveTokenKey('')).toThrow();
  });

  it('is deterministic: the same user and interval always give the same token', () => {
    const interval = intervalOf(T);
    expect(deriveToken(key, ALICE, interval)).toBe(deriveToken(deriveTokenKey(SECRET), ALICE, interval));
    expect(deriveTokens(key, ALICE, T, 96)).toEqual(deriveTokens(key, ALICE, intervalStart(interval), 96));
  });

  it('gives 22-character base64url tokens of 16 bytes', () => {
    const pattern = new RegExp(TOKEN_PATTERN);
    for (const { token } of deriveTokens(key, ALICE, T, TOKENS_PER_DAY)) {
      expect(token).toHaveLength(22);
      expect(token).toMatch(pattern);
      expect(Buffer.from(token, 'base64url')).toHaveLength(16);
    }
  });

  it('gives consecutive, aligned intervals starting at the one containing the start time', () => {
    const tokens = deriveTokens(key, ALICE, T, TOKENS_PER_DAY);
    expect(tokens).toHaveLength(96);
    expect(tokens[0]!.validFrom).toBe(Date.UTC(2024, 2, 10, 9, 0, 0));
    tokens.forEach((t, i) => {
      expect(t.validFrom % PROXIMITY_TOKEN_INTERVAL_MS).toBe(0);
      expect(t.validTo - t.validFrom).toBe(PROXIMITY_TOKEN_INTERVAL_MS);
      if (i > 0) expect(t.validFrom).toBe(tokens[i - 1]!.validTo);
      expect(t.token).toBe(deriveToken(key, ALICE, t.interval));
    });
    expect(tokens.at(-1)!.validTo - tokens[0]!.validFrom).toBe(86_400_000);
  });

  it('gives different tokens to different users and to different intervals', () => {
    const all = [...deriveTokens(key, ALICE, T, TOKENS_PER_DAY), ...deriveTokens(key, BOB, T, TOKENS_PER_DAY)].map(
      (t) => t.token,
    );
    expect(new Set(all).size).toBe(2 * TOKENS_PER_DAY);
    // The same interval for two users, and two adjacent intervals for one user.
    expect(deriveToken(key, ALICE, intervalOf(T))).not.toBe(deriveToken(key, BOB, intervalOf(T)));
    expect(deriveToken(key, ALICE, intervalOf(T))).not.toBe(deriveToken(key, ALICE, intervalOf(T) + 1));
    // The derivation takes the id as given (the service canonicalises ids to lower case before deriving).
    expect(deriveToken(key, ALICE.toUpperCase(), 1)).not.toBe(deriveToken(key, ALICE, 1));
  });

  it('cannot be linked without the key: another key gives unrelated tokens', () => {
    const other = deriveTokenKey(OTHER_SECRET);
    const mine = deriveTokens(key, ALICE, T, TOKENS_PER_DAY);
    const theirs = deriveTokens(other, ALICE, T, TOKENS_PER_DAY);
    const overlap = mine.filter((t, i) => t.token === theirs[i]!.token);
    expect(overlap).toEqual([]);
    // About half the bits differ between the two keys' tokens, as between unrelated random strings.
    const meanDiff = mine.reduce((sum, t, i) => sum + bitsDifferent(t.token, theirs[i]!.token), 0) / mine.length;
    expect(meanDiff).toBeGreaterThan(54);
    expect(meanDiff).toBeLessThan(74);
  });

  it('carries no user id bytes and no pattern linking one user’s consecutive tokens', () => {
    const idHex = Buffer.from(ALICE.replaceAll('-', ''), 'hex');
    const tokens = deriveTokens(key, ALICE, T, TOKENS_PER_DAY);
    for (const { token } of tokens) {
      const bytes = Buffer.from(token, 'base64url');
      expect(token).not.toContain(ALICE.slice(0, 8));
      expect(bytes.includes(idHex.subarray(0, 4))).toBe(false);
      expect(bytes.includes(Buffer.from(ALICE).subarray(0, 4))).toBe(false);
      expect(bytes.includes(Buffer.from(ALICE.slice(-4)))).toBe(false);
    }
    // Consecutive tokens of one user differ in about half their bits, as do two users' tokens of the same interval.
    const bobs = deriveTokens(key, BOB, T, TOKENS_PER_DAY);
    const consecutive = tokens.slice(1).map((t, i) => bitsDifferent(t.token, tokens[i]!.token));
    const acrossUsers = tokens.map((t, i) => bitsDifferent(t.token, bobs[i]!.token));
    for (const diffs of [consecutive, acrossUsers]) {
      const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
      expect(mean).toBeGreaterThan(54);
      expect(mean).toBeLessThan(74);
    }
    // No shared prefix: first characters are spread out rather than constant per user.
    expect(new Set(tokens.map((t) => t.token.slice(0, 2))).size).toBeGreaterThan(80);
  });

  it('rejects impossible interval numbers', () => {
    expect(() => deriveToken(key, ALICE, -1)).toThrow(RangeError);
    expect(() => deriveToken(key, ALICE, 1.5)).toThrow(RangeError);
    expect(() => deriveToken(key, ALICE, Number.NaN)).toThrow(RangeError);
  });

  it('attributes an observation to a token within one interval of clock drift either side', () => {
    const validFrom = intervalStart(intervalOf(T));
    const token = { validFrom, validTo: validFrom + PROXIMITY_TOKEN_INTERVAL_MS };
    expect(RESOLVE_TOLERANCE_MS).toBe(PROXIMITY_TOKEN_INTERVAL_MS);
    expect(observedWhileValid(token, validFrom)).toBe(true);
    expect(observedWhileValid(token, token.validTo - 1)).toBe(true);
    expect(observedWhileValid(token, validFrom - RESOLVE_TOLERANCE_MS)).toBe(true);
    expect(observedWhileValid(token, validFrom - RESOLVE_TOLERANCE_MS - 1)).toBe(false);
    expect(observedWhileValid(token, token.validTo + RESOLVE_TOLERANCE_MS - 1)).toBe(true);
    expect(observedWhileValid(token, token.validTo + RESOLVE_TOLERANCE_MS)).toBe(false);
  });
});
