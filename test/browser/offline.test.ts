import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  api,
  chromiumAvailable,
  expectAccessible,
  PHONE,
  screenshot,
  eventually,
  expectFitsPhone,
  useBrowserSuite,
} from './support.js';

/**
 * Acceptance (issue #6): locations recorded while the phone is offline wait in the app's IndexedDB queue, survive a
 * reload of the app, and are uploaded once the connection is back.
 */
describe.skipIf(!chromiumAvailable())('offline recording', () => {
  const suite = useBrowserSuite();

  const pending = (page: Page) => page.locator('#upload-status').getAttribute('data-pending');

  it('queues what is recorded offline, keeps it across a reload, and uploads it when the connection returns', async () => {
    const context = await suite.browser.newContext({ ...PHONE, permissions: ['geolocation'] });
    const page = await context.newPage();
    await page.goto(`${suite.web.baseUrl}/app/`);
    await page.getByLabel('I have read the above and agree to it.').check();
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Location recording' }).waitFor();
    const { userId, token } = await page.evaluate(
      () => JSON.parse(localStorage.getItem('epitrace.session')!) as { userId: string; token: string },
    );
    const stored = async () =>
      (
        await api<{ interactions: Array<{ id: string; lat: number; lng: number }> }>(
          suite.web.baseUrl,
          'GET',
          `/interactions?user_id=${userId}`,
          token,
        )
      ).body.interactions;

    // The connection drops; the person walks between three places.
    await context.setOffline(true);
    const places = [
      { latitude: 51.5007, longitude: -0.1246 },
      { latitude: 51.5081, longitude: -0.0759 },
      { latitude: 51.5194, longitude: -0.127 },
    ];
    await context.setGeolocation({ ...places[0]!, accuracy: 10 });
    await page.getByRole('button', { name: 'Start recording' }).click();
    await eventually(() => page.locator('#recorder-status').textContent()).toContain('Recording.');
    for (const place of places.slice(1)) {
      await context.setGeolocation({ ...place, accuracy: 10 });
      await eventually(() => pending(page)).toBe(String(places.indexOf(place)));
    }
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await eventually(() => pending(page)).toBe('3');
    await eventually(() => page.locator('#upload-status').textContent()).toContain('3 records are waiting to upload');
    await expectAccessible(page, 'home, offline');
    await expectFitsPhone(page, 'home, offline');
    await screenshot(page, 'app-offline-queue');
    expect(await stored()).toEqual([]);
    const queuedIds = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('epitrace-outbox');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      return new Promise<string[]>((resolve) => {
        const request = db.transaction('pending').objectStore('pending').getAllKeys();
        request.onsuccess = () => resolve((request.result as string[]).sort());
      });
    });
    expect(queuedIds).toHaveLength(3);

    // An observation the server will refuse also waits (a phone whose clock was weeks behind recorded it).
    const refusedId = await page.evaluate(async () => {
      const id = crypto.randomUUID();
      const longAgo = Date.now() - 40 * 86_400_000;
      const observation = {
        id,
        kind: 'location',
        lat: 51.5,
        lng: -0.12,
        accuracy_m: 10,
        started_at: new Date(longAgo).toISOString(),
        ended_at: new Date(longAgo + 600_000).toISOString(),
      };
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('epitrace-outbox');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('pending', 'readwrite');
        tx.objectStore('pending').put({ observation, queued_at: Date.now() }, id);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      return id;
    });

    // Still offline, the app is reloaded (the service worker serves it): the queue is still there.
    await page.evaluate(() => navigator.serviceWorker.ready);
    // Installable as an app: Chromium finds nothing missing (manifest, icons, service worker, secure origin). The
    // one reason it gives is the test's own browser context, which is private ("incognito") like every Playwright one.
    const devtools = await context.newCDPSession(page);
    const { installabilityErrors } = (await devtools.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: Array<{ errorId: string }>;
    };
    expect(installabilityErrors.filter((e) => e.errorId !== 'in-incognito')).toEqual([]);
    await page.reload();
    await eventually(() => pending(page)).toBe('4');

    // The connection comes back: the queue empties, and the server has exactly the recorded observations; the one
    // it refuses does not hold the others back, and the person is told.
    await context.setOffline(false);
    await eventually(() => pending(page), { timeout: 30_000 }).toBe('0');
    const uploaded = await stored();
    expect(uploaded.map((i) => i.id).sort()).toEqual(queuedIds);
    expect(uploaded.map((i) => i.id)).not.toContain(refusedId);
    await eventually(() => page.locator('#upload-status').textContent()).toContain(
      '1 could not be accepted by the server',
    );
    expect(uploaded.map((i) => [i.lat, i.lng]).sort()).toEqual(places.map((p) => [p.latitude, p.longitude]).sort());
    await context.close();
  }, 120_000);
});
