import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  appTab,
  chromiumAvailable,
  collectPageErrors,
  expectAccessible,
  markDocument,
  PHONE,
  registerInApp,
  screenshot,
  eventually,
  expectFitsPhone,
  useBrowserSuite,
} from './support.js';

/**
 * Acceptance (issue #6): a resident registers in the app, records locations (geolocation overridden), checks in at a
 * venue by scanning its QR code, and sees an exposure notification appear without reloading after another resident,
 * who was at the same venue, reports symptoms. Then they acknowledge it, look at their data and erase it.
 */
describe.skipIf(!chromiumAvailable())("the residents' app at a 390×844 phone viewport", () => {
  const suite = useBrowserSuite();
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  afterAll(async () => {
    for (const context of contexts) await context.close();
  });

  async function phone(name: string): Promise<Page> {
    const context = await suite.browser.newContext({ ...PHONE, permissions: ['geolocation'] });
    contexts.push(context);
    const page = await context.newPage();
    errors.push(...collectPageErrors(page).map((e) => `${name}: ${e}`));
    return page;
  }

  const tab = appTab;
  const register = (page: Page, name: string) => registerInApp(page, suite.web.baseUrl, name);

  async function checkIn(page: Page, venueName: string, arrivedMinutesAgo: number, minutes: number): Promise<void> {
    await page.getByRole('heading', { name: `Check in at ${venueName}` }).waitFor();
    await page.getByLabel('When did you arrive?').selectOption(String(arrivedMinutesAgo));
    await page.getByLabel('How long do you stay?').selectOption(String(minutes));
    await page.getByRole('button', { name: 'Check in', exact: true }).click();
    await eventually(() => page.locator('#checkin-message').textContent()).toContain(
      `Recorded your visit to ${venueName}`,
    );
  }

  it('registers, records, checks in by QR code, gets a live exposure notification, acknowledges it, sees and erases their data', async () => {
    // A venue owner registers their café from the app and prints its poster.
    const owner = await phone('owner');
    await register(owner, 'Café owner');
    await tab(owner, /Register a venue/);
    await owner.getByLabel('Venue name').fill('Café Lumière');
    await owner.getByLabel('Address (optional)').fill('12 rue des Lilas');
    await owner.getByRole('button', { name: 'Register venue' }).click();
    const poster = owner.locator('.poster');
    await poster.waitFor();
    const venueCode = (await poster.getAttribute('data-venue-code'))!;
    expect(venueCode).toMatch(/^[0-9A-Z]{10}$/);
    await expectAccessible(owner, 'venue registration');
    await expectFitsPhone(owner, 'venue registration');
    await screenshot(owner, 'app-venue-poster', { fullPage: true });
    // A photo of the printed poster: the page as printed shows the poster alone.
    await owner.emulateMedia({ media: 'print' });
    const qrPhoto = await poster.screenshot();
    await owner.emulateMedia({ media: 'screen' });

    // Resident A joins: the consent screen passes the accessibility check.
    const resident = await phone('resident');
    await resident.goto(`${suite.web.baseUrl}/app`);
    await resident.getByRole('heading', { name: 'What you agree to' }).waitFor();
    await expectAccessible(resident, 'registration');
    await expectFitsPhone(resident, 'registration');
    await screenshot(resident, 'app-registration', { fullPage: true });
    const a = await register(resident, 'Ada');
    // Usable on the phone: nothing is wider than the screen, the tab bar is on it.
    expect(await resident.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const tabs = await resident.locator('#nav').boundingBox();
    expect(tabs!.y + tabs!.height).toBeLessThanOrEqual(844);

    // Location recording: three places, a few hundred metres apart, then stop.
    const places = [
      { latitude: 48.8606, longitude: 2.3376 },
      { latitude: 48.8584, longitude: 2.2945 },
      { latitude: 48.853, longitude: 2.3499 },
    ];
    await resident.context().setGeolocation({ ...places[0]!, accuracy: 8 });
    await resident.getByRole('button', { name: 'Start recording' }).click();
    await eventually(() => resident.locator('#recorder-status').textContent()).toContain('Recording.');
    await expectAccessible(resident, 'home');
    await expectFitsPhone(resident, 'home');
    await screenshot(resident, 'app-home-recording');
    for (const place of places.slice(1)) {
      await resident.context().setGeolocation({ ...place, accuracy: 8 });
      await eventually(
        async () =>
          (
            await api<{ interactions: unknown[] }>(
              suite.web.baseUrl,
              'GET',
              `/interactions?user_id=${a.userId}`,
              a.token,
            )
          ).body.interactions.length,
      ).toBe(places.indexOf(place));
    }
    await resident.getByRole('button', { name: 'Stop recording' }).click();
    // Stopping closes the last stay, which then goes through the queue to the server.
    await eventually(
      async () =>
        (await api<{ interactions: unknown[] }>(suite.web.baseUrl, 'GET', `/interactions?user_id=${a.userId}`, a.token))
          .body.interactions.length,
    ).toBe(places.length);
    await eventually(() => resident.locator('#upload-status').getAttribute('data-pending')).toBe('0');
    const stored = (
      await api<{ interactions: Array<{ kind: string; lat: number; lng: number }> }>(
        suite.web.baseUrl,
        'GET',
        `/interactions?user_id=${a.userId}`,
        a.token,
      )
    ).body.interactions;
    expect(
      stored
        .filter((i) => i.kind === 'location')
        .map((i) => [i.lat, i.lng])
        .sort(),
    ).toEqual(places.map((p) => [p.latitude, p.longitude]).sort());

    // Check-in by scanning the poster's QR code (a photo of it: the phone's camera app hands the picture over).
    await tab(resident, 'Check in');
    await resident
      .getByLabel('Scan from a photo')
      .setInputFiles({ name: 'poster.png', mimeType: 'image/png', buffer: qrPhoto });
    await checkIn(resident, 'Café Lumière', 60, 60);
    await expectAccessible(resident, 'check-in');
    await expectFitsPhone(resident, 'check-in');
    await eventually(async () =>
      (
        await api<{ interactions: Array<{ kind: string; venue_id: string }> }>(
          suite.web.baseUrl,
          'GET',
          `/interactions?user_id=${a.userId}`,
          a.token,
        )
      ).body.interactions
        .filter((i) => i.kind === 'checkin')
        .map((i) => i.venue_id),
    ).toEqual([venueCode]);

    // A waits on the notifications screen.
    await tab(resident, /Alerts/);
    await eventually(() => resident.locator('#stream-state').textContent()).toContain('Connected');
    expect(await resident.locator('.notification').count()).toBe(0);
    const sameDocument = await markDocument(resident);

    // Resident B was at the café at the same time (typed the code, in lower case with a dash), then falls ill.
    const other = await phone('other');
    const b = await register(other, 'Bob');
    await tab(other, 'Check in');
    await other
      .getByRole('textbox', { name: 'Venue code' })
      .fill(`${venueCode.slice(0, 4)}-${venueCode.slice(4)}`.toLowerCase());
    await other.getByRole('button', { name: 'Find venue' }).click();
    await checkIn(other, 'Café Lumière', 60, 60);
    await eventually(
      async () =>
        (await api<{ interactions: unknown[] }>(suite.web.baseUrl, 'GET', `/interactions?user_id=${b.userId}`, b.token))
          .body.interactions.length,
    ).toBe(1);
    await tab(other, 'Symptoms');
    await other.getByLabel('Main symptom').selectOption('fever');
    await expectAccessible(other, 'symptoms');
    await expectFitsPhone(other, 'symptoms');
    await other.getByRole('button', { name: 'Report' }).click();
    await eventually(() => other.locator('#symptom-result').textContent()).toContain('Thank you');

    // A's notification arrives over the live stream, without a reload, in plain words.
    const notification = resident.locator('.notification').first();
    await notification.waitFor({ timeout: 30_000 });
    expect(await sameDocument()).toBe(true);
    const text = (await notification.textContent())!;
    expect(text).toContain('High risk');
    expect(text).toContain(venueCode); // where
    await eventually(() => notification.locator('.venue-name').textContent()).toBe(
      `Venue ${venueCode}: Café Lumière, 12 rue des Lilas`,
    );
    expect(text).toMatch(/What to do/); // what to do
    expect(text).toMatch(/30 minutes|1 hour/); // how long
    await expectAccessible(resident, 'notifications');
    await expectFitsPhone(resident, 'notifications');
    await screenshot(resident, 'app-exposure-notification', { fullPage: true });
    await notification.getByRole('button', { name: 'I have read this' }).click();
    await eventually(() => notification.textContent()).toContain('Read ');
    const listed = (
      await api<{ notifications: Array<{ acked_at: string | null }> }>(
        suite.web.baseUrl,
        'GET',
        '/notifications',
        a.token,
      )
    ).body.notifications;
    expect(listed).toHaveLength(1);
    expect(listed[0]!.acked_at).not.toBeNull();

    // My data: what the server holds, then erase it.
    await tab(resident, 'My data');
    await eventually(() => resident.locator('#my-account').textContent()).toContain(a.userId);
    await eventually(() => resident.locator('#my-interactions li').count()).toBe(4);
    expect(await resident.locator('#my-account').textContent()).toContain('Ada');
    await expectAccessible(resident, 'my data');
    await expectFitsPhone(resident, 'my data');
    await screenshot(resident, 'app-my-data', { fullPage: true });
    await resident.getByRole('button', { name: 'Erase my data' }).click();
    await resident.getByRole('button', { name: 'Yes, erase everything' }).click();
    await resident.getByRole('heading', { name: 'Join Epitrace' }).waitFor();
    expect(await resident.evaluate(() => localStorage.getItem('epitrace.session'))).toBeNull();
    expect((await api(suite.web.baseUrl, 'GET', `/users/${a.userId}`, a.token)).status).toBe(401);

    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  }, 180_000);
});
