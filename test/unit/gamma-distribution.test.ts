/**
 * The gamma quantile and CDF behind Rt's credible intervals and the parametric serial interval, checked against
 * test/fixtures/gamma-quantiles.ts: roots of mpmath's regularised incomplete gamma function at 50 significant digits
 * (test/fixtures/gamma-quantiles.py made it; see its header to re-run), on shapes 0.1 to 1e7, every level EpiEstim
 * reports, and four scales.
 */
import { describe, expect, it } from 'vitest';
import {
  gammaCdf,
  gammaQuantile,
  regularizedGammaP,
  regularizedGammaQ,
} from '../../src/modules/analytics/gamma-distribution.js';
import { RT_QUANTILE_LEVELS, summariseGammaPosterior } from '../../src/modules/analytics/rt.js';
import { GAMMA_CDF, GAMMA_QUANTILES } from '../fixtures/gamma-quantiles.js';

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('gammaQuantile', () => {
  it('the reference grid covers shapes 0.1 to 1e7, every level of RT_QUANTILE_LEVELS and four scales', () => {
    const shapes = new Set(GAMMA_QUANTILES.map((row) => row[0]));
    for (const shape of [0.5, 1, 2, 10, 100, 1000, 10_000, 100_000, 1_000_000]) expect(shapes).toContain(shape);
    expect(new Set(GAMMA_QUANTILES.map((row) => row[2]))).toEqual(new Set(RT_QUANTILE_LEVELS));
    expect(new Set(GAMMA_QUANTILES.map((row) => row[1])).size).toBe(4);
    expect(GAMMA_QUANTILES).toHaveLength(12 * 7 * 4);
  });

  it('agrees with the high-precision reference to 1e-9 relative everywhere (measured: under 5e-14)', () => {
    let worst = 0;
    for (const [shape, scale, p, expected] of GAMMA_QUANTILES) {
      const actual = gammaQuantile(p, shape, scale);
      const error = relativeError(actual, expected);
      if (!(error <= 1e-9)) {
        throw new Error(`shape ${shape}, scale ${scale}, p ${p}: got ${actual}, expected ${expected} (error ${error})`);
      }
      worst = Math.max(worst, error);
    }
    expect(worst).toBeLessThan(5e-14);
  });

  it('is as good as double precision allows from shape 10 up (measured: under 5e-16)', () => {
    for (const [shape, scale, p, expected] of GAMMA_QUANTILES) {
      if (shape >= 10) expect(relativeError(gammaQuantile(p, shape, scale), expected)).toBeLessThan(5e-16);
    }
  });

  it("summariseGammaPosterior reports them: the issue's example, shape 1076 and scale 0.0016012400002561986", () => {
    const shape = 1076;
    const scale = 0.0016012400002561986;
    const posterior = summariseGammaPosterior(shape, scale);
    const reported = [
      posterior.quantile_0_025,
      posterior.quantile_0_05,
      posterior.quantile_0_25,
      posterior.quantile_0_5,
      posterior.quantile_0_75,
      posterior.quantile_0_95,
      posterior.quantile_0_975,
    ];
    const expected = RT_QUANTILE_LEVELS.map(
      (p) => GAMMA_QUANTILES.find((r) => r[0] === shape && r[1] === scale && r[2] === p)![3],
    );
    // @stdlib's quantile reported a median of 1.7239624657342858 here.
    expect(expected[3]).toBe(1.7224005230142752);
    for (const [i, q] of reported.entries()) expect(relativeError(q, expected[i]!)).toBeLessThan(5e-16);
  });

  it('inverts the CDF far into the tails, for tiny and huge shapes', () => {
    for (const shape of [0.05, 0.3, 1, 7.5, 40, 5e4, 1e8]) {
      for (const p of [1e-12, 1e-6, 0.001, 0.3, 0.7, 0.999, 1 - 1e-9]) {
        const x = gammaQuantile(p, shape, 2);
        expect(x).toBeGreaterThan(0);
        const back = p > 0.5 ? 1 - regularizedGammaQ(shape, x / 2) : regularizedGammaP(shape, x / 2);
        expect(Math.abs(back - p) / Math.min(p, 1 - p)).toBeLessThan(1e-9);
      }
    }
  });

  it('has the limits 0 and Infinity and refuses what is not a distribution', () => {
    expect(gammaQuantile(0, 2, 1)).toBe(0);
    // About 5.6e-601, below the smallest double.
    expect(gammaQuantile(1e-6, 0.01, 1)).toBe(0);
    expect(gammaQuantile(1, 2, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(() => gammaQuantile(1.5, 2, 1)).toThrow(RangeError);
    expect(() => gammaQuantile(Number.NaN, 2, 1)).toThrow(RangeError);
    expect(() => gammaQuantile(0.5, 0, 1)).toThrow(RangeError);
    expect(() => gammaQuantile(0.5, 2, -1)).toThrow(RangeError);
    expect(() => gammaQuantile(0.5, Number.POSITIVE_INFINITY, 1)).toThrow(RangeError);
  });
});

describe('gammaCdf, regularizedGammaP and regularizedGammaQ', () => {
  // Below this the references are subnormal doubles, whose relative precision is poor.
  const TINY = 1e-300;
  const close = (actual: number, expected: number, what: string) => {
    const ok = expected < TINY ? Math.abs(actual - expected) < TINY : relativeError(actual, expected) <= 1e-12;
    if (!ok) throw new Error(`${what}: got ${actual}, expected ${expected}`);
  };

  it('agree with the high-precision reference to 1e-12 relative, in both tails (serial-interval gammas included)', () => {
    for (const [shape, scale, x, lower, upper] of GAMMA_CDF) {
      const what = `shape ${shape}, scale ${scale}, x ${x}`;
      close(gammaCdf(x, shape, scale), lower, `CDF ${what}`);
      close(regularizedGammaP(shape, x / scale), lower, `P ${what}`);
      close(regularizedGammaQ(shape, x / scale), upper, `Q ${what}`);
    }
  });

  it('the CDF is 0 at and below 0 and 1 at infinity', () => {
    expect(gammaCdf(0, 2, 1)).toBe(0);
    expect(gammaCdf(-3, 2, 1)).toBe(0);
    expect(gammaCdf(Number.POSITIVE_INFINITY, 2, 1)).toBe(1);
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(() => gammaCdf(Number.NaN, 2, 1)).toThrow(RangeError);
    expect(() => regularizedGammaP(2, -1)).toThrow(RangeError);
  });
});
