import { describe, expect, test } from 'bun:test';
import { SHARDS_PER_GROUP, splitGroups } from './checkpoint-group.ts';

describe('splitGroups', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => i);

  test('about SHARDS_PER_GROUP per group, contiguous, every item once, at most `parallelism` groups', () => {
    expect(SHARDS_PER_GROUP).toBe(8);
    expect(splitGroups(ids(24), 5)).toEqual([ids(8), ids(8).map((i) => i + 8), ids(8).map((i) => i + 16)]);
    expect(splitGroups(ids(6), 5)).toEqual([ids(6)]);
    expect(splitGroups(ids(50), 5).map((g) => g.length)).toEqual([10, 10, 10, 10, 10]);
    expect(splitGroups(ids(50), 5).flat()).toEqual(ids(50));
    expect(splitGroups(ids(17), 3).map((g) => g.length)).toEqual([6, 6, 5]);
  });

  test('one group when only one may run at a time; none for nothing', () => {
    expect(splitGroups(ids(24), 1)).toEqual([ids(24)]);
    expect(splitGroups([], 5)).toEqual([]);
  });
});
