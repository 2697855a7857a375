import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cellToChildren, cellToLatLng, cellToParent, gridDisk, latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/modules/alerts/model.js';
import { addDays } from '../../src/platform/time/calendar.js';
import { createStaff, registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { connectSse, type SseConnection } from '../helpers/sse-client.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Acceptance (issue #5, zones and alerts): cases arrive over HTTP in one area; an authority's SSE stream and a local
 * webhook receiver get the cluster alert; the webhook signature verifies; a receiver that fails at first gets it on
 * retry. Background: an imported line list spread evenly over the neighbourhood for the last two weeks.
 */

const SECRET = randomBytes(32).toString('hex');
const AREA = latLngToCell(48.8566, 2.3522, 8); // the scan's resolution
const today = () => new Date().toISOString().slice(0, 10);
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
  readonly at: number;
}

async function receiver(
  answer: (n: number) => number,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const status = answer(received.length + 1);
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status, at: Date.now() });
      response
        .writeHead(status, { 'content-type': 'text/plain' })
        .end(status === 200 ? 'thanks' : 'down for maintenance');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/epitrace/alerts`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const verify = (request: Received) =>
  verifyWebhook(
    SECRET,
    {
      signature: request.headers['x-epitrace-signature'] as string,
      timestamp: request.headers['x-epitrace-timestamp'] as string,
    },
    request.body,
    Math.floor(Date.now() / 1000),
  );

describe.each(testDialects())('a cluster of cases raises an alert end to end on %s', (dialect) => {
  let t: TestApp;
  let base: string;
  let steady: Awaited<ReturnType<typeof receiver>>;
  let flaky: Awaited<ReturnType<typeof receiver>>;
  const streams: SseConnection[] = [];

  beforeAll(async () => {
    steady = await receiver(() => 200);
    flaky = await receiver((n) => (n === 1 ? 503 : 200));
    t = await buildTestApp(dialect, {
      SCAN_DEBOUNCE_MS: '300',
      WEBHOOK_URLS: `${steady.url},${flaky.url}`,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_RETRY_BASE_MS: '200',
    });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await t.close();
    await steady.close();
    await flaky.close();
  });

  it('alerts the authority live and by signed webhooks, retrying the receiver that failed; the same cluster alerts once', async () => {
    // The imported line list: one case a day in each of the 19 cells around AREA for two weeks.
    const background = gridDisk(AREA, 2).flatMap((cell) =>
      Array.from({ length: 14 }, (_, d) => ({
        id: randomUUID(),
        external_id: `LL-${randomUUID()}`,
        onset_date: null,
        report_date: addDays(today(), -d),
        cell: cellToChildren(cell, 10)[0]!,
        lat: null,
        lng: null,
        infector_external_id: null,
        imported_at: Date.now(),
        imported_by: null,
      })),
    );
    await t.app.zoneScanner.idle(); // the scan at start-up, on no cases
    await t.database.db.transaction().execute(async (trx) => {
      await trx.insertInto('line_list_cases').values(background.slice(0, 150)).execute();
      await trx.insertInto('line_list_cases').values(background.slice(150)).execute();
    });
    const baseline = await t.app.zoneScanner.runNow();
    if (baseline.skipped) throw new Error('expected a scan');
    expect(baseline.alerts).toEqual([]); // an even background is no cluster

    const authority = await createStaff(t, 'authority');
    const alerts = await connectSse(`${base}/alerts/stream`, { headers: authority.auth });
    streams.push(alerts);
    expect(alerts.status).toBe(200);

    // Ten residents who were in the same area report symptoms today, over HTTP.
    const [lat, lng] = cellToLatLng(AREA);
    expect(cellToParent(latLngToCell(lat, lng, 10), 8)).toBe(AREA);
    const residents: AppUser[] = [];
    for (let i = 0; i < 10; i++) {
      const resident = await registerUser(t.app, { name: `Resident ${i}`, contact_info: `resident${i}@example.org` });
      residents.push(resident);
      const where = { lat: lat + (i - 5) * 0.0002, lng: lng + (i % 3) * 0.0002 };
      const upload = await fetch(`${base}/interactions`, {
        method: 'POST',
        headers: { ...resident.auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          interactions: [
            {
              id: randomUUID(),
              kind: 'location',
              lat: where.lat,
              lng: where.lng,
              accuracy_m: 10,
              started_at: minutesAgo(180 + i),
              ended_at: minutesAgo(60),
            },
          ],
        }),
      });
      expect(upload.status).toBe(200);
      const report = await fetch(`${base}/symptoms`, {
        method: 'POST',
        headers: { ...resident.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ symptom: 'fever', date: today() }),
      });
      expect(report.status).toBe(201);
    }

    // The authority's stream gets the alert: a cluster in that area, today.
    const event = await alerts.waitFor((e) => e.event === 'alert', 30_000);
    expect(event.id).toBe('1');
    const alert = JSON.parse(event.data);
    expect(alert).toMatchObject({
      seq: 1,
      kind: 'cluster',
      cluster: { centre_cell: AREA, start_date: today(), end_date: today(), resolution: 8 },
    });
    expect(alert.cluster.cells).toContain(AREA);
    expect(alert.cluster.observed).toBeGreaterThanOrEqual(5);
    expect(alert.cluster.recurrence_interval_days).toBeGreaterThanOrEqual(100);
    for (const resident of residents) expect(event.data).not.toContain(resident.id);

    // Both receivers get it, signed; the one that failed first gets it on the retry.
    await until(() => steady.received.length >= 1 && flaky.received.length >= 2, 'both webhook deliveries');
    const delivered = steady.received[0]!;
    expect(verify(delivered)).toEqual({ ok: true });
    expect(JSON.parse(delivered.body)).toEqual({ type: 'cluster_alert', alert });
    expect(delivered.headers['content-type']).toBe('application/json');
    expect(flaky.received.map((r) => r.status)).toEqual([503, 200]);
    const [refused, retried] = flaky.received;
    expect(verify(retried!)).toEqual({ ok: true });
    expect(retried!.body).toBe(refused!.body);
    expect(retried!.headers['x-epitrace-delivery']).toBe(refused!.headers['x-epitrace-delivery']);
    expect(retried!.at - refused!.at).toBeGreaterThanOrEqual(90); // backoff: at least half the 200 ms base
    // A tampered body does not verify.
    expect(
      verifyWebhook(
        SECRET,
        {
          signature: delivered.headers['x-epitrace-signature'] as string,
          timestamp: delivered.headers['x-epitrace-timestamp'] as string,
        },
        delivered.body.replace(AREA, '8800000000fffff'),
        Math.floor(Date.now() / 1000),
      ).ok,
    ).toBe(false);

    // The alert is listed with both deliveries done.
    await until(async () => {
      const listed = await fetch(`${base}/alerts`, { headers: authority.auth }).then((r) => r.json());
      return listed.alerts[0]?.webhooks.delivered === 2;
    }, 'the deliveries to be recorded');

    // More cases in the same area: the scan runs again, finds the same cluster, raises nothing new.
    const scansBefore = t.app.zoneScanner.completedScans;
    const late = await registerUser(t.app);
    await fetch(`${base}/interactions`, {
      method: 'POST',
      headers: { ...late.auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        interactions: [
          {
            id: randomUUID(),
            kind: 'location',
            lat,
            lng,
            accuracy_m: 10,
            started_at: minutesAgo(100),
            ended_at: minutesAgo(50),
          },
        ],
      }),
    });
    const lateReport = await fetch(`${base}/symptoms`, {
      method: 'POST',
      headers: { ...late.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ symptom: 'cough', date: today() }),
    });
    expect(lateReport.status).toBe(201);
    await t.app.traceWorker.idle();
    await until(() => t.app.zoneScanner.completedScans > scansBefore, 'the scan to run again');
    await t.app.zoneScanner.idle();
    const zones = await fetch(`${base}/zones?significant_only=true`, { headers: authority.auth }).then((r) => r.json());
    expect(zones.clusters[0]).toMatchObject({ centre_cell: AREA, cluster_id: alert.cluster.id, alert_id: alert.id });
    expect(zones.scan.total_cases).toBe(266 + 11);
    expect(alerts.events.filter((e) => e.event === 'alert')).toHaveLength(1);
    expect(await t.database.db.selectFrom('alerts').selectAll().execute()).toHaveLength(1);
    expect(steady.received).toHaveLength(1);
    expect(flaky.received).toHaveLength(2);
  });
});
