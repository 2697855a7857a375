import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';

/** The `epitrace` command runs the same code as the server: migrate, create staff, then log in over HTTP. */
describe('epitrace CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-cli-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['bin/epitrace.js', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...env },
      encoding: 'utf8',
    });

  it('migrates, creates a staff account that can log in, and refuses bad input with a clear message', async () => {
    const migrated = cli(['migrate']);
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('migrations applied');
    expect(cli(['migrate']).stdout).toContain('already up to date');

    const created = cli([
      'admin',
      'create-staff',
      '--role',
      'authority',
      '--username',
      'dr.snow',
      '--password',
      'a long enough passphrase',
    ]);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toContain('staff account created');
    // The embedded setup's secrets were generated once, readable by the owner only.
    for (const file of ['encryption.key', 'token.secret'])
      expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);

    const duplicate = cli([
      'admin',
      'create-staff',
      '--role',
      'authority',
      '--username',
      'dr.snow',
      '--password',
      'a long enough passphrase',
    ]);
    expect(duplicate.status).toBe(1);
    expect(duplicate.stderr).toContain('username "dr.snow" is taken');
    const badRole = cli([
      'admin',
      'create-staff',
      '--role',
      'mayor',
      '--username',
      'x.y',
      '--password',
      'a long enough passphrase',
    ]);
    expect(badRole.status).toBe(64);
    expect(badRole.stderr).toContain('--role');
    const unknown = cli(['frobnicate']);
    expect(unknown.status).toBe(64);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badConfig = cli(['migrate'], { PORT: 'eighty' });
    expect(badConfig.status).toBe(2);
    expect(badConfig.stderr).toContain('PORT must be an integer');

    server = await startServer({ DATA_DIR: dataDir });
    const login = await fetch(`${server.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dr.snow', password: 'a long enough passphrase' }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ role: 'authority', token_type: 'Bearer' });
  }, 180_000); // eight processes, each starting TypeScript and some hashing a password
});
