import { describe, expect, it } from 'vitest';
import { bannerText, baseUrlOf, shouldPrintBanner } from '../../src/cli/banner.js';
import { hidePassword } from '../../src/cli/hide-password.js';
import { loggerOptions, prettyLogs } from '../../src/platform/observability/logger.js';

const sqlite = {
  dialect: 'sqlite' as const,
  dataDir: '/srv/epitrace/data',
  databaseUrl: undefined,
  databaseSchema: 'public',
  encryptionKeys: undefined,
  tokenSecret: undefined,
  redisUrl: undefined,
};
const ipv4 = (address: string, port = 8080) => ({ address, family: 'IPv4', port });

describe('the start-up banner', () => {
  it('is printed on a terminal, or when BANNER=on; never when BANNER=off', () => {
    expect(shouldPrintBanner('auto', true)).toBe(true);
    expect(shouldPrintBanner('auto', false)).toBe(false);
    expect(shouldPrintBanner('on', false)).toBe(true);
    expect(shouldPrintBanner('off', true)).toBe(false);
  });

  it('gives the URLs at the bound address and port, where data and keys are, and the first staff account to create', () => {
    const text = bannerText({ version: '1.2.3', address: ipv4('127.0.0.1', 8123), config: sqlite, staffAccounts: 0 });
    expect(text).toContain('Epitrace 1.2.3 is running.');
    expect(text).toContain('App for residents     http://127.0.0.1:8123/app/');
    expect(text).toContain('Dashboard for staff   http://127.0.0.1:8123/dashboard/');
    expect(text).toContain('API documentation     http://127.0.0.1:8123/docs');
    expect(text).toContain('SQLite database /srv/epitrace/data/epitrace.sqlite');
    expect(text).toContain('/srv/epitrace/data/encryption.key and /srv/epitrace/data/token.secret');
    expect(text).toContain('No staff account exists yet.');
    expect(text).toContain('npx epitrace admin create-staff --role admin --username <name>');
    expect(text).not.toContain('every address');
  });

  it('on every address, shows localhost URLs and says so; with staff, says how many', () => {
    const text = bannerText({ version: '1', address: ipv4('0.0.0.0'), config: sqlite, staffAccounts: 2 });
    expect(text).toContain('http://localhost:8080/app/');
    expect(text).toContain('listening on every address of this machine, port 8080');
    expect(text).toContain('2 staff accounts exist.');
    expect(text).not.toContain('No staff account');
    expect(baseUrlOf({ address: '::1', family: 'IPv6', port: 9000 })).toBe('http://[::1]:9000');
    expect(baseUrlOf({ address: '::', family: 'IPv6', port: 9000 })).toBe('http://localhost:9000');
  });

  it('with PostgreSQL and Redis, names them with their passwords hidden, and keys from the environment', () => {
    const text = bannerText({
      version: '1',
      address: ipv4('10.0.0.5'),
      config: {
        ...sqlite,
        dialect: 'postgres',
        databaseUrl: 'postgres://epitrace:s3cret@db.internal:5432/epitrace',
        databaseSchema: 'city',
        encryptionKeys: 'k1:AAAA',
        tokenSecret: 'x'.repeat(32),
        redisUrl: 'redis://:hunter2@cache:6379/0',
      },
      staffAccounts: 1,
    });
    expect(text).toContain('PostgreSQL postgres://epitrace:***@db.internal:5432/epitrace, schema city');
    expect(text).toContain('Keys   from ENCRYPTION_KEYS and TOKEN_SECRET');
    expect(text).toContain('Redis  redis://:***@cache:6379/0');
    expect(text).toContain('1 staff account exists.');
    expect(text).not.toMatch(/s3cret|hunter2|AAAA|xxxx/);
    expect(text).not.toContain('epitrace.sqlite');
  });
});

describe('hiding a password in a connection string', () => {
  it('replaces only the password', () => {
    expect(hidePassword('postgres://u:p%40ss@h:5432/d?sslmode=require')).toBe(
      'postgres://u:***@h:5432/d?sslmode=require',
    );
    expect(hidePassword('postgres://u@h/d')).toBe('postgres://u@h/d');
    expect(hidePassword('postgres://u@h/d?password=secret&sslmode=require')).toBe(
      'postgres://u@h/d?password=***&sslmode=require',
    );
    expect(hidePassword('rediss://:pw@h:6380')).toBe('rediss://:***@h:6380');
    expect(hidePassword('not a url with secret')).not.toContain('secret');
  });
});

describe('log format', () => {
  it('is JSON for machines and pretty for people: auto follows the terminal', () => {
    expect(prettyLogs({ logLevel: 'info', logFormat: 'auto' }, true)).toBe(true);
    expect(prettyLogs({ logLevel: 'info', logFormat: 'auto' }, false)).toBe(false);
    expect(prettyLogs({ logLevel: 'info', logFormat: 'json' }, true)).toBe(false);
    expect(prettyLogs({ logLevel: 'info', logFormat: 'pretty' }, false)).toBe(true);
    const json = loggerOptions({ logLevel: 'warn', logFormat: 'json' }, true);
    expect(json).toMatchObject({ level: 'warn' });
    expect(json.stream).toBeUndefined();
    expect(json.redact).toContain('req.headers.authorization');
    expect(loggerOptions({ logLevel: 'warn', logFormat: 'pretty' }, false).stream).toBeDefined();
  });
});
