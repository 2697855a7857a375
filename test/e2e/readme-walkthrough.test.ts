import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';

interface Run {
  readonly answers: Array<Record<string, unknown>>;
  readonly ada: { id: string; token: string; name: string; contact_info: string };
  readonly grace: { id: string; token: string; name: string; contact_info: string };
}

/** The README's curl walk-through, run as written, twice in a row, against one real server started like `npm start`. */
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

  function walkThrough(): Run {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme)?.[1];
    expect(block, 'README walk-through block').toBeDefined();
    const script = block!.replaceAll('http://localhost:8080', server.baseUrl);
    const output = execFileSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: workDir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    // Every answer ends with a newline: one JSON document per line, nothing glued together.
    expect(output.endsWith('\n')).toBe(true);
    const answers = output
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const read = (file: string) => JSON.parse(readFileSync(join(workDir, file), 'utf8'));
    return { answers, ada: read('ada.json'), grace: read('grace.json') };
  }

  async function casesOf(token: string): Promise<Array<{ id: string; status: string }>> {
    const response = await fetch(`${server.baseUrl}/cases`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { cases: Array<{ id: string; status: string }> }).cases;
  }

  async function expectRun(run: Run): Promise<void> {
    const { answers, ada, grace } = run;
    expect(ada).toMatchObject({ name: 'Ada Lovelace', contact_info: '+44 20 7946 0000' });
    expect(grace).toMatchObject({ name: 'Grace Hopper', contact_info: '+1 202 555 0100' });
    expect(ada.token).toMatch(/^ept_/);
    expect(grace.token).toMatch(/^ept_/);
    expect(answers).toHaveLength(7);

    // biome-ignore lint/suspicious/noExplicitAny: the answers are whatever JSON the server sent
    const [adaUpload, graceUpload, adaPage, problem, symptom, risks, notifications] = answers as any[];
    expect(adaUpload).toMatchObject({
      created: 1,
      duplicates: 0,
      interactions: [{ kind: 'location', user_id: ada.id }],
    });
    expect(adaUpload.interactions[0].location).toMatch(/^[0-9a-f]{15}$/);
    expect(graceUpload).toMatchObject({ created: 1, duplicates: 0, interactions: [{ user_id: grace.id }] });
    expect(graceUpload.interactions[0].location).toBe(adaUpload.interactions[0].location);
    expect(adaPage).toMatchObject({ next_cursor: null, interactions: [{ id: adaUpload.interactions[0].id }] });
    expect(problem).toMatchObject({ status: 400, detail: 'body/date may not be in the future' });
    expect(symptom).toMatchObject({ user_id: ada.id, symptom: 'fever' });

    // The contact was found: Grace's stay has a risk from Ada's case, this run's, not an earlier run's.
    const [adaCase] = await casesOf(ada.token);
    expect(adaCase).toMatchObject({ status: 'self_reported' });
    expect(risks.next_cursor).toBeNull();
    expect(risks.exposure_risks).toEqual([
      expect.objectContaining({
        interaction_id: graceUpload.interactions[0].id,
        case_id: adaCase!.id,
        proximity_bucket: 'gps_colocation',
        report_type: 'self_reported',
      }),
    ]);
    expect(risks.exposure_risks[0].risk_level).toBeGreaterThan(0);

    // ...and notified: the walk-through ends with Grace's exposure notification, in plain words. (Two hours
    // together are 30 weighted minutes: high. Run just after midnight, the stay spans two days, each notified, and
    // at least one of them holds an hour or more: high.)
    const received = notifications.notifications as Array<{
      kind: string;
      tier: string;
      title: string;
      details: object;
    }>;
    expect(received.length).toBeGreaterThanOrEqual(1);
    for (const notification of received) {
      expect(notification).toMatchObject({ kind: 'exposure', acked_at: null, details: { contact_kind: 'gps' } });
      expect(notification.title).toMatch(/risk: you were exposed on /);
    }
    expect(received.some((notification) => notification.tier === 'high')).toBe(true);
  }

  it('works as written, twice in a row against the same server, and ends with the contact notified', async () => {
    const first = walkThrough();
    await expectRun(first);
    const second = walkThrough();
    await expectRun(second);
    // The second run made people and interactions of its own.
    expect(second.ada.id).not.toBe(first.ada.id);
    expect(second.grace.id).not.toBe(first.grace.id);
    const stayId = (run: Run) => (run.answers[1] as { interactions: Array<{ id: string }> }).interactions[0]!.id;
    expect(stayId(second)).not.toBe(stayId(first));
  });
});
