import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema } from '../../src/platform/db/connect.js';
import { needs } from '../helpers/dialects.js';
import { gpsStay, postJson, registerWith, startServer, type ServerProcess } from '../helpers/server-process.js';
import { connectSse, type SseConnection } from '../helpers/sse-client.js';

const today = () => new Date().toISOString().slice(0, 10);

/** Two server processes sharing one PostgreSQL schema and one Redis, as on two machines. */
const services = needs({ postgres: true, redis: true });
describe.skipIf(services.skip)(services.title('several processes over PostgreSQL and Redis'), () => {
  const schema = `mp_${randomUUID().replaceAll('-', '')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-mp-'));
  const env = {
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_SCHEMA: schema,
    REDIS_URL: process.env.REDIS_URL!,
    ENCRYPTION_KEYS: `mp1:${randomBytes(32).toString('base64')}`,
    TOKEN_SECRET: randomBytes(32).toString('hex'),
    JOB_LEASE_SECONDS: '2',
    DATA_DIR: dataDir,
  };
  let a: ServerProcess;
  let b: ServerProcess;
  const streams: SseConnection[] = [];
  beforeAll(async () => {
    a = await startServer(env);
    b = await startServer(env);
  });
  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await a?.stop('SIGKILL');
    await b?.stop('SIGTERM');
    await dropPostgresSchema(process.env.DATABASE_URL!, schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a symptom reported through one process reaches a contact streaming from the other', async () => {
    const source = await registerWith(a);
    const contact = await registerWith(b);
    const start = Date.now() - 3 * 3_600_000;
    expect(
      (await postJson(a, '/interactions', source.token, { interactions: [gpsStay(48.8566, start, 60)] })).status,
    ).toBe(200);
    expect(
      (await postJson(b, '/interactions', contact.token, { interactions: [gpsStay(48.85662, start, 60)] })).status,
    ).toBe(200);
    const stream = await connectSse(`${b.baseUrl}/notifications/stream`, {
      headers: { authorization: `Bearer ${contact.token}` },
    });
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect((await postJson(a, '/symptoms', source.token, { symptom: 'fever', date: today() })).status).toBe(201);
    const event = await stream.waitFor((e) => e.event === 'notification', 20_000);
    expect(JSON.parse(event.data)).toMatchObject({ tier: 'high', seq: 1 }); // 60 min × 0.5 × 0.5 = 15
  });

  it('killing one process loses no acknowledged write and no notification: the survivor delivers them', async () => {
    const source = await registerWith(a);
    const contact = await registerWith(b);
    const start = Date.now() - 5 * 3_600_000;
    const acknowledged = await postJson(a, '/interactions', source.token, {
      interactions: [gpsStay(48.86, start, 40)],
    });
    expect(acknowledged.status).toBe(200);
    expect(
      (await postJson(b, '/interactions', contact.token, { interactions: [gpsStay(48.86002, start, 40)] })).status,
    ).toBe(200);
    const stream = await connectSse(`${b.baseUrl}/notifications/stream`, {
      headers: { authorization: `Bearer ${contact.token}` },
    });
    streams.push(stream);

    // Process A acknowledges the report, then dies at once: its trace job may not have run (or finished).
    const report = await postJson(a, '/symptoms', source.token, { symptom: 'cough', date: today() });
    expect(report.status).toBe(201);
    await a.stop('SIGKILL');

    // Process B's sweeper takes over the job (after its lease, if A had claimed it) and the contact is notified.
    const event = await stream.waitFor((e) => e.event === 'notification', 30_000);
    expect(JSON.parse(event.data)).toMatchObject({ tier: 'medium' }); // 40 min × 0.5 × 0.5 = 10
    // Everything A acknowledged is there, served by B.
    const listed = await fetch(`${b.baseUrl}/interactions?user_id=${source.id}`, {
      headers: { authorization: `Bearer ${source.token}` },
    });
    expect((await listed.json()).interactions.map((i: { id: string }) => i.id)).toEqual([
      acknowledged.body.interactions[0].id,
    ]);
    // Exactly one notification, whichever process traced.
    const list = await fetch(`${b.baseUrl}/notifications`, { headers: { authorization: `Bearer ${contact.token}` } });
    expect((await list.json()).notifications).toHaveLength(1);
  });
});
