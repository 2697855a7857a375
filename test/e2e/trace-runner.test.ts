import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSchema, dropPostgresSchema } from '../../src/platform/db/connect.js';
import { needs, postgresUrl, testDialects, testRedisUrl } from '../helpers/dialects.js';
import {
  gpsStay,
  logLinesOf,
  postJson,
  registerWith,
  startServer,
  waitUntil,
  type ServerProcess,
} from '../helpers/server-process.js';
import { connectSse, type SseConnection } from '../helpers/sse-client.js';

const today = () => new Date().toISOString().slice(0, 10);

interface LogLine {
  pid: number;
  msg: string;
  job?: string;
  role?: string;
  worker?: number;
}

/**
 * `serve --workers 2` with TRACE_JOBS=runners: two server processes leave every trace job to a third, the trace runner.
 */
const redis = needs({ redis: true });
describe.skipIf(redis.skip).each(testDialects())(
  redis.title('serve --workers 2 with TRACE_JOBS=runners on %s'),
  (dialect) => {
    const schema = `tr_${randomUUID().replaceAll('-', '')}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-runner-'));
    let server: ServerProcess;
    const streams: SseConnection[] = [];
    beforeAll(async () => {
      if (dialect === 'postgres') await createPostgresSchema(postgresUrl(), schema);
      server = await startServer(
        {
          ...(dialect === 'postgres' ? { DATABASE_URL: postgresUrl(), DATABASE_SCHEMA: schema } : {}),
          REDIS_URL: testRedisUrl()!,
          ENCRYPTION_KEYS: `tr1:${randomBytes(32).toString('base64')}`,
          TOKEN_SECRET: randomBytes(32).toString('hex'),
          JOB_LEASE_SECONDS: '2',
          DATA_DIR: dataDir,
          LOG_LEVEL: 'info',
          TRACE_JOBS: 'runners',
        },
        ['serve', '--workers', '2'],
      );
    });
    afterAll(async () => {
      await Promise.all(streams.map((s) => s.close()));
      await server?.stop('SIGTERM');
      if (dialect === 'postgres') await dropPostgresSchema(postgresUrl(), schema);
      rmSync(dataDir, { recursive: true, force: true });
    });

    const logLines = () => logLinesOf<LogLine>(server);
    const runnerPids = () =>
      logLines()
        .filter((l) => l.msg.startsWith('trace runner ready'))
        .map((l) => l.pid);
    const streamOf = async (token: string) => {
      const stream = await connectSse(`${server.baseUrl}/notifications/stream`, {
        headers: { authorization: `Bearer ${token}` },
      });
      streams.push(stream);
      expect(stream.status).toBe(200);
      return stream;
    };
    /** A future source and a contact who stayed 2 m from them for `minutes`, the contact's notification stream open. */
    const sourceAndContact = async (lat: number, start: number, minutes: number) => {
      const source = await registerWith(server);
      const contact = await registerWith(server);
      expect(
        (await postJson(server, '/interactions', source.token, { interactions: [gpsStay(lat, start, minutes)] }))
          .status,
      ).toBe(200);
      expect(
        (
          await postJson(server, '/interactions', contact.token, {
            interactions: [gpsStay(lat + 0.00002, start, minutes)],
          })
        ).status,
      ).toBe(200);
      return { source, stream: await streamOf(contact.token) };
    };

    it('a report and a later upload are traced by the runner alone, and their contacts are notified', async () => {
      expect(await waitUntil(() => runnerPids().length === 1, 30_000)).toBe(true);
      const [runner] = runnerPids();
      const start = Date.now() - 3 * 3_600_000;
      const { source, stream: contactStream } = await sourceAndContact(48.8566, start, 60);
      const late = await registerWith(server);
      const lateStream = await streamOf(late.token);

      expect((await postJson(server, '/symptoms', source.token, { symptom: 'fever', date: today() })).status).toBe(201);
      const event = await contactStream.waitFor((e) => e.event === 'notification', 20_000);
      expect(JSON.parse(event.data)).toMatchObject({ tier: 'high', seq: 1 }); // 60 min × 0.5 × 0.5 = 15

      // Uploaded after the trace: its match job, too, goes to the runner.
      expect(
        (await postJson(server, '/interactions', late.token, { interactions: [gpsStay(48.85661, start, 60)] })).status,
      ).toBe(200);
      const lateEvent = await lateStream.waitFor((e) => e.event === 'notification', 20_000);
      expect(JSON.parse(lateEvent.data)).toMatchObject({ tier: 'high' });

      // A trace logs its end after the risks it writes once the notifications are out, and the runner's log reaches
      // this process later still: wait for the lines, then check them.
      const done = () => logLines().filter((l) => l.msg === 'trace job done');
      await waitUntil(() => new Set(done().map((l) => l.job)).size === 2, 10_000);
      expect(
        done()
          .map((l) => l.job)
          .sort(),
      ).toEqual(expect.arrayContaining(['match_upload', 'trace_case']));
      expect(new Set(done().map((l) => l.pid))).toEqual(new Set([runner]));
    });

    it('a runner that dies is replaced, and the replacement runs the jobs written meanwhile', async () => {
      const [runner] = runnerPids();
      process.kill(runner!, 'SIGKILL');
      const { source, stream } = await sourceAndContact(48.87, Date.now() - 6 * 3_600_000, 40);
      expect((await postJson(server, '/symptoms', source.token, { symptom: 'cough', date: today() })).status).toBe(201);
      const event = await stream.waitFor((e) => e.event === 'notification', 30_000);
      expect(JSON.parse(event.data)).toMatchObject({ tier: 'medium' }); // 40 min × 0.5 × 0.5 = 10
      // The notification can come before the runner's log lines do (the case carries its window from the report, so the
      // contact's upload, matched first, may notify before the trace job is done).
      const doneElsewhere = () => logLines().filter((l) => l.msg === 'trace job done' && l.pid !== runner);
      expect(await waitUntil(() => doneElsewhere().some((l) => l.job === 'trace_case'), 20_000)).toBe(true);
      const replacement = runnerPids().filter((pid) => pid !== runner);
      expect(replacement).toHaveLength(1);
      expect(
        logLines().some((l) => l.msg.startsWith('worker died') && l.role === 'trace-runner' && l.worker === runner),
      ).toBe(true);
      expect(new Set(doneElsewhere().map((l) => l.pid))).toEqual(new Set(replacement));
    });
  },
);
