import { randomUUID } from 'node:crypto';
import { cellToCenterChild, cellToLatLng, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import {
  api,
  chromiumAvailable,
  collectPageErrors,
  DESKTOP,
  expectAccessible,
  markDocument,
  screenshot,
  eventually,
  useBrowserSuite,
} from './support.js';

const AREA = latLngToCell(48.8566, 2.3522, 8); // the scan's resolution (SCAN_RESOLUTION)
const dayOffset = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/**
 * Acceptance (issue #6): an authority watching the dashboard sees a cluster appear on the map of infection zones and
 * in the alert feed, without a reload, when cases arrive in one area (as in test/e2e/cluster-alert.test.ts: an even
 * background of imported cases over the neighbourhood for two weeks, then ten residents of one cell report symptoms).
 */
describe.skipIf(!chromiumAvailable())('the dashboard for authorities', () => {
  const suite = useBrowserSuite({ SCAN_DEBOUNCE_MS: '300' });

  // Runs first, on the fresh install (no case yet).
  it('on a fresh install, the Rt panel says in words how many days of cases Rt needs, never a raw error', async () => {
    const authority = suite.web.createStaff('authority');
    const context = await suite.browser.newContext(DESKTOP);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${suite.web.baseUrl}/dashboard/`);
    await page.getByLabel('Username').fill(authority.username);
    await page.getByLabel('Password').fill(authority.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Reproduction number Rt' }).waitFor();
    // The default 7-day window with the default serial interval (mean 4.7 days) needs 8 days: windows start on day 2.
    await eventually(() => page.locator('#rt-latest').textContent()).toBe(
      'Rt needs at least 8 days of cases; there is no case yet.',
    );
    expect(await page.locator('#rt-chart').textContent()).toContain('Rt needs at least 8 days of cases');
    // By report date too (the case curve's choice of dates), and after asking again.
    await page.getByLabel('Count cases by').selectOption('report');
    await eventually(() => page.locator('#case-curve-legend').textContent()).toContain('report date');
    await page.getByRole('button', { name: 'Update Rt' }).click();
    await eventually(() => page.locator('#rt-latest').textContent()).toBe(
      'Rt needs at least 8 days of cases; there is no case yet.',
    );
    const panel = (await page.locator('section[aria-labelledby="rt-heading"]').textContent()) ?? '';
    expect(panel).not.toMatch(/too long|incidence series|window of|error|problem/i);
    await expectAccessible(page, 'authority dashboard on a fresh install');
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows the case curve and Rt, then a new cluster on the map and in the alert feed as it is detected', async () => {
    const authority = suite.web.createStaff('authority');
    const login = await api<{ token: string }>(suite.web.baseUrl, 'POST', '/auth/login', undefined, authority);
    // The imported line list: one case a day in each of the 19 cells around AREA for two weeks.
    const background = gridDisk(AREA, 2).flatMap((cell) => {
      const [lat, lng] = cellToLatLng(cellToCenterChild(cell, 10));
      return Array.from({ length: 14 }, (_, d) => ({
        external_id: `LL-${randomUUID()}`,
        report_date: dayOffset(-d),
        lat,
        lng,
      }));
    });
    const imported = await api(suite.web.baseUrl, 'POST', '/cases/import', login.body.token, { cases: background });
    expect(imported.status).toBeLessThan(300);
    // The scan has run over the background (the analytics and zones answer with it), and found no significant cluster.
    await eventually(
      async () =>
        (await api<{ scan: { total_cases: number } | null }>(suite.web.baseUrl, 'GET', '/zones', login.body.token)).body
          .scan?.total_cases,
      { timeout: 60_000 },
    ).toBe(266);
    expect(
      (await api<{ alerts: unknown[] }>(suite.web.baseUrl, 'GET', '/alerts', login.body.token)).body.alerts,
    ).toEqual([]);

    const context = await suite.browser.newContext(DESKTOP);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${suite.web.baseUrl}/dashboard/`);
    await page.getByLabel('Username').fill(authority.username);
    await page.getByLabel('Password').fill(authority.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Infection zones' }).waitFor();
    await eventually(() => page.locator('#alert-feed-state').textContent()).toBe('Live');
    await eventually(() => page.locator('#case-curve rect').count()).toBe(28); // the last 28 days, one bar each
    // The line list has report dates only: the curve and Rt by report date.
    await page.getByLabel('Count cases by').selectOption('report');
    await eventually(() => page.locator('#case-curve-legend').textContent()).toContain('7-day average');
    await eventually(() => page.locator('#rt-latest').textContent()).toMatch(
      /Latest window: Rt \d+\.\d\d \(95% credible interval \d+\.\d\d to \d+\.\d\d\)/,
    );
    await eventually(() => page.locator('#scan-info').textContent()).toContain('266 cases');
    expect(await page.locator('#zones-map polygon.cluster:not(.not-significant)').count()).toBe(0);
    expect(await page.locator('#alert-feed li').count()).toBe(0);
    await expectAccessible(page, 'authority dashboard');
    const sameDocument = await markDocument(page);

    // Ten residents who were in the same area report symptoms today.
    const [lat, lng] = cellToLatLng(AREA);
    for (let i = 0; i < 10; i++) {
      const resident = (await api<{ token: string }>(suite.web.baseUrl, 'POST', '/users', undefined, {})).body;
      const where = { lat: lat + (i - 5) * 0.0002, lng: lng + (i % 3) * 0.0002 };
      const upload = await api(suite.web.baseUrl, 'POST', '/interactions', resident.token, {
        interactions: [
          {
            id: randomUUID(),
            kind: 'location',
            ...where,
            accuracy_m: 10,
            started_at: minutesAgo(180 + i),
            ended_at: minutesAgo(60),
          },
        ],
      });
      expect(upload.status).toBe(200);
      expect(
        (await api(suite.web.baseUrl, 'POST', '/symptoms', resident.token, { symptom: 'fever', date: dayOffset(0) }))
          .status,
      ).toBe(201);
    }

    // The alert arrives in the feed and the cluster appears on the map, on the same page.
    const alert = page.locator('#alert-feed li').first();
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.getAttribute('data-alert-seq')).toBe('1');
    await eventually(
      () => page.locator(`#zones-map polygon.cluster:not(.not-significant)[data-cell="${AREA}"]`).count(),
      { timeout: 30_000 },
    ).toBe(1);
    await eventually(() =>
      page.locator(`#clusters-body tr[data-cluster-centre="${AREA}"]`).getAttribute('data-significant'),
    ).toBe('true');
    expect(await sameDocument()).toBe(true);
    await eventually(() => page.locator('#case-totals').textContent()).toContain('276 cases');
    await expectAccessible(page, 'authority dashboard with an alert');
    await screenshot(page, 'dashboard-authority', { fullPage: true });
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await context.close();
  }, 180_000);
});
