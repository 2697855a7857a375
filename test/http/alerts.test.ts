import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellToChildren, gridDisk, latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { verifyWebhook } from '../../src/modules/alerts/model.js';
import { addDays } from '../../src/platform/time/calendar.js';
import {
  createPostgresSchema,
  dropPostgresSchema,
  openDatabase,
  sqliteFileIn,
  type DatabaseHandle,
  type DialectName,
} from '../../src/platform/db/connect.js';
import type { Database } from '../../src/platform/db/tables.js';
import type { Kysely } from 'kysely';
import { createStaff, expectProblem, registerUser, type AppUser, type StaffUser } from '../helpers/actors.js';
import { postgresUrl, testDialects } from '../helpers/dialects.js';
import { connectSse, type SseConnection } from '../helpers/sse-client.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const SECRET = randomBytes(32).toString('hex');
const today = () => new Date().toISOString().slice(0, 10);
const CENTRE = latLngToCell(48.8566, 2.3522, 8);
/** Places far apart (more than 6 rings at resolution 8), so each burst is its own cluster. */
const PLACES = [
  latLngToCell(48.95, 2.6, 8),
  latLngToCell(48.6, 2.0, 8),
  latLngToCell(48.7, 2.9, 8),
  latLngToCell(49.1, 2.2, 8),
];

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

/** A webhook receiver on 127.0.0.1 answering with `answer(n)` (n = 1 for the first request); `hold` never answers. */
async function receiver(answer: (n: number) => number | 'hold' = () => 200): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
  setAnswer(f: (n: number) => number | 'hold'): void;
}> {
  const received: Received[] = [];
  let decide = answer;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const status = decide(received.length + 1);
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status: status === 'hold' ? 0 : status,
      });
      if (status !== 'hold') response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/epitrace`,
    received,
    setAnswer: (f) => {
      decide = f;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Background cases (no cluster) plus a burst of `n` cases today at each of `places`. */
async function seedClusters(db: Kysely<Database>, places: readonly string[], n = 9): Promise<void> {
  const cases: Array<{ cell: string; report_date: string }> = [];
  for (const cell of gridDisk(CENTRE, 2))
    for (let d = 0; d < 14; d++) cases.push({ cell, report_date: addDays(today(), -d) });
  for (const place of places) for (let i = 0; i < n; i++) cases.push({ cell: place, report_date: today() });
  const rows = cases.map((c) => ({
    id: randomUUID(),
    external_id: null,
    onset_date: null,
    report_date: c.report_date,
    cell: cellToChildren(c.cell, 10)[0]!,
    lat: null,
    lng: null,
    infector_external_id: null,
    imported_at: Date.now(),
    imported_by: null,
  }));
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('line_list_cases')
      .values(rows.slice(i, i + 200))
      .execute();
}

const deliveries = (db: Kysely<Database>) =>
  db.selectFrom('webhook_deliveries').selectAll().orderBy('created_at').orderBy('url').execute();

describe.each(testDialects())('alerts on %s', (dialect) => {
  let t: TestApp;
  let base: string;
  let authority: StaffUser;
  let professional: StaffUser;
  let admin: StaffUser;
  let user: AppUser;
  let hook: Awaited<ReturnType<typeof receiver>>;
  const streams: SseConnection[] = [];

  beforeAll(async () => {
    hook = await receiver();
    t = await buildTestApp(dialect, {
      SCAN_DEBOUNCE_MS: '3600000',
      WEBHOOK_URLS: hook.url,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_RETRY_BASE_MS: '50',
    });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    authority = await createStaff(t, 'authority');
    professional = await createStaff(t, 'health_professional');
    admin = await createStaff(t, 'admin');
    user = await registerUser(t.app);
    await seedClusters(t.database.db, PLACES.slice(0, 3));
    const outcome = await t.app.zoneScanner.runNow();
    if (outcome.skipped) throw new Error('expected a scan');
    expect(outcome.alerts).toHaveLength(3);
  });
  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await t.close();
    await hook.close();
  });

  const list = (headers: Record<string, string>, query = '') =>
    t.app.inject({ method: 'GET', url: `/alerts${query}`, headers });
  const stream = async (headers: Record<string, string>, lastEventId?: string | number) => {
    const connection = await connectSse(`${base}/alerts/stream`, {
      headers,
      ...(lastEventId === undefined ? {} : { lastEventId }),
    });
    streams.push(connection);
    return connection;
  };

  it('GET /alerts lists the alerts newest first with their webhook deliveries, page by page; cells, counts, dates only', async () => {
    await until(async () => (await deliveries(t.database.db)).every((d) => d.state === 'delivered'));
    const response = await list(authority.auth);
    expect(response.statusCode).toBe(200);
    const { alerts, next_cursor } = response.json();
    expect(next_cursor).toBeNull();
    expect(alerts.map((a: { seq: number }) => a.seq)).toEqual([3, 2, 1]);
    expect(new Set(alerts.map((a: { cluster: { centre_cell: string } }) => a.cluster.centre_cell))).toEqual(
      new Set(PLACES.slice(0, 3)),
    );
    const first = alerts[2];
    expect(Object.keys(first).sort()).toEqual([
      'cluster',
      'id',
      'kind',
      'raised_at',
      'scan',
      'seq',
      'title',
      'webhooks',
    ]);
    expect(Object.keys(first.cluster).sort()).toEqual(
      [
        'cells',
        'centre',
        'centre_cell',
        'duration_days',
        'end_date',
        'expected',
        'id',
        'llr',
        'observed',
        'observed_over_expected',
        'p_value',
        'radius_rings',
        'recurrence_interval_days',
        'relative_risk',
        'resolution',
        'start_date',
      ].sort(),
    );
    expect(first).toMatchObject({
      kind: 'cluster',
      webhooks: { delivered: 1, pending: 0, failed: 0 },
      cluster: { observed: 9, start_date: today(), end_date: today(), p_value: 0.001, recurrence_interval_days: 1000 },
    });
    expect(first.title).toMatch(
      /^Cluster of 9 cases in one area \(H3 cell [0-9a-f]{15}\) on \d{4}-\d{2}-\d{2}: [\d.]+ times the [\d.]+ expected; recurrence interval 1000 days$/,
    );
    const page1 = (await list(authority.auth, '?limit=2')).json();
    expect(page1.alerts.map((a: { seq: number }) => a.seq)).toEqual([3, 2]);
    const page2 = (await list(authority.auth, `?limit=2&cursor=${page1.next_cursor}`)).json();
    expect(page2).toMatchObject({ next_cursor: null });
    expect(page2.alerts.map((a: { seq: number }) => a.seq)).toEqual([1]);
    expect(
      (await list(authority.auth, `?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).json()
        .alerts,
    ).toEqual([]);

    // Each alert went to the webhook once, signed.
    expect(hook.received).toHaveLength(3);
    for (const request of hook.received) {
      const verdict = verifyWebhook(
        SECRET,
        {
          signature: request.headers['x-epitrace-signature'] as string,
          timestamp: request.headers['x-epitrace-timestamp'] as string,
        },
        request.body,
        Math.floor(Date.now() / 1000),
      );
      expect(verdict).toEqual({ ok: true });
      const body = JSON.parse(request.body);
      expect(body.type).toBe('cluster_alert');
      expect(alerts.map((a: { id: string }) => a.id)).toContain(body.alert.id);
    }
  });

  it('GET /alerts/stream replays after Last-Event-ID and then delivers new alerts live', async () => {
    const fresh = await stream(authority.auth);
    expect(fresh.status).toBe(200);
    const replayed = await fresh.waitForCount(3);
    expect(replayed.map((e) => [e.id, e.event])).toEqual([
      ['1', 'alert'],
      ['2', 'alert'],
      ['3', 'alert'],
    ]);
    const resumed = await stream(authority.auth, 2);
    const [onlyMissed] = await resumed.waitForCount(1);
    expect(onlyMissed!.id).toBe('3');

    await seedClusters(t.database.db, [PLACES[3]!], 9);
    const outcome = await t.app.zoneScanner.runNow();
    if (outcome.skipped) throw new Error('expected a scan');
    expect(outcome.alerts.map((a) => a.seq)).toEqual([4]);
    const live = await resumed.waitFor((e) => e.id === '4');
    expect(JSON.parse(live.data)).toMatchObject({ seq: 4, kind: 'cluster', cluster: { centre_cell: PLACES[3] } });
    await fresh.waitFor((e) => e.id === '4');
    expect(resumed.events.map((e) => e.id)).toEqual(['3', '4']);
  });

  it('is for authorities only; bad input is a 400', async () => {
    expectProblem(await list(professional.auth), 403);
    expectProblem(await list(admin.auth), 403);
    expectProblem(await list(user.auth), 403);
    expectProblem(await list({}), 401);
    expectProblem(await list({ authorization: 'Bearer nope' }), 401);
    expectProblem(await list(authority.auth, '?cursor=bm9wZQ'), 400);
    expectProblem(await list(authority.auth, '?limit=0'), 400);
    expectProblem(await list(authority.auth, '?since=last-week'), 400);
    expectProblem(await list(authority.auth, '?centre=x'), 400);
    for (const [headers, status] of [
      [professional.auth, 403],
      [admin.auth, 403],
      [user.auth, 403],
      [{}, 401],
    ] as const) {
      const connection = await stream(headers);
      expect(connection.status).toBe(status);
      expect(JSON.parse(connection.body).status).toBe(status);
    }
    const bad = await stream(authority.auth, 'abc');
    expect(bad.status).toBe(400);
  });
});

describe.each(testDialects())('webhook deliveries survive a restart on %s', (dialect: DialectName) => {
  let dataDir: string;
  let schema: string | undefined;
  const open = (): DatabaseHandle =>
    dialect === 'postgres'
      ? openDatabase({ dialect: 'postgres', databaseUrl: postgresUrl(), schema: schema!, poolSize: 4 })
      : openDatabase({ dialect: 'sqlite', sqliteFile: sqliteFileIn(dataDir) });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'epitrace-webhooks-'));
    if (dialect === 'postgres') {
      schema = `t_${randomUUID().replaceAll('-', '')}`;
      await createPostgresSchema(postgresUrl(), schema);
    }
  });
  afterAll(async () => {
    if (schema !== undefined) await dropPostgresSchema(postgresUrl(), schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a delivery pending in the outbox when the process stops is sent by the next process on the same database', async () => {
    const failing = await receiver(() => 503); // answers 503 until told otherwise
    const hanging = await receiver(() => 'hold'); // never answers: the attempt is in flight at shutdown
    const env = {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ENCRYPTION_KEYS: `test1:${randomBytes(32).toString('base64')}`,
      TOKEN_SECRET: randomBytes(32).toString('hex'),
      SCAN_DEBOUNCE_MS: '3600000',
      WEBHOOK_URLS: `${failing.url},${hanging.url}`,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_RETRY_BASE_MS: '2000',
      WEBHOOK_TIMEOUT_MS: '60000',
    };
    const first = await buildApp(loadConfig(env), { database: open(), logger: false });
    await first.ready();
    const handle = open();
    await seedClusters(handle.db, [PLACES[0]!]);
    await handle.close();
    await first.zoneScanner.runNow();
    await until(() => failing.received.length === 1 && hanging.received.length === 1);
    await first.close(); // the failed delivery waits for its retry; the one in flight is cut short

    const check = open();
    const pending = await deliveries(check.db);
    await check.close();
    expect(pending.map((d) => [d.url, d.state, d.attempts, d.last_status, d.last_error])).toEqual(
      [
        [failing.url, 'pending', 1, 503, 'HTTP 503'],
        [hanging.url, 'pending', 1, null, 'interrupted by shutdown'],
      ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    );

    failing.setAnswer(() => 200);
    hanging.setAnswer(() => 200);
    const second = await buildApp(loadConfig(env), { database: open(), logger: false });
    await second.ready();
    try {
      await until(() => failing.received.length === 2 && hanging.received.length === 2);
      const database = open();
      await until(async () => (await deliveries(database.db)).every((d) => d.state === 'delivered'));
      const done = await deliveries(database.db);
      await database.close();
      expect(done.map((d) => d.attempts).sort()).toEqual([2, 2]);
      for (const target of [failing, hanging]) {
        const [before, after] = target.received;
        expect(after!.headers['x-epitrace-delivery']).toBe(before!.headers['x-epitrace-delivery']);
        expect(after!.body).toBe(before!.body);
        const verdict = verifyWebhook(
          SECRET,
          {
            signature: after!.headers['x-epitrace-signature'] as string,
            timestamp: after!.headers['x-epitrace-timestamp'] as string,
          },
          after!.body,
          Math.floor(Date.now() / 1000),
        );
        expect(verdict).toEqual({ ok: true });
      }
    } finally {
      await second.close();
      await failing.close();
      await hanging.close();
    }
  });
});
