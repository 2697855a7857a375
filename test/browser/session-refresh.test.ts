import type { BrowserContextOptions, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  api,
  chromiumAvailable,
  collectPageErrors,
  DESKTOP,
  eventually,
  expectAccessible,
  expectFitsPhone,
  markDocument,
  PHONE,
  screenshot,
  useBrowserSuite,
} from './support.js';

/** Access tokens last 3 seconds here (at least 2: JWT times are whole seconds), so they run out during a test. */
const TOKEN_SECONDS = '3';
const today = () => new Date().toISOString().slice(0, 10);

/**
 * Acceptance (issue #21): a staff member filling in a form never loses it to an expired session. The dashboard renews
 * the access token while in use and on a 401; when the session has really ended, the person signs in again over the
 * page and the action they were doing goes through, with what they typed.
 */
describe.skipIf(!chromiumAvailable())('staff sessions in the dashboard', () => {
  const suite = useBrowserSuite({ STAFF_TOKEN_TTL_SECONDS: TOKEN_SECONDS });

  async function resident(): Promise<string> {
    const created = await api<{ id: string }>(suite.web.baseUrl, 'POST', '/users', undefined, {});
    expect(created.status).toBe(201);
    return created.body.id;
  }

  /** Signs in on a fresh page; resolves with the page and the access token the sign-in handed out. */
  async function signIn(
    options: BrowserContextOptions,
    account: { username: string; password: string },
    setUp: (page: Page) => Promise<void> = async () => undefined,
  ): Promise<{ page: Page; firstToken: string; close: () => Promise<void> }> {
    const context = await suite.browser.newContext(options);
    const page = await context.newPage();
    await setUp(page);
    await page.goto(`${suite.web.baseUrl}/dashboard/`);
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel('Password').fill(account.password);
    const login = page.waitForResponse((r) => r.url().endsWith('/auth/login'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    const firstToken = ((await (await login).json()) as { token: string }).token;
    await page.getByRole('heading', { name: 'Confirm a case' }).waitFor();
    return { page, firstToken, close: () => context.close() };
  }

  async function fillConfirmForm(page: Page, userId: string): Promise<void> {
    await page.getByLabel("Person's account id").fill(userId);
    await page.getByLabel('Diagnosis').selectOption('clinical_diagnosis');
    await page.getByLabel('Symptom onset (if known)').fill(today());
  }

  /** Waits (on the server's clock) until the server refuses an access token. */
  async function untilRefused(token: string): Promise<void> {
    await eventually(async () => (await api(suite.web.baseUrl, 'GET', '/cases', token)).status, {
      timeout: 15_000,
    }).toBe(401);
  }

  /** The case as the server has it (read with a sign-in of the test's own). */
  async function caseOf(account: { username: string; password: string }, caseId: string) {
    const login = await api<{ token: string }>(suite.web.baseUrl, 'POST', '/auth/login', undefined, account);
    expect(login.status).toBe(200);
    return (await api<Record<string, unknown>>(suite.web.baseUrl, 'GET', `/cases/${caseId}`, login.body.token)).body;
  }

  /** What the page sent: each POST /cases answer's status, and how many refreshes were made. */
  function watch(page: Page): { confirmations: number[]; refreshes: number[] } {
    const seen = { confirmations: [] as number[], refreshes: [] as number[] };
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (response.request().method() !== 'POST') return;
      if (url.pathname === '/cases') seen.confirmations.push(response.status());
      if (url.pathname === '/auth/refresh') seen.refreshes.push(response.status());
    });
    return seen;
  }

  it('keeps the session while a form is filled in: submitting after the first token ran out still works', async () => {
    const nurse = suite.web.createStaff('health_professional');
    const person = await resident();
    const { page, firstToken, close } = await signIn(DESKTOP, nurse);
    const errors = collectPageErrors(page);
    const seen = watch(page);
    await fillConfirmForm(page, person);
    await untilRefused(firstToken);

    await page.getByRole('button', { name: 'Confirm case and trace contacts' }).click();
    await page.waitForURL(/#case\//);
    expect(seen.refreshes.filter((status) => status === 200).length).toBeGreaterThan(0);
    expect(seen.confirmations.at(-1)).toBe(201);
    expect(await page.locator('dialog').count()).toBe(0);
    const caseId = page.url().split('#case/')[1]!;
    expect(await caseOf(nurse, caseId)).toMatchObject({ user_id: person, report_type: 'clinical_diagnosis' });
    await expectAccessible(page, 'case page after refreshes');

    // Signing out ends the session on the server too: its refresh token is of no use afterwards.
    const { refreshToken } = JSON.parse(
      (await page.evaluate(() => sessionStorage.getItem('epitrace.staff_session')))!,
    ) as { refreshToken: string };
    const loggedOut = page.waitForResponse((r) => r.url().endsWith('/auth/logout'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect((await loggedOut).status()).toBe(204);
    await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
    expect(
      (await api(suite.web.baseUrl, 'POST', '/auth/refresh', undefined, { refresh_token: refreshToken })).status,
    ).toBe(401);
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await close();
  }, 90_000);

  it('when the session has ended, "Sign out instead" leaves for the sign-in page and says why', async () => {
    const nurse = suite.web.createStaff('health_professional');
    const person = await resident();
    const { page, firstToken, close } = await signIn(DESKTOP, nurse, (p) => p.clock.install());
    await page.clock.pauseAt(Date.now() + 100);
    await fillConfirmForm(page, person);
    const { refreshToken } = JSON.parse(
      (await page.evaluate(() => sessionStorage.getItem('epitrace.staff_session')))!,
    ) as { refreshToken: string };
    await api(suite.web.baseUrl, 'POST', '/auth/logout', undefined, { refresh_token: refreshToken });
    await untilRefused(firstToken);
    await page.getByRole('button', { name: 'Confirm case and trace contacts' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign in to continue' });
    await dialog.waitFor();
    await page.clock.resume();
    await dialog.getByRole('button', { name: 'Sign out instead' }).click();
    await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
    expect(await page.getByRole('alert').first().textContent()).toBe('Your session has ended. Please sign in again.');
    expect(await page.evaluate(() => sessionStorage.getItem('epitrace.staff_session'))).toBeNull();
    await close();
  }, 90_000);

  it('refreshes ahead of time while the person is typing: the form goes with the new token, never refused', async () => {
    const nurse = suite.web.createStaff('health_professional');
    const person = await resident();
    const { page, close } = await signIn(DESKTOP, nurse, (p) => p.clock.install());
    await page.clock.pauseAt(Date.now() + 100);
    const seen = watch(page);
    await fillConfirmForm(page, person);
    // The token's time runs out on the page's clock; the person was active, so the dashboard refreshes it.
    const refreshed = page.waitForResponse((r) => r.url().endsWith('/auth/refresh'));
    await page.clock.runFor(Number(TOKEN_SECONDS) * 1000);
    const renewed = (await (await refreshed).json()) as { token: string };
    const confirmation = page.waitForRequest((r) => r.url().endsWith('/cases') && r.method() === 'POST');
    await page.getByRole('button', { name: 'Confirm case and trace contacts' }).click();
    expect((await confirmation).headers().authorization).toBe(`Bearer ${renewed.token}`);
    await page.waitForURL(/#case\//);
    expect(seen.confirmations[0]).toBe(201);
    await close();
  }, 90_000);

  it('a request refused because the token ran out is renewed and sent again (timers stopped: no early refresh)', async () => {
    const nurse = suite.web.createStaff('health_professional');
    const person = await resident();
    const { page, firstToken, close } = await signIn(DESKTOP, nurse, (p) => p.clock.install());
    // From here no timer of the page fires: the dashboard cannot refresh ahead, only on the server's 401.
    await page.clock.pauseAt(Date.now() + 100);
    const seen = watch(page);
    await fillConfirmForm(page, person);
    await untilRefused(firstToken);

    await page.getByRole('button', { name: 'Confirm case and trace contacts' }).click();
    await page.waitForURL(/#case\//);
    expect(seen.confirmations.slice(0, 2)).toEqual([401, 201]);
    expect(seen.refreshes[0]).toBe(200);
    await close();
  }, 90_000);

  for (const [device, options] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    it(`on a ${device}: when the session has ended, signing in again over the page completes the action`, async () => {
      const nurse = suite.web.createStaff('health_professional');
      const person = await resident();
      const { page, firstToken, close } = await signIn(options, nurse, (p) => p.clock.install());
      await page.clock.pauseAt(Date.now() + 100);
      const errors = collectPageErrors(page);
      const seen = watch(page);
      const sameDocument = await markDocument(page);
      await fillConfirmForm(page, person);

      // The session ends elsewhere (signed out from another place): its refresh token no longer works.
      const stored = await page.evaluate(() => sessionStorage.getItem('epitrace.staff_session'));
      const { refreshToken } = JSON.parse(stored!) as { refreshToken: string };
      expect(
        (await api(suite.web.baseUrl, 'POST', '/auth/logout', undefined, { refresh_token: refreshToken })).status,
      ).toBe(204);
      await untilRefused(firstToken);

      await page.getByRole('button', { name: 'Confirm case and trace contacts' }).click();
      const dialog = page.getByRole('dialog', { name: 'Sign in to continue' });
      await dialog.waitFor();
      await expect.poll(() => dialog.textContent()).toContain('this session was signed out');
      // What was typed is still there, under the dialog.
      expect(await page.locator('#confirm-user').inputValue()).toBe(person);
      expect(await page.locator('#confirm-type').inputValue()).toBe('clinical_diagnosis');
      expect(await page.locator('#confirm-onset').inputValue()).toBe(today());
      expect(await dialog.getByLabel('Username').inputValue()).toBe(nurse.username);
      // Timers run again from here (axe-core needs them); nothing is left to refresh early.
      await page.clock.resume();
      await expectAccessible(page, `sign-in-again dialog (${device})`);
      if (device === 'phone') await expectFitsPhone(page, 'sign-in-again dialog');
      await screenshot(page, `dashboard-sign-in-again-${device}`);

      // A wrong password keeps the dialog open with a plain message.
      await dialog.getByLabel('Password').fill('not the right password');
      await dialog.getByRole('button', { name: 'Sign in and continue' }).click();
      await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('wrong password');

      await dialog.getByLabel('Password').fill(nurse.password);
      await dialog.getByRole('button', { name: 'Sign in and continue' }).click();
      await page.waitForURL(/#case\//);
      expect(await page.getByRole('dialog').count()).toBe(0);
      expect(await sameDocument()).toBe(true);
      expect(seen.confirmations).toEqual([401, 201]);
      expect(seen.refreshes[0]).toBe(401);
      const caseId = page.url().split('#case/')[1]!;
      expect(await caseOf(nurse, caseId)).toMatchObject({
        user_id: person,
        report_type: 'clinical_diagnosis',
        onset_date: today(),
      });
      expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
      await close();
    }, 90_000);
  }
});
