import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  compareVersions,
  exitIfNodeTooOld,
  nodeVersionProblem,
  parseVersion,
  satisfies,
  supportedNodeRange,
} from '../../src/cli/node-version.js';

describe('the Node.js version check', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reads versions as Node and package.json write them', () => {
    expect(parseVersion('v20.19.0')).toEqual([20, 19, 0]);
    expect(parseVersion('20.19.0')).toEqual([20, 19, 0]);
    expect(parseVersion('22.1')).toEqual([22, 1, 0]);
    expect(parseVersion('24')).toEqual([24, 0, 0]);
    expect(parseVersion('23.0.0-nightly20241001')).toEqual([23, 0, 0]);
    expect(parseVersion('twenty')).toBeUndefined();
  });

  it('compares major, then minor, then patch, as numbers', () => {
    expect(compareVersions([20, 19, 0], [20, 19, 0])).toBe(0);
    expect(compareVersions([20, 9, 0], [20, 19, 0])).toBeLessThan(0); // 9 < 19, not "9" > "1"
    expect(compareVersions([20, 19, 10], [20, 19, 9])).toBeGreaterThan(0);
    expect(compareVersions([21, 0, 0], [20, 99, 99])).toBeGreaterThan(0);
  });

  it('decides whether a version is in a range on examples', () => {
    const range = '>=20.19.0';
    expect(satisfies('20.19.0', range)).toBe(true);
    expect(satisfies('v20.20.2', range)).toBe(true);
    expect(satisfies('22.0.0', range)).toBe(true);
    expect(satisfies('20.18.3', range)).toBe(false);
    expect(satisfies('20.9.0', range)).toBe(false);
    expect(satisfies('18.20.4', range)).toBe(false);
    const alternatives = '^20.19.0 || >=22.12.0';
    expect(satisfies('20.19.1', alternatives)).toBe(true);
    expect(satisfies('21.0.0', alternatives)).toBe(false);
    expect(satisfies('22.11.0', alternatives)).toBe(false);
    expect(satisfies('22.12.0', alternatives)).toBe(true);
    expect(satisfies('20.19.0', '20.19.0')).toBe(true);
    expect(satisfies('20.19.1', '20.19.0')).toBe(false);
    expect(() => satisfies('20.19.0', '~20.19')).toThrow('unsupported version range');
  });

  it("takes the range from package.json's engines, which this Node.js satisfies", () => {
    const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(supportedNodeRange()).toBe(packageJson.engines.node);
    expect(nodeVersionProblem(process.versions.node, supportedNodeRange())).toBeUndefined();
  });

  it('prints one line naming both versions and exits 1 when Node.js is too old', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => exitIfNodeTooOld('18.20.4', '>=20.19.0')).toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(stderr).toHaveBeenCalledTimes(1);
    const line = String(stderr.mock.calls[0]![0]);
    expect(line).toBe(
      'epitrace needs Node.js >=20.19.0 and this is Node.js 18.20.4: install a supported version (see README, "Quick start").\n',
    );
    exit.mockClear();
    exitIfNodeTooOld('20.19.0', '>=20.19.0');
    exitIfNodeTooOld();
    expect(exit).not.toHaveBeenCalled();
  });
});
