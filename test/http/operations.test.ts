import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { expectProblem, registerUser } from '../helpers/actors.js';
import { needs, testDialects, testRedisUrl } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const SEED_ROUTES: Array<[string, string]> = [
  ['/users', 'post'],
  ['/interactions', 'get'],
  ['/symptoms', 'post'],
  ['/exposure_risks', 'get'],
];

describe.each(testDialects())('operations on %s', (dialect) => {
  const apps: TestApp[] = [];
  const build = async (env: Record<string, string> = {}) => {
    const t = await buildTestApp(dialect, env);
    apps.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });

  it('answers health, readiness and Prometheus metrics', async () => {
    const redisUrl = testRedisUrl();
    const t = await build(redisUrl ? { REDIS_URL: redisUrl } : {});
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      checks: redisUrl ? { database: 'ok', redis: 'ok' } : { database: 'ok' },
    });
    await t.app.inject('/healthz');
    const metrics = await t.app.inject('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/^# HELP epitrace_http_request_duration_seconds/m);
    expect(metrics.body).toMatch(
      /epitrace_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} [1-9]/,
    );
    expect(metrics.body).toContain('epitrace_process_resident_memory_bytes');
  });

  it('reports not ready with a 503 problem when the database is gone', async () => {
    const t = await build();
    await t.database.close();
    expectProblem(await t.app.inject('/readyz'), 503);
  });

  it('publishes an OpenAPI 3.1 document with every route, the seed endpoints and problem responses', async () => {
    const t = await build();
    const response = await t.app.inject('/openapi.json');
    expect(response.statusCode).toBe(200);
    const doc = response.json<{
      openapi: string;
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> }>
      >;
    }>();
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of SEED_ROUTES) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(doc.paths['/users']!.post!.responses['201']).toBeDefined();
    expect(doc.paths['/symptoms']!.post!.responses['201']).toBeDefined();
    expect(doc.paths['/interactions']!.get!.parameters?.some((p) => p.name === 'user_id' && p.in === 'query')).toBe(
      true,
    );
    expect(
      doc.paths['/exposure_risks']!.get!.parameters?.some((p) => p.name === 'interaction_id' && p.in === 'query'),
    ).toBe(true);
    for (const path of ['/users/{id}', '/auth/login', '/staff', '/cases', '/healthz', '/readyz', '/metrics'])
      expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths['/interactions']!.post!.responses['400']).toMatchObject({
      content: { 'application/problem+json': {} },
    });
    expect(doc.paths['/interactions']!.post!.responses['503']).toMatchObject({
      content: { 'application/problem+json': {} },
    });
    const docs = await t.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('sets security headers and echoes or creates a request id', async () => {
    const t = await build();
    const response = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-me-123' } });
    expect(response.headers['x-request-id']).toBe('trace-me-123');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    const generated = await t.app.inject('/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes and methods with a problem', async () => {
    const t = await build();
    expect(expectProblem(await t.app.inject('/nope'), 404).detail).toContain('/nope');
    expectProblem(await t.app.inject({ method: 'PATCH', url: '/users' }), 404);
  });

  it('limits requests per token and per address with 429 problems', async () => {
    const t = await build({ RATE_LIMIT_MAX: '3', AUTH_RATE_LIMIT_MAX: '2' });
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    expectProblem(await t.app.inject({ method: 'POST', url: '/users', payload: {} }), 429); // third registration from one address
    for (let i = 0; i < 3; i++)
      expect((await t.app.inject({ url: `/users/${a.id}`, headers: a.auth })).statusCode).toBe(200);
    const limited = expectProblem(await t.app.inject({ url: `/users/${a.id}`, headers: a.auth }), 429);
    expect(limited.detail).toContain('rate limit');
    // Another token from the same address has its own budget.
    expect((await t.app.inject({ url: `/users/${b.id}`, headers: b.auth })).statusCode).toBe(200);
    // Anonymous callers share their address's budget.
    for (let i = 0; i < 3; i++) await t.app.inject({ url: `/users/${randomUUID()}`, remoteAddress: '10.9.9.9' });
    expectProblem(await t.app.inject({ url: `/users/${randomUUID()}`, remoteAddress: '10.9.9.9' }), 429);
  });

  const redis = needs({ redis: true });
  it.skipIf(redis.skip)(redis.title('shares rate-limit counters between processes through Redis'), async () => {
    const redisUrl = testRedisUrl()!;
    const env = { REDIS_URL: redisUrl, RATE_LIMIT_MAX: '4' };
    const one = await build(env);
    const two = await build(env);
    // Both processes need the same user: register in one database and copy the token row to the other
    // is not possible across engines, so use anonymous callers from one address instead.
    const address = `10.${Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 200)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await one.app.inject({ url: '/openapi.json', remoteAddress: address })).statusCode);
    for (let i = 0; i < 2; i++)
      statuses.push((await two.app.inject({ url: '/openapi.json', remoteAddress: address })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });
});
