import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  describeFailure,
  retryDelayMs,
  signedHeaders,
  urlForLogs,
  verifyWebhook,
  webhookSignature,
} from '../../src/modules/alerts/model.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const BODY = '{"type":"cluster_alert","alert":{"id":"x"}}';

describe('webhook signature', () => {
  it('is HMAC-SHA256 of "<timestamp>.<raw body>" in hex (checked against openssl)', () => {
    // printf '%s' '1700000000.{"type":"cluster_alert","alert":{"id":"x"}}' | openssl dgst -sha256 -hmac '<secret>'
    expect(webhookSignature(SECRET, 1_700_000_000, BODY)).toBe(
      'a87bfeed808dc751ded6b857f4bca9db25ecac101d6f9c5947c88d69ecb076c0',
    );
    expect(signedHeaders(SECRET, 1_700_000_000, BODY)).toEqual({
      'x-epitrace-timestamp': '1700000000',
      'x-epitrace-signature': 'sha256=a87bfeed808dc751ded6b857f4bca9db25ecac101d6f9c5947c88d69ecb076c0',
    });
  });

  it('verifies, and refuses a changed body, another secret, an old or future timestamp and malformed headers', () => {
    const headers = signedHeaders(SECRET, 1_700_000_000, BODY);
    const given = { signature: headers['x-epitrace-signature'], timestamp: headers['x-epitrace-timestamp'] };
    expect(verifyWebhook(SECRET, given, BODY, 1_700_000_100)).toEqual({ ok: true });
    expect(verifyWebhook(SECRET, given, BODY.replace('"x"', '"y"'), 1_700_000_100)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verifyWebhook(`${SECRET}!`, given, BODY, 1_700_000_100)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    // Replaying the same signature with a fresh timestamp fails: the timestamp is signed.
    expect(verifyWebhook(SECRET, { ...given, timestamp: '1700000500' }, BODY, 1_700_000_500)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verifyWebhook(SECRET, given, BODY, 1_700_000_301)).toEqual({
      ok: false,
      reason: 'timestamp outside the tolerance',
    });
    expect(verifyWebhook(SECRET, given, BODY, 1_699_999_699)).toEqual({
      ok: false,
      reason: 'timestamp outside the tolerance',
    });
    expect(verifyWebhook(SECRET, { ...given, signature: undefined }, BODY, 1_700_000_000).ok).toBe(false);
    expect(verifyWebhook(SECRET, { ...given, signature: 'sha1=abc' }, BODY, 1_700_000_000)).toEqual({
      ok: false,
      reason: 'malformed signature',
    });
    expect(verifyWebhook(SECRET, { ...given, timestamp: '17e8' }, BODY, 1_700_000_000)).toEqual({
      ok: false,
      reason: 'malformed timestamp',
    });
  });
});

describe('the verification recipe of docs/zones-and-alerts.md', () => {
  it('accepts what the server signs and refuses a tampered body, another secret and an old timestamp', async () => {
    const page = readFileSync(new URL('../../docs/zones-and-alerts.md', import.meta.url), 'utf8');
    const block = /<!-- webhook-verify:start -->\s*```js\n([\s\S]*?)```\s*<!-- webhook-verify:end -->/.exec(page);
    expect(block, 'docs/zones-and-alerts.md has the webhook-verify block').not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'epitrace-readme-'));
    try {
      const file = join(dir, 'verify.mjs');
      writeFileSync(file, block![1]!);
      const { verifyEpitraceWebhook } = (await import(pathToFileURL(file).href)) as {
        verifyEpitraceWebhook: (
          secret: string,
          headers: Record<string, string | undefined>,
          rawBody: string,
          nowSeconds?: number,
        ) => boolean;
      };
      const now = Math.floor(Date.now() / 1000);
      const headers = signedHeaders(SECRET, now, BODY);
      expect(verifyEpitraceWebhook(SECRET, headers, BODY)).toBe(true);
      expect(verifyEpitraceWebhook(SECRET, headers, `${BODY} `)).toBe(false);
      expect(verifyEpitraceWebhook(`${SECRET}x`, headers, BODY)).toBe(false);
      expect(verifyEpitraceWebhook(SECRET, headers, BODY, now + 301)).toBe(false);
      expect(verifyEpitraceWebhook(SECRET, { ...headers, 'x-epitrace-signature': undefined }, BODY)).toBe(false);
      expect(verifyEpitraceWebhook(SECRET, { ...headers, 'x-epitrace-timestamp': String(now + 1) }, BODY)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('webhook retries', () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };

  it('doubles the delay with each failure up to the cap, with half of it random', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, 0.999999))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(7, policy, 0.5)).toBe(45_000); // 64 s capped at 60 s: 30 s fixed + 15 s of jitter
    expect(retryDelayMs(200, policy, 1)).toBe(60_000); // no overflow for very many attempts
    expect(retryDelayMs(0, policy, 0)).toBe(500);
  });

  it('records failures briefly, and logs where a webhook goes without its path or query (they may hold a token)', () => {
    expect(describeFailure(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toBe(
      'ECONNREFUSED',
    );
    expect(describeFailure(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(
      'timed out',
    );
    expect(describeFailure('x'.repeat(500))).toHaveLength(200);
    expect(urlForLogs('https://user:pw@hooks.example.org:8443/path/abc?token=secret')).toBe(
      'https://hooks.example.org:8443',
    );
    expect(urlForLogs('nonsense')).toBe('(invalid URL)');
  });
});
