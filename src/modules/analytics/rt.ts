/**
 * Time-varying reproduction number Rt by the method of Cori et al. (2013), "A new framework and software to
 * estimate time-varying reproduction numbers during epidemics", Am J Epidemiol 178(9):1505-1512.
 * Pure functions, no I/O. Results agree with R package EpiEstim's `estimate_R` (methods `parametric_si`
 * and `non_parametric_si`) to floating-point accuracy.
 *
 * Model: with daily incidence I_t and discrete serial interval w_s, the total infectiousness on day t is
 * Lambda_t = sum_{s>=1} I_{t-s} w_s. Assuming R constant over a window [t_start, t_end] and local incidence
 * I_t ~ Poisson(R Lambda_t), a Gamma(shape a, scale b) prior on R gives a Gamma posterior with
 *   shape = a + sum_{t in window} I_local_t,   scale = 1 / (1/b + sum_{t in window} Lambda_t).
 *
 * EpiEstim conventions replicated here (EpiEstim 2.x/3.x `estimate_R`, `process_I`, `make_config`,
 * `overall_infectivity`, `check_times`, `check_si_distr`, `discr_si`):
 * - Days are numbered 1..T, and `t_start` / `t_end` use that numbering (so t_start >= 2).
 * - Unsplit incidence: all cases of day 1 are imported, every later case is local. Split incidence: any local
 *   cases on day 1 are moved to imported (EpiEstim does this with a warning; so do we).
 * - Lambda uses local + imported incidence; the posterior shape counts local cases only.
 * - Prior: mean 5, sd 5 by default, i.e. shape (mean/sd)^2 = 1 and scale sd^2/mean = 5.
 * - Default windows (`make_config`): t_start = 2..T-window+1, t_end = t_start + window - 1 (EpiEstim hard-codes
 *   window = 7); explicit windows must be integers in [2, T] with t_start <= t_end.
 * - Parametric SI: discretised on days 0..T-1 (not renormalised) and zero-padded to T+1 entries; a
 *   non-parametric SI shorter than T+1 is zero-padded likewise.
 * - "Too early" windows: EpiEstim sets the posterior of every window whose t_end is not strictly greater than
 *   the mean of the (discrete) serial interval to NA and then drops those rows from its output. We do the same:
 *   such windows are not in `estimates`, and are listed in `droppedWindows`.
 * - EpiEstim warns (it does not fail) when the total incidence (local + imported) in the FIRST window is below
 *   ceiling(1 / cv_posterior^2 - prior shape), cv_posterior = 0.3 by default; that warning is in `warnings`.
 * Deliberate differences: incidence must be integers (EpiEstim only rejects negatives and turns NA into 0), and
 * tStart / tEnd must be given together (EpiEstim silently falls back to the default windows if one is missing).
 */
import { gammaQuantile } from './gamma-distribution.js';
import {
  RtInputError,
  discretiseGammaSerialInterval,
  serialIntervalMoments,
  validateParametricSerialInterval,
  validateSerialIntervalDistribution,
  type SerialIntervalSpec,
} from './serial-interval.js';

export { RtInputError, type SerialIntervalSpec } from './serial-interval.js';

/** Daily incidence split into local and imported cases (same length, day 1 first). */
export interface SplitIncidence {
  readonly local: readonly number[];
  readonly imported: readonly number[];
}

/** Daily case counts (day 1 first), either total or split into local and imported. */
export type IncidenceInput = readonly number[] | SplitIncidence;

export interface EstimateRtOptions {
  /** Daily incidence, non-negative integers, day 1 first. Unsplit: day 1's cases are taken as imported. */
  readonly incidence: IncidenceInput;
  readonly serialInterval: SerialIntervalSpec;
  /** Length in days of the default sliding windows (default 7). Ignored when tStart/tEnd are given. */
  readonly window?: number;
  /** Explicit window starts, 1-based days in [2, T]; must be given together with tEnd. */
  readonly tStart?: readonly number[];
  /** Explicit window ends, 1-based days in [2, T], tEnd[i] >= tStart[i]. */
  readonly tEnd?: readonly number[];
  /** Mean of the gamma prior on R (default 5). */
  readonly meanPrior?: number;
  /** Standard deviation of the gamma prior on R (default 5). */
  readonly stdPrior?: number;
  /** Posterior coefficient of variation aimed at; only used for EpiEstim's "too early" warning (default 0.3). */
  readonly cvPosterior?: number;
}

/** Posterior summary of R over one window; field names follow EpiEstim's `R` table, in snake_case. */
export interface RtEstimate {
  /** First day of the window (1-based, inclusive). */
  readonly t_start: number;
  /** Last day of the window (1-based, inclusive). */
  readonly t_end: number;
  readonly mean: number;
  readonly std: number;
  readonly quantile_0_025: number;
  readonly quantile_0_05: number;
  readonly quantile_0_25: number;
  /** The median. */
  readonly quantile_0_5: number;
  readonly quantile_0_75: number;
  readonly quantile_0_95: number;
  readonly quantile_0_975: number;
  /** Shape of the gamma posterior. */
  readonly posterior_shape: number;
  /** Scale of the gamma posterior. */
  readonly posterior_scale: number;
}

export interface RtWindow {
  readonly t_start: number;
  readonly t_end: number;
}

export interface RtEstimation {
  /** One entry per window kept (same order as the windows), as EpiEstim's `R` table. */
  readonly estimates: RtEstimate[];
  /** Windows dropped because t_end <= mean serial interval (EpiEstim drops them too). */
  readonly droppedWindows: RtWindow[];
  /** Discrete SI distribution used, zero-padded to at least T+1 entries (EpiEstim's `si_distr`). */
  readonly siDistribution: number[];
  /** Mean and sd of `siDistribution` (EpiEstim's `SI.Moments`). */
  readonly siMean: number;
  readonly siSd: number;
  /** Incidence after EpiEstim's processing (day 1 all imported). */
  readonly local: number[];
  readonly imported: number[];
  /** Total infectiousness Lambda_t for days 1..T (index 0 is day 1, where it is 0: no earlier cases). */
  readonly lambda: number[];
  /**
   * Non-fatal notes: EpiEstim's warnings (day-1 local cases moved, too few cases for the aimed CV) and dropped windows.
   */
  readonly warnings: string[];
}

/** The posterior quantiles reported, as in EpiEstim. */
export const RT_QUANTILE_LEVELS = [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975] as const;

export const DEFAULT_RT_WINDOW = 7;
export const DEFAULT_PRIOR_MEAN = 5;
export const DEFAULT_PRIOR_STD = 5;
export const DEFAULT_CV_POSTERIOR = 0.3;

function checkCounts(name: string, counts: readonly number[]): void {
  if (!Array.isArray(counts)) throw new RtInputError(`${name} must be an array of daily counts`);
  counts.forEach((c, i) => {
    if (typeof c !== 'number' || !Number.isFinite(c)) {
      throw new RtInputError(`${name}[${i}] (day ${i + 1}) must be a finite number, got ${String(c)}`);
    }
    if (c < 0) throw new RtInputError(`${name}[${i}] (day ${i + 1}) must be >= 0, got ${c}`);
    if (!Number.isInteger(c)) throw new RtInputError(`${name}[${i}] (day ${i + 1}) must be an integer, got ${c}`);
  });
}

function isSplit(incidence: IncidenceInput): incidence is SplitIncidence {
  return !Array.isArray(incidence);
}

/**
 * Applies EpiEstim's `process_I` conventions: unsplit incidence becomes local = I with local[day 1] = 0 and
 * imported = [I_1, 0, 0, ...]; split incidence has any local cases of day 1 moved to imported.
 */
export function processIncidence(incidence: IncidenceInput): {
  local: number[];
  imported: number[];
  warnings: string[];
} {
  const warnings: string[] = [];
  if (isSplit(incidence)) {
    if (typeof incidence !== 'object' || incidence === null) {
      throw new RtInputError('incidence must be an array of daily counts or { local, imported }');
    }
    checkCounts('incidence.local', incidence.local);
    checkCounts('incidence.imported', incidence.imported);
    if (incidence.local.length !== incidence.imported.length) {
      throw new RtInputError(
        `incidence.local and incidence.imported must have the same length (${incidence.local.length} vs ${incidence.imported.length})`,
      );
    }
    if (incidence.local.length === 0) throw new RtInputError('incidence must cover at least one day');
    const local = [...incidence.local];
    const imported = [...incidence.imported];
    const firstLocal = local[0] ?? 0;
    if (firstLocal > 0) {
      warnings.push(
        `incidence.local on day 1 is ${firstLocal} but all cases on day 1 are taken as imported; they were moved to imported`,
      );
      imported[0] = (imported[0] ?? 0) + firstLocal;
      local[0] = 0;
    }
    return { local, imported, warnings };
  }
  checkCounts('incidence', incidence);
  if (incidence.length === 0) throw new RtInputError('incidence must cover at least one day');
  const local = [...incidence];
  const imported = new Array<number>(incidence.length).fill(0);
  imported[0] = local[0] ?? 0;
  local[0] = 0;
  return { local, imported, warnings };
}

/**
 * Total infectiousness Lambda_t = sum_{s=1}^{t-1} I_{t-s} w_s for days t = 1..T (returned 0-based: index t-1),
 * where I is the total (local + imported) incidence and w the discrete SI distribution (w[0] is ignored, it
 * must be 0). Day 1 has no earlier cases: Lambda_1 = 0 (EpiEstim reports NA there and never uses it).
 */
export function overallInfectivity(totalIncidence: readonly number[], siDistribution: readonly number[]): number[] {
  const T = totalIncidence.length;
  const lambda = new Array<number>(T).fill(0);
  for (let t = 1; t < T; t++) {
    let sum = 0;
    const maxLag = Math.min(t, siDistribution.length - 1);
    for (let s = 1; s <= maxLag; s++) sum += (totalIncidence[t - s] ?? 0) * (siDistribution[s] ?? 0);
    lambda[t] = sum;
  }
  return lambda;
}

/** Mean, std and the {@link RT_QUANTILE_LEVELS} quantiles of a Gamma(shape, scale) posterior for R. */
export function summariseGammaPosterior(
  shape: number,
  scale: number,
): Omit<RtEstimate, 't_start' | 't_end' | 'posterior_shape' | 'posterior_scale'> {
  if (!(shape > 0) || !(scale > 0) || !Number.isFinite(shape) || !Number.isFinite(scale)) {
    throw new RtInputError(`posterior shape and scale must be finite and > 0, got ${shape} and ${scale}`);
  }
  const q = (p: number): number => gammaQuantile(p, shape, scale);
  return {
    mean: shape * scale,
    std: Math.sqrt(shape) * scale,
    quantile_0_025: q(0.025),
    quantile_0_05: q(0.05),
    quantile_0_25: q(0.25),
    quantile_0_5: q(0.5),
    quantile_0_75: q(0.75),
    quantile_0_95: q(0.95),
    quantile_0_975: q(0.975),
  };
}

/**
 * Default sliding windows of `window` days for a series of T days, as EpiEstim's `make_config`:
 * t_start = 2, ..., T - window + 1 and t_end = t_start + window - 1. Needs T >= window + 1.
 */
export function defaultRtWindows(T: number, window: number = DEFAULT_RT_WINDOW): { tStart: number[]; tEnd: number[] } {
  if (!Number.isInteger(window) || window < 1) {
    throw new RtInputError(`window must be a positive integer number of days, got ${String(window)}`);
  }
  if (!Number.isInteger(T) || T < window + 1) {
    throw new RtInputError(
      `window of ${window} days is too long for an incidence series of ${T} days: ` +
        `windows start on day 2 at the earliest, so the series needs at least ${window + 1} days`,
    );
  }
  const tStart: number[] = [];
  const tEnd: number[] = [];
  for (let s = 2; s <= T - window + 1; s++) {
    tStart.push(s);
    tEnd.push(s + window - 1);
  }
  return { tStart, tEnd };
}

function checkWindows(tStart: readonly number[], tEnd: readonly number[], T: number): void {
  if (!Array.isArray(tStart) || !Array.isArray(tEnd)) throw new RtInputError('tStart and tEnd must be arrays');
  if (tStart.length !== tEnd.length) {
    throw new RtInputError(`tStart and tEnd must have the same length (${tStart.length} vs ${tEnd.length})`);
  }
  if (tStart.length === 0) throw new RtInputError('at least one window is needed');
  for (let i = 0; i < tStart.length; i++) {
    const s = tStart[i];
    const e = tEnd[i];
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 2 || s > T) {
      throw new RtInputError(
        `tStart[${i}] must be an integer day between 2 and ${T} (the series length), got ${String(s)}`,
      );
    }
    if (typeof e !== 'number' || !Number.isInteger(e) || e < 2 || e > T) {
      throw new RtInputError(
        `tEnd[${i}] must be an integer day between 2 and ${T} (the series length), got ${String(e)}`,
      );
    }
    if (s > e) throw new RtInputError(`tStart[${i}] (${s}) must be <= tEnd[${i}] (${e})`);
  }
}

function checkPositive(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RtInputError(`${name} must be a finite number > 0, got ${String(v)}`);
  }
}

/**
 * Estimates Rt over sliding (or given) windows by the Cori et al. (2013) method, with EpiEstim's conventions
 * (see the module comment). Throws {@link RtInputError} on invalid input.
 */
export function estimateRt(options: EstimateRtOptions): RtEstimation {
  if (typeof options !== 'object' || options === null) throw new RtInputError('options must be an object');
  const meanPrior = options.meanPrior ?? DEFAULT_PRIOR_MEAN;
  const stdPrior = options.stdPrior ?? DEFAULT_PRIOR_STD;
  const cvPosterior = options.cvPosterior ?? DEFAULT_CV_POSTERIOR;
  checkPositive('meanPrior', meanPrior);
  checkPositive('stdPrior', stdPrior);
  checkPositive('cvPosterior', cvPosterior);

  const { local, imported, warnings } = processIncidence(options.incidence);
  const T = local.length;
  const total = local.map((l, i) => l + (imported[i] ?? 0));

  let tStart: readonly number[];
  let tEnd: readonly number[];
  if (options.tStart !== undefined || options.tEnd !== undefined) {
    if (options.tStart === undefined || options.tEnd === undefined) {
      throw new RtInputError('tStart and tEnd must be given together');
    }
    tStart = options.tStart;
    tEnd = options.tEnd;
    checkWindows(tStart, tEnd, T);
  } else {
    ({ tStart, tEnd } = defaultRtWindows(T, options.window ?? DEFAULT_RT_WINDOW));
  }

  // Serial interval distribution, zero-padded to T+1 entries as EpiEstim does.
  const si = options.serialInterval;
  let siDistribution: number[];
  if (typeof si !== 'object' || si === null) throw new RtInputError('serialInterval must be given');
  if (si.kind === 'parametric') {
    validateParametricSerialInterval(si.mean, si.sd);
    siDistribution = discretiseGammaSerialInterval(si.mean, si.sd, T - 1);
  } else if (si.kind === 'non_parametric') {
    validateSerialIntervalDistribution(si.distribution);
    siDistribution = [...si.distribution];
  } else {
    throw new RtInputError(`serialInterval.kind must be 'parametric' or 'non_parametric'`);
  }
  while (siDistribution.length < T + 1) siDistribution.push(0);
  const { mean: siMean, sd: siSd } = serialIntervalMoments(siDistribution);

  const aPrior = (meanPrior / stdPrior) ** 2;
  const bPrior = (stdPrior * stdPrior) / meanPrior;

  // EpiEstim: warning if the first window holds too few cases for the aimed posterior CV.
  const minCases = Math.ceil(1 / (cvPosterior * cvPosterior) - aPrior);
  const firstStart = tStart[0] ?? 2;
  const firstEnd = tEnd[0] ?? firstStart;
  let firstWindowCases = 0;
  for (let t = firstStart; t <= firstEnd; t++) firstWindowCases += total[t - 1] ?? 0;
  if (firstWindowCases < minCases) {
    warnings.push(
      `estimating R too early in the epidemic to get the desired posterior CV of ${cvPosterior}: ` +
        `the first window has ${firstWindowCases} cases, fewer than ${minCases}`,
    );
  }

  const lambda = overallInfectivity(total, siDistribution);
  const estimates: RtEstimate[] = [];
  const droppedWindows: RtWindow[] = [];
  for (let i = 0; i < tStart.length; i++) {
    const s = tStart[i] as number;
    const e = tEnd[i] as number;
    if (!(e > siMean)) {
      droppedWindows.push({ t_start: s, t_end: e });
      continue;
    }
    let localSum = 0;
    let lambdaSum = 0;
    for (let t = s; t <= e; t++) {
      localSum += local[t - 1] ?? 0;
      lambdaSum += lambda[t - 1] ?? 0;
    }
    const shape = aPrior + localSum;
    const scale = 1 / (1 / bPrior + lambdaSum);
    estimates.push({
      t_start: s,
      t_end: e,
      ...summariseGammaPosterior(shape, scale),
      posterior_shape: shape,
      posterior_scale: scale,
    });
  }
  if (droppedWindows.length > 0) {
    warnings.push(
      `${droppedWindows.length} window(s) ending on or before the mean serial interval (${siMean.toFixed(3)} days) were dropped`,
    );
  }

  return { estimates, droppedWindows, siDistribution, siMean, siSd, local, imported, lambda, warnings };
}

/**
 * The fewest days T an incidence series needs for at least one estimate with the default sliding windows of
 * `window` days and this serial interval: the windows must fit (T >= window + 1, windows start on day 2) and the
 * last one, ending on day T, must end after the mean of the discrete serial interval (EpiEstim drops the windows
 * ending on or before it). The parametric serial interval is discretised on days 0..T-1 as {@link estimateRt}
 * does, so its mean is worked out for each T. Returns null when no T up to `maxDays` is enough. Throws
 * {@link RtInputError} on an invalid window or serial interval.
 */
export function shortestSeriesForEstimate(
  serialInterval: SerialIntervalSpec,
  window: number = DEFAULT_RT_WINDOW,
  maxDays = 3660,
): number | null {
  if (!Number.isInteger(window) || window < 1) {
    throw new RtInputError(`window must be a positive integer number of days, got ${String(window)}`);
  }
  if (serialInterval.kind === 'parametric') {
    validateParametricSerialInterval(serialInterval.mean, serialInterval.sd);
  } else {
    validateSerialIntervalDistribution(serialInterval.distribution);
  }
  const meanFor = (T: number): number => {
    const distribution =
      serialInterval.kind === 'parametric'
        ? discretiseGammaSerialInterval(serialInterval.mean, serialInterval.sd, T - 1)
        : [...serialInterval.distribution];
    return serialIntervalMoments(distribution).mean;
  };
  for (let T = window + 1; T <= maxDays; T++) if (T > meanFor(T)) return T;
  return null;
}
