import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { PROJECT_ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';

/** Debian's Chromium (`.ci/run` installs it when missing); never a browser downloaded by Playwright. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Whether the browser tests can run. In CI a missing Chromium is an error (the tests fail, they are not skipped);
 * on a laptop without it they are skipped.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true')
    throw new Error(`CI=true but Chromium is not installed at ${CHROMIUM}: the browser tests cannot run`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, headless: true });
}

/** A phone: the 390×844 viewport of a current mid-size phone, touch, and location permission for the app. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'en-GB',
  timezoneId: 'UTC',
};
export const DESKTOP: BrowserContextOptions = {
  viewport: { width: 1280, height: 960 },
  locale: 'en-GB',
  timezoneId: 'UTC',
};

export interface WebServer {
  readonly server: ServerProcess;
  readonly baseUrl: string;
  /** Creates a staff account with the epitrace CLI, as an operator would. */
  createStaff(role: 'health_professional' | 'authority' | 'admin' | 'lab'): { username: string; password: string };
  close(): Promise<void>;
}

/** A real server process (as `npm start` runs it) on a fresh embedded database. */
export async function startWebServer(env: Record<string, string> = {}): Promise<WebServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-browser-'));
  const settings = { DATA_DIR: dataDir, RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000', ...env };
  const server = await startServer(settings);
  let staffCount = 0;
  return {
    server,
    baseUrl: server.baseUrl,
    createStaff(role) {
      const username = `${role.replaceAll('_', '.')}.${++staffCount}`;
      const password = `a long passphrase for ${username}`;
      const result = spawnSync(
        process.execPath,
        ['bin/epitrace.js', 'admin', 'create-staff', '--role', role, '--username', username, '--password', password],
        {
          cwd: PROJECT_ROOT,
          env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn', ...settings },
          encoding: 'utf8',
        },
      );
      if (result.status !== 0) throw new Error(`create-staff failed: ${result.stderr}`);
      return { username, password };
    },
    async close() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown }>;
}

/**
 * Runs axe-core in the page (evaluated, so the page's Content-Security-Policy, which allows only its own scripts,
 * stays on) and fails on any serious or critical violation, listing them.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${what}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
}

/**
 * Saves a screenshot under test-results/screenshots; with UPDATE_SCREENSHOTS=1, under docs/screenshots instead (the
 * README's pictures), so a test run leaves the committed ones alone unless asked.
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const dir =
    process.env.UPDATE_SCREENSHOTS === '1'
      ? join(PROJECT_ROOT, 'docs', 'screenshots')
      : join(PROJECT_ROOT, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const viewport = page.viewportSize();
  if (!options.fullPage || viewport === null) {
    await page.screenshot({ path: join(dir, `${name}.png`), animations: 'disabled' });
    return;
  }
  // The whole page: a window as tall as the page (so the bottom tab bar is drawn at the bottom, not over content).
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.max(height, viewport.height) });
  await page.screenshot({ path: join(dir, `${name}.png`), animations: 'disabled' });
  await page.setViewportSize(viewport);
}

/** Everything the page printed to its console or threw, to show when a test fails. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/** The page is the same document as before (no reload or navigation happened): a marker set earlier is still there. */
export async function markDocument(page: Page): Promise<() => Promise<boolean>> {
  const marker = `m${Math.random().toString(36).slice(2)}`;
  await page.evaluate((m) => ((window as unknown as Record<string, unknown>).__epitraceMarker = m), marker);
  return async () =>
    (await page.evaluate(() => (window as unknown as Record<string, unknown>).__epitraceMarker)) === marker;
}

/** A JSON call to the API from the test (not from the browser). */
export async function api<T>(
  baseUrl: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * expect.poll with room for a loaded machine: the state a test waits for (an upload, a trace, a scan, a streamed
 * event) takes a moment, more on a busy CI machine than expect.poll's one-second default allows.
 */
export function eventually<T>(value: () => T | Promise<T>, options: { timeout?: number } = {}) {
  return expect.poll(value, { timeout: options.timeout ?? 20_000, interval: 100 });
}

/** Registers a resident in the app (name given, consent checked); returns the session the app keeps. */
export async function registerInApp(
  page: Page,
  baseUrl: string,
  name: string,
): Promise<{ userId: string; token: string }> {
  await page.goto(`${baseUrl}/app`);
  await page.getByRole('heading', { name: 'Join Epitrace' }).waitFor();
  await page.getByLabel('Name (optional)').fill(name);
  await page.getByLabel('I have read the above and agree to it.').check();
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('heading', { name: 'Location recording' }).waitFor();
  return page.evaluate(
    () => JSON.parse(localStorage.getItem('epitrace.session')!) as { userId: string; token: string },
  );
}

/**
 * Opens a screen of the app from its tab bar, as a person would: a tab, or a link under "More" (My data, Register a
 * venue), opening that menu first.
 */
export async function appTab(page: Page, name: string | RegExp): Promise<void> {
  const nav = page.locator('#nav');
  const link = nav.getByRole('link', { name, exact: typeof name === 'string' });
  if (!(await link.isVisible())) await nav.getByRole('button', { name: 'More' }).click();
  await link.click();
}

/**
 * Usable on a phone: nothing wider than the screen (no sideways scrolling), and every button and link at least 24 px
 * tall.
 */
export async function expectFitsPhone(page: Page, what: string): Promise<void> {
  // The viewport's width, not innerWidth: a phone browser widens its layout viewport to fit content that overflows.
  const viewport = page.viewportSize();
  const { scrollWidth, innerWidth, small } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    small: [...document.querySelectorAll('button, a, input, select')]
      .filter((e) => (e as HTMLElement).offsetParent !== null)
      .filter((e) => e.getBoundingClientRect().height < 24)
      .map((e) => e.outerHTML.slice(0, 80)),
  }));
  const width = viewport?.width ?? innerWidth;
  expect(scrollWidth, `${what} scrolls sideways`).toBeLessThanOrEqual(width);
  expect(innerWidth, `${what} is wider than the screen`).toBeLessThanOrEqual(width);
  expect(small, `${what}: controls too small to tap`).toEqual([]);
}

/** What a browser test suite shares: the web server under test and one Chromium. */
export interface BrowserSuite {
  readonly web: WebServer;
  readonly browser: Browser;
}

/**
 * Starts the web server (with `env` on top of the test settings) and Chromium before the enclosing describe block's
 * tests, and closes both after them. Read `web` and `browser` inside tests and hooks, once they have started.
 */
export function useBrowserSuite(env: Record<string, string> = {}): BrowserSuite {
  let web: WebServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    web = await startWebServer(env);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet: use it inside a test or hook`);
    return value;
  };
  return {
    get web() {
      return started(web, 'the web server');
    },
    get browser() {
      return started(browser, 'Chromium');
    },
  };
}
