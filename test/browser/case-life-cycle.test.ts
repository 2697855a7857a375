import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  appTab,
  chromiumAvailable,
  collectPageErrors,
  DESKTOP,
  eventually,
  expectAccessible,
  expectFitsPhone,
  markDocument,
  PHONE,
  registerInApp,
  screenshot,
  useBrowserSuite,
} from './support.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Acceptance (issue #20, where people see it): a health professional issues a verification code in the dashboard;
 * a resident, on a phone, mistypes it (told in plain words which character is wrong), then scans its QR code, which
 * confirms their case; the contact's app shows the exposure notification. The professional revokes the case on its
 * page and the contact's app shows the update, without a reload. Then the contact reports symptoms: the self-report
 * appears in the professional's list of self-reports not yet confirmed, to take on, and its author withdraws it.
 */
describe.skipIf(!chromiumAvailable())('the life of a case, in the dashboard and the app', () => {
  const suite = useBrowserSuite();
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  afterAll(async () => {
    for (const context of contexts) await context.close();
  });

  async function open(name: string, options: typeof PHONE): Promise<Page> {
    const context = await suite.browser.newContext(options);
    contexts.push(context);
    const page = await context.newPage();
    errors.push(...collectPageErrors(page).map((e) => `${name}: ${e}`));
    return page;
  }

  const tab = appTab;
  const register = (page: Page, name: string) => registerInApp(page, suite.web.baseUrl, name);

  async function checkin(person: { token: string }, venue: string, from: number, to: number): Promise<void> {
    const upload = await api(suite.web.baseUrl, 'POST', '/interactions', person.token, {
      interactions: [
        { id: randomUUID(), kind: 'checkin', venue_id: venue, started_at: minutesAgo(from), ended_at: minutesAgo(to) },
      ],
    });
    expect(upload.status).toBe(200);
  }

  /** Usable on a phone 390 and 360 px wide: no sideways scrolling, every control large enough to tap. */
  async function expectFitsPhones(page: Page, what: string): Promise<void> {
    await expectFitsPhone(page, `${what} at 390 px`);
    await page.setViewportSize({ width: 360, height: 780 });
    await expectFitsPhone(page, `${what} at 360 px`);
    await page.setViewportSize({ width: 390, height: 844 });
  }

  it('issues a code, redeems it on a phone, notifies the contact, revokes the case and updates the contact', async () => {
    const nurse = suite.web.createStaff('health_professional');

    // Two residents on their phones, at the same bakery for 50 minutes.
    const patientPhone = await open('patient', PHONE);
    const patient = await register(patientPhone, 'Pat');
    const contactPhone = await open('contact', PHONE);
    const contact = await register(contactPhone, 'Cleo');
    const bakery = (await api<{ id: string }>(suite.web.baseUrl, 'POST', '/venues', contact.token, { name: 'Bakery' }))
      .body.id;
    await checkin(patient, bakery, 90, 30);
    await checkin(contact, bakery, 80, 20);

    // The contact waits on the notifications screen.
    await tab(contactPhone, /Alerts/);
    await eventually(() => contactPhone.locator('#stream-state').textContent()).toContain('Connected');
    const sameDocument = await markDocument(contactPhone);

    // The nurse issues a code after the patient's positive test.
    const dashboard = await open('dashboard', DESKTOP);
    await dashboard.goto(`${suite.web.baseUrl}/dashboard/`);
    await dashboard.getByLabel('Username').fill(nurse.username);
    await dashboard.getByLabel('Password').fill(nurse.password);
    await dashboard.getByRole('button', { name: 'Sign in' }).click();
    await dashboard.getByRole('heading', { name: 'Issue a verification code' }).waitFor();
    await eventually(() => dashboard.locator('#self-reports-body').textContent()).toContain('No self-reports waiting');
    await dashboard.getByLabel('What confirmed it').selectOption('confirmed_test');
    await dashboard.getByLabel('Symptoms since (if known)').fill(new Date().toISOString().slice(0, 10));
    await dashboard.getByRole('button', { name: 'Issue code' }).click();
    const slip = dashboard.locator('.code-slip');
    await slip.waitFor();
    const shortCode = (await dashboard.locator('#short-code').textContent())!;
    expect(shortCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]$/);
    expect(await dashboard.locator('#short-expiry').textContent()).toMatch(
      /^Valid until .+ \(about (59|60) minutes\), once\.$/,
    );
    expect(await dashboard.locator('#long-expiry').textContent()).toMatch(/^The QR code is valid until .+, once\.$/);
    expect(await slip.getByRole('img', { name: /QR code/ }).count()).toBe(1);
    await expectAccessible(dashboard, 'dashboard with an issued code');
    await screenshot(dashboard, 'dashboard-verification-code', { fullPage: true });
    const qrPhoto = await slip.screenshot();

    // The patient types the code read out on the phone, with a typing mistake in its last character.
    await tab(patientPhone, 'Symptoms');
    await patientPhone.getByRole('heading', { name: 'I have a code from my test' }).waitFor();
    await expectAccessible(patientPhone, 'symptoms and code');
    await expectFitsPhones(patientPhone, 'symptoms and code');
    const last = shortCode.at(-1)!;
    const mistyped = `${shortCode.slice(0, -1)}${last === '0' ? '1' : '0'}`;
    expect(CROCKFORD).toContain(mistyped.at(-1));
    await patientPhone.getByRole('textbox', { name: 'Code from your test' }).fill(mistyped.toLowerCase());
    await patientPhone.getByRole('button', { name: 'Confirm my test result' }).click();
    await eventually(() => patientPhone.locator('#code-result').textContent()).toBe(
      "The last character doesn't match — check the code for a typing mistake.",
    );
    // Then scans the QR code instead (a photo of the slip): the case is confirmed.
    await patientPhone
      .getByLabel('Scan its QR code from a photo')
      .setInputFiles({ name: 'code.png', mimeType: 'image/png', buffer: qrPhoto });
    await eventually(() => patientPhone.locator('#code-result').textContent()).toContain(
      'Thank you: your positive test is confirmed.',
    );
    await eventually(() => patientPhone.locator('#my-reports li').getAttribute('data-status')).toBe('confirmed');
    expect(await patientPhone.locator('#my-reports').textContent()).toContain('Your positive test is confirmed');
    await expectAccessible(patientPhone, 'code redeemed');
    await expectFitsPhones(patientPhone, 'code redeemed');
    await screenshot(patientPhone, 'app-test-code', { fullPage: true });
    // The same code again is refused, in plain words.
    await patientPhone.getByRole('textbox', { name: 'Code from your test' }).fill(shortCode);
    await patientPhone.getByRole('button', { name: 'Confirm my test result' }).click();
    await eventually(() => patientPhone.locator('#code-result').textContent()).toContain(
      'This code has already been used.',
    );

    // The contact's app shows the exposure notification, live.
    const exposure = contactPhone.locator('.notification[data-kind="exposure"]');
    await exposure.first().waitFor({ timeout: 60_000 });
    expect(await exposure.first().textContent()).toContain('High risk');

    // The nurse's case list shows the case, when it was reported and when confirmed.
    await dashboard.reload();
    const caseRow = dashboard.locator('#cases-body tr[data-case-id]');
    await eventually(() => caseRow.count()).toBe(1);
    expect(await caseRow.locator('.case-status').textContent()).toBe('Confirmed');
    expect(await caseRow.locator('.case-confirmed').textContent()).not.toBe('—');
    await caseRow.getByRole('link').click();
    await dashboard.getByRole('heading', { name: 'Change this case' }).waitFor();
    await eventually(() => dashboard.locator('#case-details [data-field="status"]').textContent()).toBe('Confirmed');
    expect(await dashboard.locator('#case-details [data-field="user_id"]').textContent()).toBe(patient.userId);
    await eventually(() => dashboard.locator(`#contacts-body tr[data-contact="${contact.userId}"]`).count(), {
      timeout: 60_000,
    }).toBe(1);
    await expectAccessible(dashboard, 'case page');
    await screenshot(dashboard, 'dashboard-case-actions', { fullPage: true });

    // The test was a false positive: the nurse revokes the case.
    await dashboard.getByLabel('Tested negative').check();
    await dashboard.getByRole('button', { name: 'Revoke case' }).click();
    await eventually(() => dashboard.locator('#case-details [data-field="status"]').textContent()).toBe('Revoked');
    expect(await dashboard.locator('#case-details [data-field="revoked_at"]').textContent()).toContain(
      'Tested negative',
    );
    await expectAccessible(dashboard, 'revoked case');

    // The contact's app shows the update, without a reload: what changed and the new tier.
    const update = contactPhone.locator('.notification[data-kind="update"]');
    await update.waitFor({ timeout: 60_000 });
    expect(await sameDocument()).toBe(true);
    const updateText = (await update.textContent())!;
    expect(updateText).toContain('Update');
    expect(updateText).toContain('A person you were near has since tested negative');
    expect(updateText).toMatch(/Your risk for that day was high risk; it is now (low|medium) risk\./);
    expect(await exposure.first().locator('.update-note').textContent()).toContain('This has changed since');
    await expectAccessible(contactPhone, 'notifications with an update');
    await expectFitsPhones(contactPhone, 'notifications with an update');
    await screenshot(contactPhone, 'app-update-notification', { fullPage: true });

    // The contact now feels ill and reports it: the self-report waits in the nurse's list, to take on.
    await tab(contactPhone, 'Symptoms');
    await contactPhone.getByLabel('Main symptom').selectOption('fever');
    await contactPhone.getByRole('button', { name: 'Report', exact: true }).click();
    await eventually(() => contactPhone.locator('#symptom-result').textContent()).toContain('Thank you');
    await eventually(() => contactPhone.locator('#my-reports li').getAttribute('data-status')).toMatch(
      /^(self_reported|held)$/,
    );
    await dashboard.getByRole('link', { name: '← All cases' }).click();
    const waiting = dashboard.locator(`#self-reports-body tr[data-user-id="${contact.userId}"]`);
    await eventually(() => waiting.count()).toBe(1);
    await expectAccessible(dashboard, 'self-reports list');
    await waiting.getByRole('button', { name: 'Take on and confirm' }).click();
    expect(await dashboard.getByLabel("Person's account id").inputValue()).toBe(contact.userId);
    await eventually(() => dashboard.locator('#confirm-type').evaluate((e) => e === document.activeElement)).toBe(true);

    // Before the nurse confirms it, the contact tests negative and withdraws the report.
    await contactPhone.getByRole('button', { name: 'Withdraw this report' }).click();
    await contactPhone.getByLabel('I tested negative').check();
    await expectAccessible(contactPhone, 'withdrawing a report');
    await expectFitsPhones(contactPhone, 'withdrawing a report');
    await contactPhone.getByRole('button', { name: 'Withdraw my report' }).click();
    await eventually(() => contactPhone.locator('#my-reports-message').textContent()).toContain(
      'Your report is withdrawn.',
    );
    await eventually(() => contactPhone.locator('#my-reports li').first().getAttribute('data-status')).toBe('revoked');
    await dashboard.getByRole('button', { name: 'Refresh' }).click();
    await eventually(() => waiting.count()).toBe(0);

    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  }, 240_000);
});
