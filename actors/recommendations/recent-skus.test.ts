import { describe, expect, test } from 'bun:test';
import { skusOf, withRecentSku, type RecentSkus } from './recent-skus.ts';

describe('recent SKUs list', () => {
  test('newest first, each SKU once with its latest time, at most `cap`', () => {
    let l: RecentSkus | undefined;
    for (const [sku, ts] of [['a', 1], ['b', 2], ['a', 3], ['c', 4], ['d', 5]] as const) l = withRecentSku(l, sku, ts, 3);
    expect(l).toEqual(['d', 5, 'c', 4, 'a', 3]);
    expect(skusOf(l)).toEqual(['d', 'c', 'a']);
  });

  test('a fact no newer than what is kept hands back the same array', () => {
    const l: RecentSkus = ['b', 5, 'a', 4];
    expect(withRecentSku(l, 'a', 3, 2)).toBe(l); // a is already there, newer
    expect(withRecentSku(l, 'z', 1, 2)).toBe(l); // older than a full list
  });

  test('the list depends on the set of facts, not on their arrival order (payment facts from several partitions)', () => {
    const facts: [string, number][] = [['a', 1], ['b', 7], ['c', 3], ['a', 9], ['d', 3], ['e', 2], ['b', 1], ['f', 8]];
    const fold = (fs: [string, number][]) => fs.reduce<RecentSkus | undefined>((l, [s, t]) => withRecentSku(l, s, t, 4), undefined);
    const expected = ['a', 9, 'f', 8, 'b', 7, 'c', 3]; // c before d at the same time: by SKU
    for (let seed = 1; seed <= 50; seed++) {
      const shuffled = [...facts].sort((x, y) => ((x[0].charCodeAt(0) * seed + x[1] * 31) % 17) - ((y[0].charCodeAt(0) * seed + y[1] * 31) % 17));
      expect(fold(shuffled)).toEqual(expected);
    }
  });
});
