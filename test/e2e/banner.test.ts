import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, waitUntil, type ServerProcess } from '../helpers/server-process.js';

/** `npm start` as a person sees it: a banner (forced on here: standard output is a pipe) and readable logs. */
describe('starting the server for a person', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-banner-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the banner with the real port, where the data is, and that no staff account exists yet', async () => {
    server = await startServer({ DATA_DIR: dataDir, BANNER: 'on', LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
    const port = new URL(server.baseUrl).port;
    // Printed once the server listens and has counted the staff accounts.
    const started = server;
    expect(await waitUntil(() => started.output().includes('Press Ctrl-C to stop.'), 10_000)).toBe(true);
    const output = server.output();
    expect(output).toContain(`App for residents     http://127.0.0.1:${port}/app/`);
    expect(output).toContain(`Dashboard for staff   http://127.0.0.1:${port}/dashboard/`);
    expect(output).toContain(`API documentation     http://127.0.0.1:${port}/docs`);
    expect(output).toContain(`SQLite database ${join(dataDir, 'epitrace.sqlite')}`);
    expect(output).toContain('No staff account exists yet.');
    expect(output).toContain('npx epitrace admin create-staff --role admin --username <name>');
    // Pretty logs: a line for people, not a JSON object.
    expect(output).toMatch(/INFO.*Server listening at/);
    expect(output.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
    expect(await server.stop()).toBe(0);
  });

  it('prints no banner into a pipe unless asked, and logs JSON there', async () => {
    server = await startServer({ DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const output = server.output();
    expect(output).not.toContain('App for residents');
    const first = output.split('\n')[0]!;
    expect(JSON.parse(first)).toMatchObject({ level: 30 });
    expect(await server.stop()).toBe(0);
  });
});
