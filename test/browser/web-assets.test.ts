import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

/** How the server serves the app and the dashboard: pages, compiled scripts, manifest, assets (no browser needed). */
describe('web assets', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp('sqlite');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('redirects /app and /dashboard to their pages', async () => {
    for (const path of ['/app', '/dashboard']) {
      const response = await t.app.inject({ method: 'GET', url: path });
      expect(response.statusCode).toBe(301);
      expect(response.headers.location).toBe(`${path}/`);
    }
  });

  it('serves the pages with a policy allowing only their own scripts, and no inline script', async () => {
    for (const [path, script] of [
      ['/app/', '/app/app.js'],
      ['/dashboard/', '/dashboard/dashboard.js'],
    ] as const) {
      const response = await t.app.inject({ method: 'GET', url: path });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(String(response.headers['content-security-policy'])).toContain("script-src 'self'");
      expect(response.body).toContain(`<script type="module" src="${script}"></script>`);
      expect(response.body.match(/<script\b[^>]*>[^<]+<\/script>/g)).toBeNull();
      expect(response.body).toMatch(/<html lang="en">/);
    }
  });

  it('compiles the scripts from web/ into self-contained modules, with an ETag the browser can revalidate', async () => {
    for (const path of ['/app/app.js', '/app/sw.js', '/dashboard/dashboard.js']) {
      const response = await t.app.inject({ method: 'GET', url: path });
      expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
      expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(response.body.length).toBeGreaterThan(500);
      // Bundled: no import of a bare module name is left for the browser to resolve (an import or export statement;
      // not the word "from" in a bundled library's message, such as qrcode's "a path from ").
      expect(response.body).not.toMatch(/\b(?:import|export)\b[^;'"`]*?\bfrom\s*["'](?![./])[^"']+["']/);
      const etag = String(response.headers.etag);
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
      const again = await t.app.inject({ method: 'GET', url: path, headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it('serves an installable manifest whose icons exist', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/app/manifest.webmanifest' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/manifest+json; charset=utf-8');
    const manifest = response.json<{
      start_url: string;
      scope: string;
      display: string;
      icons: Array<{ src: string; sizes: string; type: string }>;
    }>();
    expect(manifest).toMatchObject({ start_url: '/app/', scope: '/app/', display: 'standalone' });
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons) {
      const asset = await t.app.inject({ method: 'GET', url: icon.src });
      expect(asset.statusCode, icon.src).toBe(200);
      expect(String(asset.headers['content-type'])).toContain(icon.type);
    }
  });

  it('answers an unknown asset with 404 and keeps the pages out of the API description', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/assets/nothing-here.css' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/assets/../package.json' })).statusCode).toBe(404);
    const paths = Object.keys(t.app.swagger().paths ?? {});
    expect(paths.filter((p) => p.startsWith('/app') || p.startsWith('/dashboard') || p.startsWith('/assets'))).toEqual(
      [],
    );
  });
});
