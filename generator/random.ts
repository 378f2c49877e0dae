import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/**
 * Seeded randomness for the generator. Everything random in a generated stream comes from one
 * `Rng` (or a fork of it), so a seed fully determines the stream. Built on pure-rand's
 * xoroshiro128+ in its mutable form: the pure (copying) API would allocate per draw, and the
 * generator draws several numbers per event.
 */
export class Rng {
  private constructor(private readonly gen: JumpableRandomGenerator) {}

  /**
   * A generator for `seed` (an integer in [0, 2^32)).
   * @example const rng = Rng.fromSeed(42); rng.int(1, 6);
   */
  static fromSeed(seed: number): Rng {
    const gen = xoroshiro128plus(seed);
    // xoroshiro's first outputs from a small seed are poorly mixed (state is mostly 0 or -1 bits);
    // discarding a few makes seed 1 and seed 2 diverge immediately.
    for (let i = 0; i < 16; i++) gen.next();
    return new Rng(gen);
  }

  /** An independent stream 2^64 draws away, leaving this one untouched. */
  fork(): Rng {
    // The fork takes over the current position and this stream jumps ahead, so successive forks
    // (and this stream) never overlap.
    const gen = this.gen.clone();
    this.gen.jump();
    return new Rng(gen);
  }

  /** Uniform float in [0, 1) with 53 bits of randomness. */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.gen, min, max);
  }

  /** Uniform float in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[uniformInt(this.gen, 0, items.length - 1)]!;
  }

  /** An element chosen with probability proportional to its weight (weights need not sum to 1). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let u = this.float() * total;
    for (let i = 0; i < items.length; i++) {
      u -= weights[i]!;
      if (u < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  /** Standard normal draw (Box–Muller; one draw per call keeps the stream easy to reason about). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.float(); // (0, 1]: log(0) would be -Infinity
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal draw with the given median and shape `sigma` (of the underlying normal). */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential draw with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** `n` random hexadecimal characters (n ≤ 8 per 32-bit draw, concatenated beyond). */
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += (this.gen.next() >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
}

/** Draws ranks from a Zipf distribution: P(rank k) ∝ 1 / k^exponent, k = 1..n. */
export interface ZipfSampler {
  readonly n: number;
  readonly exponent: number;
  /** A 0-based index: 0 is rank 1, the most popular item. */
  sample(rng: Rng): number;
  /** Exact probability of 1-based `rank`. */
  probability(rank: number): number;
}

/**
 * A Zipf sampler over n items: precomputed CDF and binary search, O(log n) per draw with no
 * allocation, which beats rejection methods at the n (≤ millions) the generator uses.
 *
 * @example
 * const skus = createZipf(1000, 1.1);
 * const index = skus.sample(rng); // 0 most of the time, rarely 999
 */
export function createZipf(n: number, exponent = 1.1): ZipfSampler {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Zipf needs n ≥ 1 items, got ${n}`);
  if (!(exponent >= 0)) throw new RangeError(`Zipf exponent must be ≥ 0, got ${exponent}`);
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) {
    sum += Math.pow(k, -exponent);
    cdf[k - 1] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  cdf[n - 1] = 1; // rounding must never leave a draw past the last bucket
  const norm = sum;
  return {
    n,
    exponent,
    sample(rng: Rng): number {
      const u = rng.float();
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! > u) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
    probability(rank: number): number {
      return rank >= 1 && rank <= n ? Math.pow(rank, -exponent) / norm : 0;
    },
  };
}
