import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../src/config/variables.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');

/** The page without its fenced code blocks (links and headings inside them are not links or headings). */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');

const anchorsOf = (text: string) =>
  new Set([...prose(text).matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1]!)));

/** Links and images to files of this repository: markdown `](target)` and HTML `src="target"`. */
function localTargets(text: string): string[] {
  const body = prose(text);
  const targets = [
    ...[...body.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!),
    ...[...body.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!),
  ];
  return targets.filter((target) => !/^[a-z]+:/.test(target));
}

const tableRow = (variable: (typeof VARIABLES)[number]) =>
  `| \`${variable.name}\` | ${variable.default === undefined ? '—' : `\`${variable.default}\``} | ${variable.description} |`;

describe('README and docs/', () => {
  it('docs/configuration.md has a row for every variable the server reads, with its default and meaning', () => {
    const page = read('docs/configuration.md');
    const missing = VARIABLES.filter((variable) => !page.includes(`${tableRow(variable)}\n`)).map(tableRow);
    expect(missing, 'rows to put in docs/configuration.md (from src/config/variables.ts)').toEqual([]);
  });

  it("the README's short configuration table names real variables with their real defaults", () => {
    const rows = [...read('README.md').matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const [, name, shown] of rows) {
      const variable = VARIABLES.find((v) => v.name === name);
      expect(variable, `${name} is a variable the server reads`).toBeDefined();
      expect(shown!.trim(), name).toBe(variable!.default === undefined ? '—' : `\`${variable!.default}\``);
    }
  });

  it('every link and picture to a file of the repository points to one that exists, and to a heading it has', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      for (const target of localTargets(read(page))) {
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const file = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), path);
        if (!existsSync(file)) {
          broken.push(`${page}: ${target} (no ${relative(ROOT, file)})`);
          continue;
        }
        if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor))
          broken.push(`${page}: ${target} (no heading #${anchor} in ${relative(ROOT, file)})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every docs/ page is linked from the README', () => {
    const readme = read('README.md');
    const unlinked = PAGES.filter((page) => page.startsWith('docs/') && !readme.includes(`](${page})`));
    expect(unlinked).toEqual([]);
  });

  it('every npm script the README and docs/ run exists in package.json', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const used = new Set(PAGES.flatMap((page) => [...read(page).matchAll(/\bnpm run ([a-z:-]+)/g)].map((m) => m[1]!)));
    expect([...used].filter((script) => !scripts.includes(script))).toEqual([]);
  });
});
