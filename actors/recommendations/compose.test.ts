import { describe, expect, test } from 'bun:test';
import { recommend, affinitySeeds } from './compose.ts';

describe('recommend', () => {
  test('bought_with sums co-purchase counts over the seeds and names the seed that contributed most', () => {
    const items = recommend({
      user: { purchased: ['x', 20, 'w', 10], recentViews: ['v', 15] },
      affinity: new Map([
        ['x', { partners: ['y', 3, 'z', 1] }],
        ['w', { partners: ['z', 4, 'x', 9] }],
        ['v', { partners: ['y', 1] }],
      ]),
      trending: [{ sku: 't', units: 50 }],
      limit: 10,
    });
    expect(items).toEqual([
      { sku: 'z', score: 5, reason: 'bought_with:w' },
      { sku: 'y', score: 4, reason: 'bought_with:x' },
      { sku: 'v', score: 1, reason: 'viewed' },
      { sku: 't', score: 50, reason: 'trending' },
    ]); // x is bought: never recommended, though w was bought with it
  });

  test('viewed is recency-weighted, newest 1.0, one tenth less per rank', () => {
    const items = recommend({ user: { recentViews: ['c', 3, 'b', 2, 'a', 1] }, affinity: new Map(), trending: [], limit: 10 });
    expect(items).toEqual([{ sku: 'c', score: 1, reason: 'viewed' }, { sku: 'b', score: 0.9, reason: 'viewed' }, { sku: 'a', score: 0.8, reason: 'viewed' }]);
  });

  test('a user with no history gets trending SKUs, most sold first, cut at the limit', () => {
    const trending = [{ sku: 'a', units: 9 }, { sku: 'b', units: 5 }, { sku: 'c', units: 1 }];
    expect(recommend({ user: undefined, affinity: new Map(), trending, limit: 2 })).toEqual([
      { sku: 'a', score: 9, reason: 'trending' },
      { sku: 'b', score: 5, reason: 'trending' },
    ]);
  });

  test('trending never offers what the user bought', () => {
    const items = recommend({ user: { purchased: ['a', 1] }, affinity: new Map(), trending: [{ sku: 'a', units: 9 }, { sku: 'b', units: 2 }], limit: 5 });
    expect(items).toEqual([{ sku: 'b', score: 2, reason: 'trending' }]);
  });

  test('seeds: the 5 newest purchases, then the 5 newest views, each once', () => {
    const purchased = ['p1', 9, 'p2', 8, 'p3', 7, 'p4', 6, 'p5', 5, 'p6', 4];
    expect(affinitySeeds({ purchased, recentViews: ['p1', 10, 'v1', 3] })).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'v1']);
    expect(affinitySeeds(undefined)).toEqual([]);
  });
});
