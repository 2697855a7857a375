import { readFileSync } from 'node:fs';

/**
 * The check that the running Node.js is one the project supports (package.json `engines.node`), made before
 * anything else loads: an older Node fails later in ways that do not say why (a native module built for another
 * version, a missing API). Only the range forms package.json uses are understood: `>=x.y.z`, `^x.y.z`, an exact
 * `x.y.z`, and alternatives joined by `||`; missing minor or patch numbers count as 0.
 */

type Version = readonly [major: number, minor: number, patch: number];

/** `v20.19.0`, `20.19.0`, `20.19` or `20` → [major, minor, patch]; undefined when it is not a version. */
export function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(text.trim());
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether `version` is within `range`; throws on a range form this check does not understand. */
export function satisfies(version: string, range: string): boolean {
  const running = parseVersion(version);
  if (running === undefined) throw new Error(`not a version: "${version}"`);
  return range.split('||').some((alternative) => {
    const match = /^(>=|\^)?\s*(\S+)$/.exec(alternative.trim());
    const bound = match === null ? undefined : parseVersion(match[2]!);
    if (match === null || bound === undefined) throw new Error(`unsupported version range: "${range}"`);
    if (match[1] === '>=') return compareVersions(running, bound) >= 0;
    if (match[1] === '^') return running[0] === bound[0] && compareVersions(running, bound) >= 0;
    return compareVersions(running, bound) === 0;
  });
}

/** package.json's `engines.node`. */
export function supportedNodeRange(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string };
  };
  return packageJson.engines.node;
}

/** The one line to print when `running` is outside `range`, or undefined when it is supported. */
export function nodeVersionProblem(running: string, range: string): string | undefined {
  if (satisfies(running, range)) return undefined;
  return `epitrace needs Node.js ${range} and this is Node.js ${running.replace(/^v/, '')}: install a supported version (see README, "Quick start").`;
}

/** Call first thing in an entry point: prints one line and exits 1 when this Node.js is too old. */
export function exitIfNodeTooOld(running: string = process.versions.node, range: string = supportedNodeRange()): void {
  const problem = nodeVersionProblem(running, range);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
