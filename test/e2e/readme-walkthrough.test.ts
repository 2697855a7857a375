import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';

/** The README's curl walk-through, run as written against a real server started like `npm start`. */
describe('README walk-through', () => {
  let server: ServerProcess;
  let workDir: string;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'epitrace-readme-'));
    server = await startServer({ DATA_DIR: join(workDir, 'data') });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('works as written', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme)?.[1];
    expect(block, 'README walk-through block').toBeDefined();
    const script = block!.replaceAll('http://localhost:8080', server.baseUrl);
    const output = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: workDir, encoding: 'utf8' });

    const user = JSON.parse(readFileSync(join(workDir, 'user.json'), 'utf8'));
    expect(user).toMatchObject({ name: 'Ada Lovelace', contact_info: '+44 20 7946 0000' });
    expect(user.token).toMatch(/^ept_/);
    // The answers arrive one after another on stdout; split them at the boundaries between JSON documents.
    const answers = output
      .trim()
      .replaceAll('}{', '}\n{')
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answers).toHaveLength(5);
    expect(answers[0]).toMatchObject({
      created: 1,
      duplicates: 0,
      interactions: [{ id: '9b2f6c1e-4d3a-4e8b-a1f0-3c5d7e9a1b2c', kind: 'location' }],
    });
    expect(answers[0].interactions[0].location).toMatch(/^[0-9a-f]{15}$/);
    expect(answers[1]).toMatchObject({
      next_cursor: null,
      interactions: [{ id: '9b2f6c1e-4d3a-4e8b-a1f0-3c5d7e9a1b2c', user_id: user.id }],
    });
    expect(answers[2]).toMatchObject({ user_id: user.id, symptom: 'fever' });
    expect(answers[3]).toEqual({ exposure_risks: [], next_cursor: null });
    expect(answers[4]).toMatchObject({ status: 400, detail: 'body/date may not be in the future' });
  });
});
