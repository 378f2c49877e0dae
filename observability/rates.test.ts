import { describe, expect, test } from 'bun:test';
import { Rates } from './rates.ts';

describe('Rates', () => {
  test('a rate is the mean per second over the window of complete seconds before now', () => {
    const r = new Rates(5);
    for (let s = 100; s < 105; s++) r.add('orders', s, 10);
    r.add('orders', 105, 1_000); // the current second is not complete: not counted yet
    expect(r.perSecond(105)).toEqual([['orders', 10]]);
  });

  test('written for a day and never read, it holds a window of buckets, not one per second', () => {
    const r = new Rates(5);
    for (let s = 0; s < 86_400; s++) {
      r.add('orders', s, 1);
      r.add('payments', s, 1);
    }
    expect(r.bucketCount).toBeLessThanOrEqual(2 * 6);
    expect(r.perSecond(86_400)).toEqual([['orders', 1], ['payments', 1]]);
  });
});
