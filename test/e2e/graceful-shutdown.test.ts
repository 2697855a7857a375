import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

describe('graceful shutdown', () => {
  const dirs: string[] = [];
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes the request in flight, refuses new connections and exits 0; the write is kept', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-shutdown-'));
    dirs.push(dataDir);
    server = await startServer({ DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const registration = await (
      await fetch(`${server.baseUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json();
    const auth = { authorization: `Bearer ${registration.token}`, 'content-type': 'application/json' };
    const now = Date.now();
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      id: randomUUID(),
      kind: 'location',
      lat: 48.85 + i * 1e-5,
      lng: 2.35,
      started_at: new Date(now - 3_600_000).toISOString(),
      ended_at: new Date(now - 60_000).toISOString(),
    }));
    const marker = server.output().length;
    const inFlight = fetch(`${server.baseUrl}/interactions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ interactions: batch }),
    });
    // Signal as soon as the server has started handling the upload.
    while (!server.output().slice(marker).includes('"url":"/interactions"')) await new Promise((r) => setTimeout(r, 5));
    const exit = server.stop('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect((await response.json()).created).toBe(1000);
    expect(await exit).toBe(0);
    expect(server.output()).toContain('shutting down');
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();

    // Restarted on the same data directory, the upload is all there.
    server = await startServer({ DATA_DIR: dataDir });
    const page = await (
      await fetch(`${server.baseUrl}/interactions?user_id=${registration.id}&limit=500`, { headers: auth })
    ).json();
    expect(page.interactions).toHaveLength(500);
    expect(page.next_cursor).not.toBeNull();
  });
});
