import { describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  collectPageErrors,
  DESKTOP,
  expectAccessible,
  expectFitsPhone,
  PHONE,
  useBrowserSuite,
} from './support.js';

/** The page at / as people see it: readable and accessible on a small phone, a mid-size phone and a desktop. */
describe.skipIf(!chromiumAvailable())('the landing page in a browser', () => {
  const suite = useBrowserSuite();

  for (const [what, options] of [
    ['a 360-pixel phone', { ...PHONE, viewport: { width: 360, height: 740 } }],
    ['a 390-pixel phone', PHONE],
    ['a desktop', DESKTOP],
  ] as const) {
    it(`on ${what}: accessible, no sideways scrolling, and its links lead to the app and the dashboard`, async () => {
      const context = await suite.browser.newContext(options);
      try {
        const page = await context.newPage();
        const errors = collectPageErrors(page);
        await page.goto(`${suite.web.baseUrl}/`);
        await page.getByRole('heading', { level: 1, name: 'Contact tracing for public health' }).waitFor();
        expect(await page.title()).toContain('Epitrace');
        await expectAccessible(page, `landing page on ${what}`);
        if (options !== DESKTOP) await expectFitsPhone(page, `landing page on ${what}`);
        await page.getByRole('link', { name: 'The dashboard for staff' }).click();
        await page.waitForURL(`${suite.web.baseUrl}/dashboard/`);
        await page.goBack();
        await page.getByRole('link', { name: 'The app for residents' }).click();
        await page.waitForURL(`${suite.web.baseUrl}/app/`);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});
