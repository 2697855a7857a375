import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

/** GET / answers a small HTML page saying what Epitrace is and linking to everything else, not a 404. */
describe('the landing page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp('sqlite');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is HTML with the CSP of the rest of the web UI, and links to the app, the dashboard, the docs and health', async () => {
    const page = await t.app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const app = await t.app.inject('/app/');
    expect(page.headers['content-security-policy']).toBeDefined();
    expect(page.headers['content-security-policy']).toBe(app.headers['content-security-policy']);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page.body).toMatch(/<title>[^<]*Epitrace[^<]*<\/title>/);
    expect(page.body).toMatch(/<h1>[^<]+<\/h1>/);
    const links = [...page.body.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    for (const link of ['/app/', '/dashboard/', '/docs', '/openapi.json', '/healthz']) expect(links).toContain(link);
    // Every page it links to is there.
    for (const link of links.filter((l) => l !== '#main')) {
      const answer = await t.app.inject(link!);
      expect(answer.statusCode, link).toBeLessThan(400);
    }
  });

  it('is not part of the API document', async () => {
    const document = (await t.app.inject('/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).not.toContain('/');
  });
});
