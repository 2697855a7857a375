/**
 * The rules that keep the tree in shape run in `npm test`: Biome (format and lint, biome.jsonc) over the whole tree,
 * and dependency-cruiser's layering rules (.dependency-cruiser.cjs) over src/. Each rule is also shown to catch a
 * deliberate violation in a scratch tree, so a rule that silently stopped matching would fail here too.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/server-process.js';

const BIN = join(PROJECT_ROOT, 'node_modules', '.bin');
const DEPCRUISE_CONFIG = join(PROJECT_ROOT, '.dependency-cruiser.cjs');

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(join(BIN, command), args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function scratchTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'epitrace-rules-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  scratch.push(root);
  return root;
}

const scratch: string[] = [];
afterAll(() => {
  for (const root of scratch) rmSync(root, { recursive: true, force: true });
});

const TSCONFIG = JSON.stringify({
  compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
});

describe('code rules', () => {
  it('the whole tree is formatted and lint-clean (npx biome check --write fixes most of it)', () => {
    const { status, output } = run('biome', ['check', '.', '--max-diagnostics=20'], PROJECT_ROOT);
    expect(status, output).toBe(0);
  });

  it('src/ keeps its layering: no cycle, platform imports no module, no module imports another one’s repository', () => {
    const { status, output } = run('depcruise', ['src', '--config', DEPCRUISE_CONFIG], PROJECT_ROOT);
    expect(status, output).toBe(0);
    expect(output).toContain('no dependency violations found');
  });

  it('Biome refuses a formatting error and a lint error', () => {
    const root = scratchTree({
      'src/bad.ts': 'export const a = {b:1}\nexport function f(x: unknown) { debugger; return x }\n',
    });
    copyFileSync(join(PROJECT_ROOT, 'biome.jsonc'), join(root, 'biome.jsonc'));
    const { status, output } = run('biome', ['check', '--vcs-enabled=false', '.'], root);
    expect(status).toBe(1);
    expect(output).toContain('lint/suspicious/noDebugger');
    expect(output).toMatch(/src\/bad\.ts format/);
  });

  it('dependency-cruiser refuses each broken layering rule', () => {
    const root = scratchTree({
      'tsconfig.json': TSCONFIG,
      'src/platform/http/plugin.ts':
        "import { listCases } from '../../modules/cases/service.js';\nexport const plugin = listCases;\n",
      'src/modules/cases/service.ts':
        "import { findRisks } from '../tracing/repository.js';\nexport const listCases = findRisks;\n",
      'src/modules/tracing/repository.ts': 'export const findRisks = () => [];\n',
      'src/modules/zones/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/modules/zones/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    const { status, output } = run('depcruise', ['src', '--config', DEPCRUISE_CONFIG], root);
    expect(status).not.toBe(0);
    expect(output).toMatch(
      /platform-imports-module: src\/platform\/http\/plugin\.ts → src\/modules\/cases\/service\.ts/,
    );
    expect(output).toMatch(
      /module-imports-other-repository: src\/modules\/cases\/service\.ts → src\/modules\/tracing\/repository\.ts/,
    );
    expect(output).toMatch(/no-cycle: src\/modules\/zones\/a\.ts → /);
  });
});
