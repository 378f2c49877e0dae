import { describe, expect, test } from 'bun:test';
import { TimeHeap } from './heap.ts';
import { Rng, createZipf } from './random.ts';

describe('Rng', () => {
  test('the same seed gives the same draws; another seed does not', () => {
    const draw = (seed: number) => {
      const rng = Rng.fromSeed(seed);
      return Array.from({ length: 20 }, () => rng.int(0, 1_000_000));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  test('int stays within its inclusive bounds and reaches both', () => {
    const rng = Rng.fromSeed(1);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const v = rng.int(3, 7);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(7);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  test('float is in [0, 1) with mean close to 1/2', () => {
    const rng = Rng.fromSeed(5);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = rng.float();
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.01);
  });

  test('forks are independent of each other and of the parent', () => {
    const parent = Rng.fromSeed(9);
    const a = parent.fork();
    const b = parent.fork();
    const take = (r: Rng) => Array.from({ length: 10 }, () => r.int(0, 1e9));
    const [ta, tb, tp] = [take(a), take(b), take(parent)];
    expect(ta).not.toEqual(tb);
    expect(ta).not.toEqual(tp);
    expect(tb).not.toEqual(tp);
  });

  test('normal draws have the requested mean and spread', () => {
    const rng = Rng.fromSeed(11);
    const xs = Array.from({ length: 50_000 }, () => rng.normal(10, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 10)).toBeLessThan(0.05);
    expect(Math.abs(sd - 2)).toBeLessThan(0.05);
  });
});

describe('createZipf', () => {
  test('rank 1 is drawn 100^s times as often as rank 100 (P(k) ∝ k^-s)', () => {
    const s = 1.1;
    const zipf = createZipf(1000, s);
    const rng = Rng.fromSeed(2024);
    const counts = new Uint32Array(1000);
    const draws = 2_000_000;
    for (let i = 0; i < draws; i++) counts[zipf.sample(rng)]!++;
    const expectedRatio = Math.pow(100, s); // ≈ 158.5
    const ratio = counts[0]! / counts[99]!;
    expect(ratio).toBeGreaterThan(expectedRatio * 0.85);
    expect(ratio).toBeLessThan(expectedRatio * 1.15);
    // And rank 1's share is 1 / H(n, s), the generalized harmonic number.
    let h = 0;
    for (let k = 1; k <= 1000; k++) h += Math.pow(k, -s);
    expect(Math.abs(counts[0]! / draws - 1 / h)).toBeLessThan(0.003);
  });

  test('probability() follows the formula and sums to 1', () => {
    const zipf = createZipf(50, 1.1);
    let total = 0;
    for (let k = 1; k <= 50; k++) total += zipf.probability(k);
    expect(total).toBeCloseTo(1, 12);
    expect(zipf.probability(1) / zipf.probability(10)).toBeCloseTo(Math.pow(10, 1.1), 9);
    expect(zipf.probability(0)).toBe(0);
    expect(zipf.probability(51)).toBe(0);
  });

  test('exponent 0 is uniform, and every draw is a valid index', () => {
    const zipf = createZipf(10, 0);
    const rng = Rng.fromSeed(3);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[zipf.sample(rng)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  test('rejects an empty population or a negative exponent', () => {
    expect(() => createZipf(0)).toThrow(RangeError);
    expect(() => createZipf(10, -1)).toThrow(RangeError);
  });
});

describe('TimeHeap', () => {
  test('pops by due time, then in insertion order among equal times', () => {
    const heap = new TimeHeap<string>();
    const rng = Rng.fromSeed(8);
    const pushed: { at: number; name: string }[] = [];
    for (let i = 0; i < 500; i++) {
      const at = rng.int(0, 50);
      pushed.push({ at, name: `x${i}` });
      heap.push(at, `x${i}`);
    }
    const expected = pushed
      .map((p, i) => ({ ...p, i }))
      .sort((a, b) => a.at - b.at || a.i - b.i)
      .map((p) => p.name);
    const popped: string[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item);
    expect(popped).toEqual(expected);
    expect(heap.peekAt()).toBe(Infinity);
  });
});
