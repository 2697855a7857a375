import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
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

const DAY = 86_400_000;
/**
 * Stays are placed before this moment: now, or early in a (UTC) day the minute before its midnight, so that every stay
 * of the test falls on one day and the feed's grouping by day is what the test sees.
 */
const ANCHOR = (() => {
  const now = Date.now();
  return now % DAY < 210 * 60_000 ? now - (now % DAY) - 60_000 : now;
})();
const minutesAgo = (m: number) => new Date(ANCHOR - m * 60_000).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

/**
 * Acceptance (issue #6): a health professional confirms a case in the dashboard and sees its contacts, their tiers
 * and notification state, and the transmission chain; the live feed of exposure risks fills without a reload.
 */
describe.skipIf(!chromiumAvailable())('the dashboard for health professionals', () => {
  const suite = useBrowserSuite();

  async function resident(): Promise<{ id: string; token: string }> {
    const created = await api<{ id: string; token: string }>(suite.web.baseUrl, 'POST', '/users', undefined, {});
    expect(created.status).toBe(201);
    return created.body;
  }
  async function checkin(person: { token: string }, venue: string, from: number, to: number): Promise<void> {
    const upload = await api(suite.web.baseUrl, 'POST', '/interactions', person.token, {
      interactions: [
        { id: randomUUID(), kind: 'checkin', venue_id: venue, started_at: minutesAgo(from), ended_at: minutesAgo(to) },
      ],
    });
    expect(upload.status).toBe(200);
  }
  async function signIn(page: Page, account: { username: string; password: string }): Promise<void> {
    await page.goto(`${suite.web.baseUrl}/dashboard`);
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Confirm a case' }).waitFor();
  }
  async function confirm(page: Page, userId: string): Promise<string> {
    await page.getByLabel("Person's account id").fill(userId);
    await page.getByLabel('Diagnosis').selectOption('confirmed_test');
    await page.getByLabel('Symptom onset (if known)').fill(today());
    await page.getByRole('button', { name: 'Confirm case and trace contacts' }).click();
    await page.waitForURL(/#case\//);
    return page.url().split('#case/')[1]!;
  }
  const contactRow = (page: Page, userId: string) => page.locator(`#contacts-body tr[data-contact="${userId}"]`);

  it('confirms a case, sees its contacts with tiers and notifications, the chain to a second case, and the live feed', async () => {
    const nurse = suite.web.createStaff('health_professional');
    // Two venues: the source and two contacts at the bakery; one of those contacts and a third person at the gym.
    const [source, close, brief, gymMate] = [await resident(), await resident(), await resident(), await resident()];
    const bakery = (await api<{ id: string }>(suite.web.baseUrl, 'POST', '/venues', source.token, { name: 'Bakery' }))
      .body.id;
    const gym = (await api<{ id: string }>(suite.web.baseUrl, 'POST', '/venues', source.token, { name: 'Gym' })).body
      .id;
    await checkin(source, bakery, 90, 30);
    await checkin(close, bakery, 80, 50); // 30 minutes together, and
    await checkin(close, bakery, 45, 20); // back for 15 more minutes: high, two risks for the same day
    await checkin(brief, bakery, 42, 20); // 12 minutes together: medium
    await checkin(close, gym, 200, 140);
    await checkin(gymMate, gym, 200, 140); // 60 minutes with `close`, who becomes a case next

    const browserContext = await suite.browser.newContext(DESKTOP);
    const page = await browserContext.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${suite.web.baseUrl}/dashboard/`);
    await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await signIn(page, nurse);

    // A second tab stays on the overview: its live feed fills as tracing finds risks.
    const overview = await browserContext.newPage();
    await signIn(overview, nurse);
    await eventually(() => overview.locator('#risk-feed-state').textContent()).toBe('Live');
    const sameDocument = await markDocument(overview);

    const caseId = await confirm(page, source.id);
    await eventually(() => contactRow(page, close.id).textContent(), { timeout: 60_000 }).toContain('high');
    await eventually(() => contactRow(page, brief.id).textContent()).toContain('medium');
    expect(await contactRow(page, close.id).textContent()).toContain('Notified');
    expect(await contactRow(page, brief.id).textContent()).toContain('Notified');
    expect(await page.locator('#contacts-body tr').count()).toBe(2);
    await eventually(() => page.locator(`#chain [data-person="${close.id}"]`).count()).toBe(1);

    // One entry per exposure (case, person, day): the close contact's two stays are one entry with two updates.
    const feedEntry = (person: string) =>
      overview.locator(`#risk-feed li[data-case-id="${caseId}"][data-contact="${person}"]`);
    await eventually(() => feedEntry(close.id).getAttribute('data-updates'), { timeout: 60_000 }).toBe('2');
    await eventually(() => feedEntry(brief.id).getAttribute('data-tier')).toBe('medium');
    expect(await overview.locator(`#risk-feed li[data-case-id="${caseId}"]`).count()).toBe(2);
    expect(await feedEntry(close.id).textContent()).toMatch(/^high risk · case .+ · 2 updates, last /);
    // The brief contact's phone uploads another stay at the bakery: the same entry rises to high, with two updates.
    await checkin(brief, bakery, 60, 48);
    await eventually(() => feedEntry(brief.id).getAttribute('data-tier'), { timeout: 60_000 }).toBe('high');
    expect(await feedEntry(brief.id).getAttribute('data-updates')).toBe('2');
    expect(await feedEntry(brief.id).textContent()).toMatch(/^high risk · .+ · 2 updates, last /);
    expect(await overview.locator(`#risk-feed li[data-case-id="${caseId}"]`).count()).toBe(2);
    // The newest change is at the top.
    expect(await overview.locator('#risk-feed li').first().getAttribute('data-contact')).toBe(brief.id);
    expect(await sameDocument()).toBe(true);
    await eventually(() => overview.locator(`#cases-body tr[data-case-id="${caseId}"]`).count()).toBe(0); // listed on the next load
    await overview.reload();
    await eventually(() => overview.locator(`#cases-body tr[data-case-id="${caseId}"]`).count()).toBe(1);
    // The bakery, where the source was while infectious, is an exposure site (never who was there).
    await eventually(() => overview.locator(`#venue-sites li[data-venue="${bakery}"]`).textContent()).toContain(
      '1 infectious case',
    );
    await expectAccessible(overview, 'overview');
    await screenshot(overview, 'dashboard-professional', { fullPage: true });

    // The close contact tests positive too: their case page shows the chain source → close → gym mate.
    await page.getByRole('link', { name: '← All cases' }).click();
    await page.getByRole('heading', { name: 'Confirm a case' }).waitFor();
    const secondCaseId = await confirm(page, close.id);
    expect(secondCaseId).not.toBe(caseId);
    await eventually(() => contactRow(page, gymMate.id).textContent(), { timeout: 60_000 }).toContain('high');
    for (const person of [source.id, close.id, gymMate.id]) {
      await eventually(() => page.locator(`#chain [data-person="${person}"]`).count()).toBe(1);
    }
    const columnOf = async (person: string) =>
      Number(await page.locator(`#chain [data-person="${person}"] rect`).getAttribute('x'));
    expect(await columnOf(source.id)).toBeLessThan(await columnOf(close.id));
    expect(await columnOf(close.id)).toBeLessThan(await columnOf(gymMate.id));
    await expectAccessible(page, 'case page');
    await screenshot(page, 'dashboard-case', { fullPage: true });
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await browserContext.close();
  }, 150_000);
});
