import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('zones and webhooks configuration', () => {
  it('has defaults for a daily-analysis style scan and no webhooks', () => {
    const config = loadConfig({});
    expect(config.zones).toEqual({
      scanResolution: 8,
      scanDays: 14,
      scanMaxRings: 3,
      scanMaxDurationDays: 7,
      scanReplications: 999,
      scanSeed: '12345678',
      scanMinCases: 2,
      alertRecurrenceDays: 100,
      scanDebounceMs: 5000,
      scanIntervalMs: 900_000,
    });
    expect(config.webhooks).toEqual({
      urls: [],
      secret: undefined,
      timeoutMs: 10_000,
      retryBaseMs: 5000,
      retryMaxMs: 3_600_000,
      giveUpHours: 168,
    });
  });

  it('reads webhook URLs and requires a long enough secret with them', () => {
    const secret = 'x'.repeat(32);
    expect(
      loadConfig({ WEBHOOK_URLS: ' https://a.example/hook , http://127.0.0.1:9000/b ', WEBHOOK_SECRET: secret })
        .webhooks.urls,
    ).toEqual(['https://a.example/hook', 'http://127.0.0.1:9000/b']);
    expect(problemsOf({ WEBHOOK_URLS: 'https://a.example/hook' })).toContain('WEBHOOK_SECRET is required');
    expect(problemsOf({ WEBHOOK_URLS: 'https://a.example/hook', WEBHOOK_SECRET: 'short' })).toContain(
      'WEBHOOK_SECRET must be at least 32 characters',
    );
    const bad = problemsOf({
      WEBHOOK_URLS: 'https://a.example/hook,ftp://user:pw@b.example/x?token=s3cret',
      WEBHOOK_SECRET: secret,
    });
    expect(bad).toContain('entry 2');
    expect(bad).not.toContain('s3cret'); // a URL may hold a credential: never echoed
    expect(problemsOf({ WEBHOOK_URLS: 'https://a.example/h,https://a.example/h', WEBHOOK_SECRET: secret })).toContain(
      'twice',
    );
    expect(problemsOf({ WEBHOOK_RETRY_BASE_MS: '5000', WEBHOOK_RETRY_MAX_MS: '1000' })).toContain(
      'WEBHOOK_RETRY_MAX_MS',
    );
  });

  it('refuses scan settings that cannot work', () => {
    expect(problemsOf({ SCAN_REPLICATIONS: '99' })).toContain('SCAN_REPLICATIONS must be an integer from 999');
    expect(problemsOf({ SCAN_ALERT_RECURRENCE_DAYS: '5000' })).toContain(
      'can never be reached with SCAN_REPLICATIONS=999',
    );
    expect(
      loadConfig({ SCAN_ALERT_RECURRENCE_DAYS: '5000', SCAN_REPLICATIONS: '9999' }).zones.alertRecurrenceDays,
    ).toBe(5000);
    expect(problemsOf({ SCAN_MAX_DURATION_DAYS: '21' })).toContain('SCAN_MAX_DURATION_DAYS must not exceed SCAN_DAYS');
    expect(problemsOf({ SCAN_RESOLUTION: '11' })).toContain('SCAN_RESOLUTION must not be finer than H3_RESOLUTION');
    expect(loadConfig({ SCAN_RESOLUTION: '9', H3_RESOLUTION: '9' }).zones.scanResolution).toBe(9);
    expect(problemsOf({ SCAN_DEBOUNCE_MS: 'soon' })).toContain('SCAN_DEBOUNCE_MS');
  });
});
