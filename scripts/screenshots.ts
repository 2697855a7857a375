/**
 * `npm run screenshots`: the README's pictures, taken from a real server.
 *
 * Starts the server (as `npm start` does) on a fresh embedded database in a temporary directory, fills it through the
 * public API as people would (residents who register, upload where they were and report symptoms; a health
 * professional who confirms cases; an authority who imports the line list of cases reported outside the app), then
 * drives Debian's Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH) with playwright-core and saves under
 * docs/screenshots/:
 *
 *   overview-app-home.png                   the residents' app at 390×844: home, location recording on
 *   overview-app-exposure-notification.png  the app: an exposure notification, as it arrived
 *   overview-dashboard-professional.png     a health professional's dashboard: codes, confirming, live risks, cases, sites
 *   overview-dashboard-authority.png        an authority's dashboard: clusters on the map, the alert, case curve and Rt
 *
 * Nothing is made up: the curve, Rt, the cluster and its alert are what the server computed from those requests.
 * Options: --out DIR (default docs/screenshots).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cellToCenterChild, cellToLatLng, gridDisk, latLngToCell } from 'h3-js';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { Xoshiro128 } from '../src/modules/zones/prng.js';
import { MS_PER_DAY } from '../src/platform/time/calendar.js';
import { startLocalServer } from '../src/simulator/local-server.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'en-GB',
  timezoneId: 'UTC',
  permissions: ['geolocation'],
};
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 960 }, locale: 'en-GB', timezoneId: 'UTC' };

/** The neighbourhood of the pictures: central Paris, at the cluster scan's resolution (SCAN_RESOLUTION, 8). */
const AREA = latLngToCell(48.8566, 2.3522, 8);
const dayOffset = (days: number) => new Date(Date.now() + days * MS_PER_DAY).toISOString().slice(0, 10);
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const { values: options } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
const outDir = resolve(options.out ?? join(ROOT, 'docs', 'screenshots'));

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Polls until `what` gives a value other than undefined, or fails after `ms` saying what it waited for. */
async function waitFor<T>(description: string, what: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${description}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the script reads whatever JSON the server answered
type Json = any;

function apiOf(baseUrl: string) {
  return async (method: string, path: string, token?: string, body?: unknown): Promise<Json> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

async function signIn(page: Page, baseUrl: string, account: { username: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/`);
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The whole page in one picture: a window as tall as the page, so nothing is cut and no bar covers content. */
async function save(page: Page, name: string, fullPage: boolean): Promise<void> {
  const viewport = page.viewportSize();
  const file = join(outDir, `${name}.png`);
  if (fullPage && viewport !== null) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: viewport.width, height: Math.max(height, viewport.height) });
    await page.screenshot({ path: file, animations: 'disabled' });
    await page.setViewportSize(viewport);
  } else {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: file, animations: 'disabled' });
  }
  say(`  saved ${file}`);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-screenshots-'));
  say(`Starting Epitrace on a fresh database in ${dataDir} ...`);
  const server = await startLocalServer({
    dataDir,
    env: { SCAN_DEBOUNCE_MS: '300' },
    usernames: { professional: 'nurse.joy', authority: 'epi.analyst' },
  });
  let browser: Browser | undefined;
  try {
    const api = apiOf(server.baseUrl);
    const nurse = server.professional;
    const analyst = server.authority;
    const nurseToken = (await api('POST', '/auth/login', undefined, nurse)).token as string;
    const analystToken = (await api('POST', '/auth/login', undefined, analyst)).token as string;

    // Four weeks of cases reported outside the app (the line list), growing, spread evenly over the neighbourhood.
    say('Importing four weeks of line-list cases ...');
    const generator = new Xoshiro128(2026);
    const next = () => generator.nextFloat();
    const cells = gridDisk(AREA, 3);
    const lineList = Array.from({ length: 28 }, (_, i) => 27 - i).flatMap((daysAgo) =>
      Array.from({ length: Math.round(3 + 0.45 * (27 - daysAgo) + next() * 3) }, () => {
        const [lat, lng] = cellToLatLng(cellToCenterChild(cells[Math.floor(next() * cells.length)]!, 10));
        return {
          external_id: `LL-${randomUUID()}`,
          report_date: dayOffset(-daysAgo),
          onset_date: dayOffset(-daysAgo - Math.floor(next() * 4)),
          lat,
          lng,
        };
      }),
    );
    await api('POST', '/cases/import', analystToken, { cases: lineList });

    // Grace joins from her phone.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, headless: true });
    const phoneContext = await browser.newContext(PHONE);
    const phone = await phoneContext.newPage();
    await phone.goto(`${server.baseUrl}/app`);
    await phone.getByRole('heading', { name: 'Join Epitrace' }).waitFor();
    await phone.getByLabel('Name (optional)').fill('Grace');
    await phone.getByLabel('I have read the above and agree to it.').check();
    await phone.getByRole('button', { name: 'Register' }).click();
    await phone.getByRole('heading', { name: 'Location recording' }).waitFor();
    const grace = await phone.evaluate(
      () => JSON.parse(localStorage.getItem('epitrace.session') ?? 'null') as { userId: string; token: string },
    );

    // A dozen residents of one block spend the afternoon each at their own spot with someone who does not fall ill
    // (Grace is with the first one for over an hour); then the twelve fall ill one after another: a cluster.
    say('Residents upload their afternoon and report symptoms ...');
    const [lat, lng] = cellToLatLng(AREA);
    const stay = (where: { lat: number; lng: number }, from: number, to: number) => ({
      interactions: [
        {
          id: randomUUID(),
          kind: 'location',
          ...where,
          accuracy_m: 8,
          started_at: minutesAgo(from),
          ended_at: minutesAgo(to),
        },
      ],
    });
    const residents: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < 12; i++) {
      const spot = { lat: lat + (i - 6) * 0.0003, lng: lng + (i % 3) * 0.0003 };
      const resident = await api('POST', '/users', undefined, {});
      residents.push(resident);
      await api('POST', '/interactions', resident.token, stay(spot, 240 + i, 60));
      const companion = i === 0 ? grace : await api('POST', '/users', undefined, {});
      await api('POST', '/interactions', companion.token, stay(spot, 180 - 5 * i, 90));
    }
    for (const resident of residents)
      await api('POST', '/symptoms', resident.token, { symptom: 'fever', date: dayOffset(0) });

    // The nurse confirms the first four (a test came back positive); the others wait in the review list.
    for (const resident of residents.slice(0, 4))
      await api('POST', '/cases', nurseToken, {
        user_id: resident.id,
        report_type: 'confirmed_test',
        test_date: dayOffset(0),
        onset_date: dayOffset(-1),
      });

    // Grace's app: the notification arrives live; then home, with recording on.
    say('The resident app ...');
    await waitFor('Grace to be notified', async () => {
      const page = await api('GET', '/notifications', grace.token);
      return page.notifications.length > 0 ? true : undefined;
    });
    await phone
      .locator('#nav')
      .getByRole('link', { name: /Alerts/ })
      .click();
    await phone.locator('.notification').first().waitFor({ timeout: 30_000 });
    await save(phone, 'overview-app-exposure-notification', true);
    await phone.locator('#nav').getByRole('link', { name: 'Home', exact: true }).click();
    await phoneContext.setGeolocation({ latitude: 48.8606, longitude: 2.3376, accuracy: 8 });
    await phone.getByRole('button', { name: 'Start recording' }).click();
    await waitFor('recording to start', async () =>
      ((await phone.locator('#recorder-status').textContent()) ?? '').includes('Recording.') ? true : undefined,
    );
    await save(phone, 'overview-app-home', false);

    // The nurse's overview, its live feed filling as she confirms one more case from another tab.
    say("The professional's dashboard ...");
    const desk = await browser.newContext(DESKTOP);
    const overview = await desk.newPage();
    await signIn(overview, server.baseUrl, nurse);
    await overview.getByRole('heading', { name: 'Confirm a case' }).waitFor();
    await waitFor('the live feed', async () =>
      (await overview.locator('#risk-feed-state').textContent()) === 'Live' ? true : undefined,
    );
    await api('POST', '/cases', nurseToken, {
      user_id: residents[4]!.id,
      report_type: 'confirmed_test',
      test_date: dayOffset(0),
    });
    await waitFor('risks in the live feed', async () =>
      (await overview.locator('#risk-feed li').count()) > 0 ? true : undefined,
    );
    await waitFor('the exposure sites', async () =>
      (await overview.locator('#sites-map polygon').count()) > 0 ? true : undefined,
    );
    // Down to the cases and the exposure sites; the rest of the page (self-reports, venues) is lists.
    await overview.setViewportSize({ width: 1280, height: 1160 });
    await save(overview, 'overview-dashboard-professional', false);

    // The authority: the scan has found the cluster and raised its alert.
    say("The authority's dashboard ...");
    await waitFor('the cluster alert', async () => {
      const alerts = await api('GET', '/alerts', analystToken);
      return alerts.alerts.length > 0 ? true : undefined;
    });
    const analystPage = await desk.newPage();
    await signIn(analystPage, server.baseUrl, analyst);
    await analystPage.getByRole('heading', { name: 'Infection zones' }).waitFor();
    await waitFor('the alert in the feed', async () =>
      (await analystPage.locator('#alert-feed li').count()) > 0 ? true : undefined,
    );
    await waitFor('the cluster on the map', async () =>
      (await analystPage.locator('#zones-map polygon.cluster:not(.not-significant)').count()) > 0 ? true : undefined,
    );
    await waitFor('the case curve', async () =>
      (await analystPage.locator('#case-curve rect').count()) > 0 ? true : undefined,
    );
    await waitFor('Rt', async () =>
      /Rt \d/.test((await analystPage.locator('#rt-latest').textContent()) ?? '') ? true : undefined,
    );
    await save(analystPage, 'overview-dashboard-authority', true);
    say('Done.');
  } finally {
    await browser?.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
