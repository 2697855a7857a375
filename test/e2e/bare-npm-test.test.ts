/**
 * README promises that a bare `npm test` (no DATABASE_URL, REDIS_URL or CI) passes. The suites that need PostgreSQL
 * or Redis are run here without them: every file must pass, and every suite that could not run must say why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/server-process.js';

interface VitestJson {
  success: boolean;
  numFailedTests: number;
  numFailedTestSuites: number;
  testResults: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ fullName: string; status: string }>;
  }>;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Test files that gate on a service: they call needs() or read REDIS_URL themselves. */
const gatedFiles = testFiles(join(PROJECT_ROOT, 'test'))
  .filter((file) => !file.endsWith('bare-npm-test.test.ts'))
  .filter((file) => /\bneeds\(|\btestRedisUrl\(/.test(readFileSync(file, 'utf8')))
  .map((file) => relative(PROJECT_ROOT, file));

describe('a bare npm test, with no services configured', () => {
  it('passes the suites that need PostgreSQL or Redis, which skip and say why', () => {
    expect(gatedFiles.length).toBeGreaterThan(3);
    const out = mkdtempSync(join(tmpdir(), 'epitrace-bare-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const name of [
        'DATABASE_URL',
        'REDIS_URL',
        'CI',
        'VITEST',
        'VITEST_POOL_ID',
        'VITEST_WORKER_ID',
        'NODE_ENV',
      ])
        delete env[name];
      const run = spawnSync(
        process.execPath,
        [
          'node_modules/vitest/vitest.mjs',
          'run',
          ...gatedFiles,
          '--reporter=json',
          `--outputFile.json=${join(out, 'result.json')}`,
        ],
        { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 600_000 },
      );
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as VitestJson;
      const failures = result.testResults
        .filter((file) => file.status !== 'passed')
        .map(
          (file) =>
            `${relative(PROJECT_ROOT, file.name)}: ${
              file.message ??
              file.assertionResults
                .filter((t) => t.status === 'failed')
                .map((t) => t.fullName)
                .join('; ')
            }`,
        );
      expect(failures).toEqual([]);
      expect(run.status, run.stderr).toBe(0);
      expect(result.testResults.map((file) => relative(PROJECT_ROOT, file.name)).sort()).toEqual(
        [...gatedFiles].sort(),
      );
      const skipped = result.testResults.flatMap((file) =>
        file.assertionResults.filter((t) => t.status === 'skipped' || t.status === 'pending'),
      );
      expect(skipped.length).toBeGreaterThan(0);
      for (const test of skipped)
        expect(test.fullName).toMatch(/\(skipped: (DATABASE_URL|REDIS_URL)( and REDIS_URL)? not set\)/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 600_000);
});
