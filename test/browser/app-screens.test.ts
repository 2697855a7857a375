import type { BrowserContextOptions, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  appTab,
  chromiumAvailable,
  collectPageErrors,
  DESKTOP,
  eventually,
  expectAccessible,
  expectFitsPhone,
  PHONE,
  registerInApp,
  screenshot,
  useBrowserSuite,
} from './support.js';

const SIZES: Array<[string, BrowserContextOptions]> = [
  ['a 360×780 phone', { ...PHONE, viewport: { width: 360, height: 780 } }],
  ['a 390×844 phone', PHONE],
  ['a 1280×960 desktop', DESKTOP],
];

/**
 * Issue #21: no screen of the residents' app scrolls sideways on a 360- or 390-pixel phone (nor on a desktop), every
 * one passes axe-core, each tab's label fits on one line, and the screens few residents need (their data, registering
 * a venue) are under "More", reachable by keyboard. A venue owner registering the same venue twice is warned and can
 * open the QR code of the one they have.
 */
describe.skipIf(!chromiumAvailable())("every screen of the residents' app", () => {
  const suite = useBrowserSuite();

  /** Fits the screen (no sideways scrolling, controls large enough to tap) and passes axe-core. */
  async function check(page: Page, what: string): Promise<void> {
    await expectFitsPhone(page, what);
    await expectAccessible(page, what);
  }

  /** How many lines each tab's label takes: the distinct tops of its text's boxes. */
  const tabLines = (page: Page) =>
    page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('#nav > a, #more-button')].map((tab) => {
        const range = document.createRange();
        range.selectNodeContents(tab);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        return [tab.textContent!.trim(), tops.size] as const;
      }),
    );

  it.each(SIZES)(
    'on %s',
    async (size, options) => {
      const context = await suite.browser.newContext(options);
      const page = await context.newPage();
      const errors = collectPageErrors(page);

      // Registration: the consent screen.
      await page.goto(`${suite.web.baseUrl}/app`);
      await page.getByRole('heading', { name: 'What you agree to' }).waitFor();
      await check(page, `${size}: registration`);
      await registerInApp(page, suite.web.baseUrl, 'Vera Owner');
      await check(page, `${size}: home`);

      // The tab bar: five tabs, each label on one line; the venue owners' screen is not one of them.
      expect(await tabLines(page)).toEqual([
        ['Home', 1],
        ['Check in', 1],
        ['Symptoms', 1],
        ['Alerts', 1],
        ['More', 1],
      ]);
      const nav = page.locator('#nav');
      expect(await nav.getByRole('link', { name: /venue/i }).count()).toBe(0);
      expect(await nav.getByRole('link', { name: 'My data' }).count()).toBe(0);

      await appTab(page, 'Check in');
      await page.getByRole('heading', { name: 'Check in at a venue' }).waitFor();
      await check(page, `${size}: check in`);

      await appTab(page, 'Symptoms');
      await page.getByRole('heading', { name: 'Report symptoms' }).waitFor();
      await check(page, `${size}: symptoms`);

      // The test-code screen, as a verification code's link opens it.
      await page.goto(`${suite.web.baseUrl}/app/#redeem/7KQ2-M9XD-V`);
      await eventually(() => page.getByRole('textbox', { name: 'Code from your test' }).inputValue()).toBe(
        '7KQ2-M9XD-V',
      );
      await check(page, `${size}: test code`);

      await appTab(page, /Alerts/);
      await page.getByRole('heading', { name: 'Exposure notifications' }).waitFor();
      await check(page, `${size}: alerts`);

      // "More", by keyboard: Enter opens it, Tab reaches its links, Escape closes it and gives the focus back.
      const more = nav.getByRole('button', { name: 'More' });
      expect(await more.getAttribute('aria-expanded')).toBe('false');
      await more.focus();
      await page.keyboard.press('Enter');
      expect(await more.getAttribute('aria-expanded')).toBe('true');
      const menu = page.locator(`#${await more.getAttribute('aria-controls')}`);
      expect(await menu.getByRole('link').allTextContents()).toEqual(['My data', 'Register a venue for venue owners']);
      await check(page, `${size}: the More menu open`);
      await screenshot(page, `app-more-menu-${options.viewport!.width}`);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('My data');
      await page.keyboard.press('Escape');
      expect(await more.getAttribute('aria-expanded')).toBe('false');
      expect(await menu.isHidden()).toBe(true);
      expect(await more.evaluate((e) => e === document.activeElement)).toBe(true);
      // Opened again, a link is followed with the keyboard: the menu closes, the screen opens and is marked current.
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'My data', exact: true }).waitFor();
      expect(await menu.isHidden()).toBe(true);
      expect(await more.getAttribute('class')).toContain('current');
      await eventually(() => page.locator('#my-account').textContent()).toContain('Registered');
      await check(page, `${size}: my data`);
      // A tap outside the open menu closes it.
      await more.click();
      expect(await menu.isVisible()).toBe(true);
      await page.locator('#data-heading').click();
      expect(await menu.isHidden()).toBe(true);

      // Registering a venue, from the menu.
      await appTab(page, /Register a venue/);
      await page.getByRole('heading', { name: 'Register a venue' }).waitFor();
      await check(page, `${size}: venue`);
      await page.getByLabel('Venue name').fill('Café Lumière');
      await page.getByLabel('Address (optional)').fill('12 rue des Lilas');
      await page.getByRole('button', { name: 'Register venue' }).click();
      const poster = page.locator('.poster');
      await poster.waitFor();
      const code = (await poster.getAttribute('data-venue-code'))!;
      await check(page, `${size}: venue poster`);

      // The same venue again, in other case and spacing: a warning, and the QR code of the one registered.
      await page.getByLabel('Venue name').fill('  café  LUMIÈRE ');
      await page.getByLabel('Address (optional)').fill('12 Rue des lilas');
      await page.getByRole('button', { name: 'Register venue' }).click();
      const warning = page.locator('#venue-duplicate');
      await warning.waitFor();
      expect(await poster.count()).toBe(0);
      const grouped = `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
      expect(await warning.textContent()).toContain('You already registered this venue.');
      expect(await warning.textContent()).toContain(`"Café Lumière", 12 rue des Lilas has the code ${grouped}`);
      await check(page, `${size}: duplicate venue warning`);
      await screenshot(page, `app-duplicate-venue-${options.viewport!.width}`, { fullPage: true });
      await warning.getByRole('button', { name: 'Show its QR code' }).click();
      await poster.waitFor();
      expect(await poster.getAttribute('data-venue-code')).toBe(code);
      expect(await poster.getByRole('img', { name: `QR code of venue code ${grouped}` }).count()).toBe(1);
      expect(await poster.evaluate((e) => e === document.activeElement)).toBe(true);
      await check(page, `${size}: the existing venue's poster`);

      // Asked again, the owner really wants a second one: a new code.
      await page.getByLabel('Venue name').fill('Café Lumière');
      await page.getByLabel('Address (optional)').fill('12 rue des Lilas');
      await page.getByRole('button', { name: 'Register venue' }).click();
      await warning.getByRole('button', { name: 'Register a second one' }).click();
      await eventually(() => poster.getAttribute('data-venue-code')).toMatch(/^[0-9A-Z]{10}$/);
      expect(await poster.getAttribute('data-venue-code')).not.toBe(code);

      expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
      await context.close();
    },
    120_000,
  );
});
