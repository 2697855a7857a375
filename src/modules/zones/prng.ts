/**
 * Seeded pseudo-random number generation (pure, no I/O, no global state).
 *
 * The generator is xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018):
 * 128 bits of state, period 2^128 - 1, fast in JavaScript because it only needs 32-bit integer operations.
 * The state is filled from the seed with the splitmix32 finaliser, so that nearby seeds (0, 1, 2, ...) and
 * nearby stream numbers give unrelated sequences.
 *
 * `stream` lets one seed drive many independent sequences; the scan statistic uses one stream per Monte Carlo
 * replication, so replication r is the same whatever order (or worker) it is computed in.
 *
 * Not for cryptography.
 */

const TWO_POW_32 = 4294967296;
const TWO_POW_21 = 2097152;
const INV_TWO_POW_32 = 1 / 4294967296;
const TWO_POW_53 = 9007199254740992;

/** A seed: an unsigned 32-bit integer (other finite numbers are reduced) or any string (hashed). */
export type Seed = number | string;

/** FNV-1a over UTF-16 code units, then a splitmix32 finaliser: a stable 32-bit hash of a string seed. */
export function hashSeed(seed: Seed): number {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    // Keep integer seeds in the uint32 range as they are; fold anything else (negative, fractional, large).
    if (Number.isInteger(seed) && seed >= 0 && seed < TWO_POW_32) return seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32);
    const lo = seed - hi * TWO_POW_32;
    return mix32((Math.floor(lo) ^ mix32(hi >>> 0)) >>> 0);
  }
  if (typeof seed !== 'string') throw new TypeError('seed must be a number or a string');
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h >>> 0);
}

/** splitmix32-style finaliser (a bijection on uint32). */
function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Xoshiro128 {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: Seed = 0, stream = 0) {
    this.reseed(seed, stream);
  }

  /** Restart the generator at (seed, stream) without allocating. */
  reseed(seed: Seed, stream = 0): void {
    if (!Number.isInteger(stream) || stream < 0 || stream >= TWO_POW_32) {
      throw new RangeError(`stream must be an integer in [0, 2^32), got ${stream}`);
    }
    const base = hashSeed(seed);
    // splitmix32 sequence started from a combination of seed and stream.
    let x = (base ^ Math.imul(stream ^ 0x5bd1e995, 0x9e3779b9)) >>> 0;
    x = (x + Math.imul(stream, 0x6c8e9cf5)) >>> 0;
    x = (x + 0x9e3779b9) >>> 0;
    this.s0 = mix32(x) | 0;
    x = (x + 0x9e3779b9) >>> 0;
    this.s1 = mix32(x) | 0;
    x = (x + 0x9e3779b9) >>> 0;
    this.s2 = mix32(x) | 0;
    x = (x + 0x9e3779b9) >>> 0;
    this.s3 = mix32(x) | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next uniform integer in [0, 2^32). */
  nextUint32(): number {
    // State words are kept as signed int32 so V8 stores them as small integers (no boxing).
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    const x = Math.imul(s1, 5);
    const r = Math.imul((x << 7) | (x >>> 25), 9);
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ (s1 << 9);
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return r >>> 0;
  }

  /** Next uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /**
   * Unbiased uniform integer in [0, n), 1 <= n <= 2^53.
   * n <= 2^21: Lemire's multiply-and-reject on one 32-bit draw (the product is exact in a double).
   * Larger n: rejection on 53-bit integers.
   */
  nextInt(n: number): number {
    if (n >= 1 && n <= TWO_POW_21 && (n | 0) === n) {
      // u * n < 2^53 is exact in a double: its high 32 bits are the result, its low 32 bits (= imul) decide
      // the rejection that removes the bias.
      let u = this.nextUint32();
      if (Math.imul(u, n) >>> 0 < n) {
        const threshold = (TWO_POW_32 - n) % n; // = 2^32 mod n
        while (Math.imul(u, n) >>> 0 < threshold) u = this.nextUint32();
      }
      return Math.floor(u * n * INV_TWO_POW_32);
    }
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_53) {
      throw new RangeError(`nextInt bound must be an integer in [1, 2^53], got ${n}`);
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % n);
    for (;;) {
      const x = (this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6);
      if (x < limit) return x % n;
    }
  }

  /** Standard normal variate (Box-Muller, one value per call). */
  nextGaussian(): number {
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle of an array or typed array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }
}

/** Convenience factory. */
export function createRng(seed: Seed = 0, stream = 0): Xoshiro128 {
  return new Xoshiro128(seed, stream);
}
