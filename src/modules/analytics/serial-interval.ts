/**
 * Discrete serial-interval (SI) distributions for Rt estimation (pure, no I/O).
 *
 * A discrete SI distribution is an array `w` where `w[k]` is the probability that the serial interval is
 * `k` days. As in R package EpiEstim (Cori et al., AJE 2013), `w[0]` must be 0: nobody infects on the day
 * they become symptomatic, so a case never contributes to the infectiousness of its own day.
 *
 * Two ways to get one:
 * - parametric: a gamma distribution with the given mean and sd, shifted by one day, discretised the way
 *   EpiEstim's `discr_si` does it (see {@link discretiseGammaSerialInterval});
 * - non-parametric: an empirical distribution supplied as is (checked by {@link validateSerialIntervalDistribution}).
 */
import { gammaCdf } from './gamma-distribution.js';

/** Thrown for any invalid input to the Rt / serial-interval functions. */
export class RtInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'RtInputError';
  }
}

/**
 * Tolerance on `sum(w) == 1` for a user-supplied distribution. EpiEstim's `check_si_distr` rejects a
 * distribution with `abs(sum(si_distr) - 1) > 0.01`; we use the same tolerance so that anything EpiEstim
 * accepts is accepted here.
 */
export const SI_SUM_TOLERANCE = 0.01;

/** How the serial interval is specified to `estimateRt`. */
export type SerialIntervalSpec =
  | {
      /** Gamma distribution (shifted by one day) with this mean and sd, in days; EpiEstim `parametric_si`. */
      readonly kind: 'parametric';
      readonly mean: number;
      readonly sd: number;
    }
  | {
      /** Empirical discrete distribution, `distribution[k]` = P(SI = k days); EpiEstim `non_parametric_si`. */
      readonly kind: 'non_parametric';
      readonly distribution: readonly number[];
    };

/** Mean and standard deviation of a discrete distribution on 0, 1, 2, ... days. */
export interface DiscreteMoments {
  readonly mean: number;
  readonly sd: number;
}

function assertFinite(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RtInputError(`${name} must be a finite number, got ${String(value)}`);
  }
}

/**
 * Checks the parameters of a parametric serial interval, with EpiEstim's rules for method `parametric_si`:
 * the mean must be > 1 day (the gamma part is shifted by one day, so its mean is `mean - 1`) and the sd > 0.
 */
export function validateParametricSerialInterval(mean: number, sd: number): void {
  assertFinite('serial interval mean', mean);
  assertFinite('serial interval sd', sd);
  if (mean <= 1) {
    throw new RtInputError(`serial interval mean must be > 1 day (the gamma is shifted by one day), got ${mean}`);
  }
  if (sd <= 0) throw new RtInputError(`serial interval sd must be > 0, got ${sd}`);
}

/**
 * Discretised serial-interval distribution, exactly as EpiEstim's `discr_si(0:maxDays, mean, sd)`.
 *
 * The serial interval is `1 + G` with `G` gamma-distributed with mean `mean - 1` and standard deviation `sd`
 * (shape `a = ((mean - 1) / sd)^2`, scale `b = sd^2 / (mean - 1)`). Discretising with a triangular kernel
 * (the delay starts at a time uniformly distributed within a day) gives w_k = E[max(0, 1 - |G - (k - 1)|)],
 * which in closed form is (Cori et al. 2013, web appendix; EpiEstim `discr_si`)
 *
 *   w_k = k F(k) + (k-2) F(k-2) - 2 (k-1) F(k-1) + a b [2 F1(k-1) - F1(k-2) - F1(k)]
 *
 * where F is the CDF of G and F1 the CDF of a gamma with shape `a + 1` and the same scale (so that
 * a b F1(x) = E[G; G <= x]), both 0 below 0.
 * Negative values produced by rounding in the far tail are clamped to 0, as EpiEstim does. Note that
 * w_0 = 0 and that the result is NOT renormalised: the mass beyond `maxDays` is simply missing, which is
 * what EpiEstim uses when it estimates R (it discretises on 0..T-1 for a series of T days).
 *
 * @param mean mean serial interval in days (> 1)
 * @param sd standard deviation of the serial interval in days (> 0)
 * @param maxDays last day k of the returned distribution (non-negative integer); the result has maxDays + 1 entries
 */
export function discretiseGammaSerialInterval(mean: number, sd: number, maxDays: number): number[] {
  validateParametricSerialInterval(mean, sd);
  if (!Number.isInteger(maxDays) || maxDays < 0) {
    throw new RtInputError(`maxDays must be a non-negative integer, got ${String(maxDays)}`);
  }
  const shape = ((mean - 1) / sd) ** 2;
  const scale = (sd * sd) / (mean - 1);
  // Gamma CDFs, both 0 for x <= 0.
  const cdf = (x: number): number => gammaCdf(x, shape, scale);
  const cdf1 = (x: number): number => gammaCdf(x, shape + 1, scale);
  const out = new Array<number>(maxDays + 1);
  for (let k = 0; k <= maxDays; k++) {
    let w = k * cdf(k) + (k - 2) * cdf(k - 2) - 2 * (k - 1) * cdf(k - 1);
    w += shape * scale * (2 * cdf1(k - 1) - cdf1(k - 2) - cdf1(k));
    out[k] = Math.max(0, w);
  }
  return out;
}

/**
 * Checks a user-supplied discrete SI distribution with EpiEstim's rules (`check_si_distr`): non-empty,
 * every entry finite and >= 0, `w[0] == 0`, and the entries sum to 1 within {@link SI_SUM_TOLERANCE}.
 */
export function validateSerialIntervalDistribution(distribution: readonly number[]): void {
  if (!Array.isArray(distribution) || distribution.length === 0) {
    throw new RtInputError('serial interval distribution must be a non-empty array of probabilities');
  }
  let sum = 0;
  for (let k = 0; k < distribution.length; k++) {
    const w = distribution[k];
    if (typeof w !== 'number' || !Number.isFinite(w)) {
      throw new RtInputError(`serial interval distribution[${k}] must be a finite number, got ${String(w)}`);
    }
    if (w < 0) throw new RtInputError(`serial interval distribution[${k}] must be >= 0, got ${w}`);
    sum += w;
  }
  if (distribution[0] !== 0) {
    throw new RtInputError(
      `serial interval distribution[0] (P(SI = 0 days)) must be 0, got ${String(distribution[0])}`,
    );
  }
  if (Math.abs(sum - 1) > SI_SUM_TOLERANCE) {
    throw new RtInputError(
      `serial interval distribution must sum to 1 (within ${SI_SUM_TOLERANCE}), but sums to ${sum}`,
    );
  }
}

/**
 * Mean and standard deviation of a discrete SI distribution, computed as EpiEstim reports them in
 * `SI.Moments` (no renormalisation: mean = sum k w_k, sd = sqrt(sum k^2 w_k - mean^2)).
 */
export function serialIntervalMoments(distribution: readonly number[]): DiscreteMoments {
  let m1 = 0;
  let m2 = 0;
  distribution.forEach((w, k) => {
    m1 += k * w;
    m2 += k * k * w;
  });
  return { mean: m1, sd: Math.sqrt(Math.max(0, m2 - m1 * m1)) };
}
