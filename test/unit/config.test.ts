import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { VARIABLES } from '../../src/config/variables.js';

describe('configuration', () => {
  it('has working defaults for the embedded setup', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dialect: 'sqlite',
      logLevel: 'info',
      timeZone: 'UTC',
      retentionDays: 21,
      maxClockSkewSeconds: 300,
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reports every bad value at once, by name', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        TIME_ZONE: 'Mars/Olympus',
        DATABASE_URL: 'mysql://x',
        TOKEN_SECRET: 'short',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      for (const name of ['PORT', 'LOG_LEVEL', 'TIME_ZONE', 'DATABASE_URL', 'TOKEN_SECRET'])
        expect(message).toContain(name);
      expect(message).toContain('"eighty"');
    }
  });

  it('requires shared secrets when several processes share PostgreSQL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x' })).toThrow(
      /ENCRYPTION_KEYS is required[\s\S]*TOKEN_SECRET is required/,
    );
    const config = loadConfig({
      DATABASE_URL: 'postgres://localhost/x',
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
      TOKEN_SECRET: 'x'.repeat(32),
    });
    expect(config.dialect).toBe('postgres');
  });

  it('trace jobs run where they are written unless TRACE_JOBS=runners, which needs Redis to wake the runners', () => {
    expect(loadConfig({}).traceJobs).toBe('here');
    expect(() => loadConfig({ TRACE_JOBS: 'runners' })).toThrow(/TRACE_JOBS=runners needs REDIS_URL/);
    expect(() => loadConfig({ TRACE_JOBS: 'elsewhere' })).toThrow(/TRACE_JOBS must be one of here, runners/);
    expect(loadConfig({ TRACE_JOBS: 'runners', REDIS_URL: 'redis://127.0.0.1:6379' }).traceJobs).toBe('runners');
  });

  it('treats empty values as unset and parses TRUST_PROXY', () => {
    expect(loadConfig({ PORT: '', TRUST_PROXY: '2' })).toMatchObject({ port: 8080, trustProxy: 2 });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('is documented: the configuration table of docs/configuration.md lists every variable the server reads', () => {
    const table = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const variable of VARIABLES)
      expect(table, variable.name).toMatch(new RegExp(`\\|\\s*\`${variable.name}\`\\s*\\|`));
    // The README keeps a short table of the main ones and links to the full one.
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('(docs/configuration.md)');
  });
});
