/**
 * Gamma distribution: regularised incomplete gamma functions, CDF and quantile (pure, no I/O).
 *
 * Hand-written because no npm library measured on the grid of test/fixtures/gamma-quantiles.ts was accurate enough:
 * @stdlib's gamma quantile 0.2.3 and CDF 0.3.1 are off by up to 2.3e-3 and 1.8e-2 relative at shapes in the
 * thousands; jstat 1.9.6's quantile is within 1.3e-11 but its CDF only within 3.4e-8; cephes 3.3.3's igami throws
 * underflow errors on part of the grid.
 *
 * P(a, x) and Q(a, x) = 1 - P(a, x) use the power series of P for x < a + 1 and the continued fraction of Q
 * otherwise (Abramowitz & Stegun 6.5.29 and 6.5.31), both multiplied by the prefactor x^a e^-x / Gamma(a). For
 * a >= 10 that prefactor is written as sqrt(a / 2 pi) exp(a log1pmx((x - a) / a) - stirlerr(a)), which keeps
 * full relative accuracy near x = a however large a is (a ln x - x - lnGamma(a) taken literally would lose
 * ~log10(a) digits to cancellation). The quantile is Halley's iteration on P (or on Q above the median) from a
 * Wilson-Hilferty start, kept inside a bracket.
 */

const LN_SQRT_2PI = 0.9189385332046727; // ln(sqrt(2 pi))
const EPS = 2.220446049250313e-16;
const MAX_TERMS = 1_000_000;
const LN_MIN_DOUBLE = Math.log(Number.MIN_VALUE);

/** log(1 + t) - t, accurate also for small |t|. */
function log1pmx(t: number): number {
  if (t < -0.5 || t > 1) return Math.log1p(t) - t;
  // With r = t / (2 + t): log(1 + t) = 2 atanh(r) = 2r (1 + r^2/3 + r^4/5 + ...) and r (2 + t) = t.
  const r = t / (2 + t);
  const y = r * r;
  let sum = 0;
  let term = 1;
  for (let k = 0; k < 60; k++) {
    const next = term / (2 * k + 3);
    sum += next;
    if (next < EPS * sum) break;
    term *= y;
  }
  return r * (2 * y * sum - t);
}

/** lnGamma(a) - [(a - 1/2) ln a - a + ln sqrt(2 pi)], by its Stirling series; for a >= 10 (error < 1e-17). */
function stirlingError(a: number): number {
  const y = 1 / (a * a);
  // Coefficients B_2k / (2k (2k - 1)), k = 1..7.
  return (
    (1 / 12 - y * (1 / 360 - y * (1 / 1260 - y * (1 / 1680 - y * (1 / 1188 - y * (691 / 360360 - y * (1 / 156))))))) / a
  );
}

/** ln Gamma(a) for a > 0. */
function lnGamma(a: number): number {
  if (a >= 10) return (a - 0.5) * Math.log(a) - a + LN_SQRT_2PI + stirlingError(a);
  // Gamma(a) = Gamma(a + n) / (a (a + 1) ... (a + n - 1)) with a + n >= 10.
  let product = 1;
  let z = a;
  while (z < 10) product *= z++;
  return (z - 0.5) * Math.log(z) - z + LN_SQRT_2PI + stirlingError(z) - Math.log(product);
}

/** x^a e^-x / Gamma(a), the factor common to the series and the continued fraction. */
function prefactor(a: number, x: number): number {
  if (a < 10) return Math.exp(a * Math.log(x) - x - lnGamma(a));
  return Math.sqrt(a / (2 * Math.PI)) * Math.exp(a * log1pmx((x - a) / a) - stirlingError(a));
}

/** P(a, x) by its power series: x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n)). */
function lowerSeries(a: number, x: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 1; n < MAX_TERMS; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < EPS * sum) break;
  }
  return (prefactor(a, x) / a) * sum;
}

/** Q(a, x) by its continued fraction (modified Lentz). */
function upperFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let n = 1; n < MAX_TERMS; n++) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return prefactor(a, x) * h;
}

function checkShape(a: number): void {
  if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`gamma shape must be finite and > 0, got ${a}`);
}

/** Regularised lower incomplete gamma function P(a, x) = gamma(a, x) / Gamma(a); a > 0, x >= 0. */
export function regularizedGammaP(a: number, x: number): number {
  checkShape(a);
  if (!(x >= 0)) throw new RangeError(`x must be >= 0, got ${x}`);
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? lowerSeries(a, x) : 1 - upperFraction(a, x);
}

/** Regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x); a > 0, x >= 0. */
export function regularizedGammaQ(a: number, x: number): number {
  checkShape(a);
  if (!(x >= 0)) throw new RangeError(`x must be >= 0, got ${x}`);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerSeries(a, x) : upperFraction(a, x);
}

function checkScale(scale: number): void {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`gamma scale must be finite and > 0, got ${scale}`);
}

/** CDF at x of the gamma distribution with this shape and scale (0 for x <= 0). */
export function gammaCdf(x: number, shape: number, scale: number): number {
  checkShape(shape);
  checkScale(scale);
  if (Number.isNaN(x)) throw new RangeError('x must be a number, got NaN');
  return x <= 0 ? 0 : regularizedGammaP(shape, x / scale);
}

/** Standard normal quantile, Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4): only a starting value. */
function roughNormalQuantile(p: number): number {
  const q = p < 0.5 ? p : 1 - p;
  const t = Math.sqrt(-2 * Math.log(q));
  const z = t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
  return p < 0.5 ? -z : z;
}

/** Starting value for the standard (scale 1) gamma quantile. */
function initialQuantile(a: number, p: number): number {
  // Lower tail: P(a, x) ~ x^a / Gamma(a + 1) as x -> 0. Below the smallest double, the quantile is 0.
  const lnSmall = (Math.log(p) + lnGamma(a + 1)) / a;
  if (lnSmall < LN_MIN_DOUBLE) return 0;
  const small = Math.exp(lnSmall);
  if (a < 1 && small < 1) return small;
  // Wilson-Hilferty: (X / a)^(1/3) is nearly normal with mean 1 - 1/(9a) and variance 1/(9a).
  const c = 1 / (9 * a);
  const base = 1 - c + roughNormalQuantile(p) * Math.sqrt(c);
  const wh = a * base * base * base;
  return base > 0 && wh > 0 ? wh : Math.min(small, a);
}

/**
 * Quantile of the standard gamma distribution: the x with P(a, x) = p, for 0 < p < 1. Halley steps on
 * P(a, x) - p (or on (1 - p) - Q(a, x) above the median, where Q has the better relative accuracy); a step that
 * leaves the bracket known so far is replaced by bisection.
 */
function standardGammaQuantile(a: number, p: number): number {
  const upper = p > 0.5;
  const target = upper ? 1 - p : p;
  const lnGammaA = lnGamma(a);
  let lo = 0;
  let hi = Infinity;
  let x = initialQuantile(a, p);
  if (x === 0) return 0;
  for (let i = 0; i < 200; i++) {
    // f(x) = P(a, x) - p; f'(x) is the density.
    const f = upper ? target - regularizedGammaQ(a, x) : regularizedGammaP(a, x) - target;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const density = a >= 10 ? prefactor(a, x) / x : Math.exp((a - 1) * Math.log(x) - x - lnGammaA);
    let next = Number.NaN; // bisect unless the density allows a step
    if (density > 0 && Number.isFinite(density)) {
      const newton = f / density;
      // Halley: f''/f' = (a - 1)/x - 1.
      const curvature = (a - 1) / x - 1;
      const denominator = 1 - 0.5 * newton * curvature;
      const step = denominator > 0.5 ? newton / denominator : newton;
      next = x - step;
    }
    if (Math.abs(next - x) <= 1e-13 * x) return next;
    if (!(next > lo && next < hi)) next = hi === Infinity ? Math.max(2 * x, 1) : lo === 0 ? hi / 2 : 0.5 * (lo + hi);
    x = next;
  }
  return x;
}

/**
 * Quantile at level p of the gamma distribution with this shape and scale: the x with CDF(x) = p
 * (0 for p = 0, Infinity for p = 1).
 */
export function gammaQuantile(p: number, shape: number, scale: number): number {
  checkShape(shape);
  checkScale(scale);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
  if (p === 0) return 0;
  if (p === 1) return Infinity;
  return scale * standardGammaQuantile(shape, p);
}
