import { describe, expect, it } from 'vitest';
import { api, chromiumAvailable, DESKTOP, expectAccessible, screenshot, useBrowserSuite } from './support.js';

/** Venue registration by staff: an administrator registers a venue for its owner and gets the poster to print. */
describe.skipIf(!chromiumAvailable())('venue registration in the dashboard', () => {
  const suite = useBrowserSuite();

  it('an administrator registers a venue and gets its printable QR code', async () => {
    const admin = suite.web.createStaff('admin');
    const context = await suite.browser.newContext(DESKTOP);
    const page = await context.newPage();
    await page.goto(`${suite.web.baseUrl}/dashboard/`);
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Venue name').fill('Town library');
    await page.getByLabel('Address (optional)').fill('1 Market Square');
    await page.getByRole('button', { name: 'Register venue' }).click();
    const poster = page.locator('.poster');
    await poster.waitFor();
    const code = (await poster.getAttribute('data-venue-code'))!;
    expect(await poster.locator('svg.qr').getAttribute('aria-label')).toBe(
      `QR code of venue code ${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`,
    );
    const resident = (await api<{ token: string }>(suite.web.baseUrl, 'POST', '/users', undefined, {})).body;
    expect(
      (await api<{ name: string; address: string }>(suite.web.baseUrl, 'GET', `/venues/${code}`, resident.token)).body,
    ).toMatchObject({ name: 'Town library', address: '1 Market Square' });
    await expectAccessible(page, 'administration');
    await screenshot(page, 'dashboard-venue-registration', { fullPage: true });
    await context.close();
  }, 90_000);
});
