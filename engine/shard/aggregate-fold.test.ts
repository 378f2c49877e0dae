import { describe, expect, test } from 'bun:test';
import type { Aggregate, AggregateTable } from '../../actors/projection.ts';
import { AggregateFold } from './aggregate-fold.ts';

const TABLE: AggregateTable = { table: 't_minute', dimensions: ['country'], measures: ['n', 'sum'] };
/** Adds [1, amount] at the input's event time for its country (a message carries both). */
const counting: Aggregate<unknown> = {
  table: TABLE,
  add: (input) => {
    const m = input.kind === 'message' ? (input.msg as unknown as { country: string; amount: number; ts: number }) : undefined;
    return m ? [{ at: m.ts, dims: [m.country], values: [1, m.amount] }] : [];
  },
};
const msg = (country: string, amount: number, ts: number) => ({ kind: 'message' as const, from: { type: 'order' as const, key: 'x' }, msg: { country, amount, ts } as never });
const M = Date.UTC(2026, 0, 1, 0, 0);

describe('aggregate fold', () => {
  test('sums increments per minute and dimensions between takes; a take empties it', () => {
    const fold = new AggregateFold([counting], false);
    fold.add(msg('DE', 5, M + 1_000), null, null, { key: 'k1', now: 0 }, []);
    fold.add(msg('DE', 7, M + 59_999), null, null, { key: 'k2', now: 0 }, []);
    fold.add(msg('DE', 1, M + 60_000), null, null, { key: 'k1', now: 0 }, []);
    fold.add(msg('FR', 2, M + 30_000), null, null, { key: 'k1', now: 0 }, []);
    expect(fold.empty()).toBe(false);
    const [rows] = fold.take();
    expect(rows!.table).toBe(TABLE);
    expect(rows!.rows).toEqual([
      { minute: M, dims: ['DE'], values: [2, 12] },
      { minute: M + 60_000, dims: ['DE'], values: [1, 1] },
      { minute: M, dims: ['FR'], values: [1, 2] },
    ]);
    expect(fold.empty()).toBe(true);
    expect(fold.take()).toEqual([]);
  });

  test('increments alternating between cells each land in their own; after a take, the same cell starts again from zero and the rows taken stay as they were', () => {
    const fold = new AggregateFold([counting], false);
    for (const [country, amount] of [['DE', 1], ['DE', 2], ['FR', 4], ['DE', 8], ['FR', 16]] as const) {
      fold.add(msg(country, amount, M), null, null, { key: 'k1', now: 0 }, []);
    }
    const [first] = fold.take();
    fold.add(msg('FR', 32, M), null, null, { key: 'k1', now: 0 }, []);
    expect(first!.rows).toEqual([
      { minute: M, dims: ['DE'], values: [3, 11] },
      { minute: M, dims: ['FR'], values: [2, 20] },
    ]);
    expect(fold.take()[0]!.rows).toEqual([{ minute: M, dims: ['FR'], values: [1, 32] }]);
  });

  test('kept per entity while the shard records its inputs, so refused entities can be left out', () => {
    const fold = new AggregateFold([counting], true);
    fold.add(msg('DE', 5, M), null, null, { key: 'k1', now: 0 }, []);
    fold.add(msg('DE', 7, M), null, null, { key: 'k2', now: 0 }, []);
    fold.add(msg('DE', 1, M), null, null, { key: 'k1', now: 0 }, []);
    fold.add(msg('DE', 2, M), null, null, { key: 'k2', now: 0 }, []);
    expect(fold.take()[0]!.rows).toEqual([
      { minute: M, dims: ['DE'], values: [2, 6], key: 'k1' },
      { minute: M, dims: ['DE'], values: [2, 9], key: 'k2' },
    ]);
  });
});
