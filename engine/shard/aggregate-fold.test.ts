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
    expect(rows!.table).toEqual(TABLE);
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

describe('what an aggregate may add', () => {
  const returning = (incs: unknown): Aggregate<unknown> => ({ table: TABLE, add: () => incs as never });
  const addWith = (incs: unknown) => {
    const fold = new AggregateFold([counting, returning(incs)], false);
    fold.add(msg('DE', 5, M), null, null, { key: 'k1', now: 0 }, []);
    return fold;
  };

  // Each would be no error until much later, or never: "05" + 3 is "053", NaN and Infinity are
  // written as null, a BigInt throws halfway through the cells, and Postgres refuses 1.5 for the
  // bigint column, failing the whole checkpoint.
  test.each([
    ['a string measure', [{ at: M, dims: ['DE'], values: [1, '5'] }], `measure 'sum' must be a whole number (it is a bigint column; money in minor units), got "5"`],
    ['a fraction', [{ at: M, dims: ['DE'], values: [1, 12.5] }], "measure 'sum' must be a whole number (it is a bigint column; money in minor units), got 12.5"],
    ['NaN', [{ at: M, dims: ['DE'], values: [Number.NaN] }], "measure 'n' must be a whole number (it is a bigint column; money in minor units), got NaN"],
    ['Infinity', [{ at: M, dims: ['DE'], values: [1, Infinity] }], "got Infinity"],
    ['a BigInt', [{ at: M, dims: ['DE'], values: [1, 2n] }], 'got the BigInt 2n'],
    ['more than a bigint holds', [{ at: M, dims: ['DE'], values: [1, 2 ** 63] }], 'got 9223372036854776000'],
    ['more values than measures', [{ at: M, dims: ['DE'], values: [1, 2, 3] }], 'values must be an array of at most 2 numbers (n, sum), got an array of 3'],
    ['no time', [{ dims: ['DE'], values: [1] }], "time 'at' must be epoch milliseconds, got undefined"],
    ['a time that is not a number', [{ at: '2026-01-01', dims: ['DE'], values: [1] }], `time 'at' must be epoch milliseconds, got "2026-01-01"`],
    ['dims that are not an array', [{ at: M, dims: 'DE', values: [1] }], `dims must be an array of 1 values (country), got "DE"`],
    ['more dims than dimensions', [{ at: M, dims: ['DE', 'EUR'], values: [1] }], 'dims must be an array of 1 values (country), got an array of 2'],
    ['a dim that is an object', [{ at: M, dims: [{ toString: () => { throw new Error('no'); } }], values: [1] }], "dimension 'country' must be a string, got an object"],
    ['a time past the Date range', [{ at: 1e300, dims: ['DE'], values: [1] }], "time 'at' must be epoch milliseconds, got 1e+300"],
    ['not an array of increments', undefined, 'add must return an array of increments (NO_INCREMENTS for none), got undefined'],
  ])('%s: a clear error, and no cell changes (not even the valid aggregate\'s)', (_: string, incs: unknown, message: string) => {
    const fold = new AggregateFold([counting, returning(incs)], false);
    expect(() => fold.add(msg('DE', 5, M), null, null, { key: 'k1', now: 0 }, [])).toThrow(message);
    expect(fold.empty()).toBe(true);
  });

  // The largest order the schemas accept (10^6 × 10^9 in minor units, 10^17) is past 2^53 but whole.
  test('whole numbers up to what a bigint holds, missing trailing values and an empty answer are fine', () => {
    const fold = addWith([{ at: M, dims: ['DE'], values: [1] }, { at: M, dims: ['DE'], values: [-2, 1e17] }]);
    expect(fold.take().map((t) => t.rows)).toEqual([
      [{ minute: M, dims: ['DE'], values: [1, 5] }],
      [{ minute: M, dims: ['DE'], values: [-1, 1e17] }],
    ]);
    expect(addWith([]).take().map((t) => t.rows)).toEqual([[{ minute: M, dims: ['DE'], values: [1, 5] }]]);
  });

  test("an actor's dims array that is a Proxy is kept as an array of the fold's own: the take's rows cross to the store's thread", () => {
    const proxied: Aggregate<unknown> = { table: TABLE, add: () => [{ at: M, dims: new Proxy(['DE'], {}), values: [1, 2] }] };
    const fold = new AggregateFold([proxied], false);
    fold.add(msg('DE', 2, M), null, null, { key: 'k1', now: 0 }, []);
    const [rows] = fold.take();
    expect(rows!.rows).toEqual([{ minute: M, dims: ['DE'], values: [1, 2] }]);
    expect(() => structuredClone(rows)).not.toThrow();
  });
});
