import { describe, expect, test } from 'bun:test';
import { CommittedOutbox } from './committed-outbox.ts';

const rows = (...values: string[]) => values.map((value) => ({ topic: 'app.sku.inbox', key: `k-${value}`, value }));
/** What one row of `rows('x')` weighs against the bound (every such row weighs the same). */
const ROW_CHARS = (() => {
  const c = new CommittedOutbox();
  c.remember('s', rows('x'), [1]);
  return c.chars;
})();

describe('CommittedOutbox', () => {
  test('a committed row is found by its shard and seq, with the headers Postgres would give back', () => {
    const c = new CommittedOutbox();
    const headers = { traceparent: 'x', gone: undefined as unknown as string };
    c.remember('order/0', [{ topic: 't', key: 'k', value: 'v', headers }, { topic: 't', key: 'k2', value: 'v2' }], [7, 9]);
    // jsonb keeps no undefined value, and the copy is the row's own: a later change to the object does not reach it.
    expect(c.get('order/0', 7)).toEqual({ shard: 'order/0', seq: 7, topic: 't', key: 'k', value: 'v', headers: { traceparent: 'x' } });
    expect(Object.keys(c.get('order/0', 7)!.headers)).toEqual(['traceparent']);
    headers.traceparent = 'changed';
    expect(c.get('order/0', 7)!.headers.traceparent).toBe('x');
    expect(c.get('order/0', 9)?.headers).toEqual({});
    expect(c.get('order/0', 8)).toBeUndefined();
    // A seq names one row of one shard: asked for under another shard, it is not this one.
    expect(c.get('order/1', 7)).toBeUndefined();
  });

  test('a seq remembered again replaces the earlier row, and the weight counts it once', () => {
    const c = new CommittedOutbox();
    c.remember('order/0', rows('a'), [1]);
    c.remember('order/0', rows('b'), [1]);
    expect(c.get('order/0', 1)?.value).toBe('b');
    expect(c.size).toBe(1);
    expect(c.chars).toBe(ROW_CHARS);
    c.forget('order/0');
    expect([c.size, c.chars]).toEqual([0, 0]);
  });

  test('seqs that do not match the rows one for one keep nothing (the relay reads such rows back)', () => {
    const c = new CommittedOutbox();
    c.remember('order/0', rows('a', 'b'), [1]);
    expect(c.size).toBe(0);
    expect(c.chars).toBe(0);
  });

  test('settle drops the rows below the first one still pending, and keeps the rest', () => {
    const c = new CommittedOutbox();
    c.remember('order/0', rows('a', 'b', 'c'), [1, 2, 3]);
    c.remember('order/1', rows('x'), [4]);
    c.settle('order/0', 3, c.mark());
    expect([1, 2, 3].map((seq) => c.get('order/0', seq)?.value)).toEqual([undefined, undefined, 'c']);
    expect(c.get('order/1', 4)?.value).toBe('x');
    expect(c.chars).toBe(2 * ROW_CHARS);
  });

  test('with nothing pending, rows committed before the read began are dropped; those committed during it are kept', () => {
    const c = new CommittedOutbox();
    c.remember('order/0', rows('a'), [1]);
    const mark = c.mark();
    c.remember('order/0', rows('b'), [2]); // its commit may not be visible to the read
    c.settle('order/0', undefined, mark);
    expect(c.get('order/0', 1)).toBeUndefined();
    expect(c.get('order/0', 2)?.value).toBe('b');
  });

  test('a shard given up is forgotten, the others stay', () => {
    const c = new CommittedOutbox();
    c.remember('order/0', rows('a', 'b'), [1, 2]);
    c.remember('order/1', rows('c'), [3]);
    c.forget('order/0');
    expect([c.get('order/0', 1), c.get('order/0', 2)]).toEqual([undefined, undefined]);
    expect(c.get('order/1', 3)?.value).toBe('c');
    expect(c.chars).toBe(ROW_CHARS);
  });

  test('past its bound the oldest rows are dropped first', () => {
    const c = new CommittedOutbox(3 * ROW_CHARS);
    c.remember('order/0', rows('a', 'b'), [1, 2]);
    c.remember('order/1', rows('c', 'd'), [3, 4]);
    expect(c.size).toBe(3);
    expect(c.get('order/0', 1)).toBeUndefined();
    expect([c.get('order/0', 2)?.value, c.get('order/1', 3)?.value, c.get('order/1', 4)?.value]).toEqual(['b', 'c', 'd']);
    // The dropped row is gone from its shard's order too: settling past it does not trip over it.
    c.settle('order/0', 3, c.mark());
    expect(c.size).toBe(2);
  });

  test('the bound is by weight: a few large rows push out many small ones', () => {
    const c = new CommittedOutbox(100 * ROW_CHARS);
    c.remember('order/0', rows(...Array.from({ length: 100 }, (_, i) => String(i % 10))), Array.from({ length: 100 }, (_, i) => i + 1));
    expect(c.size).toBe(100);
    c.remember('order/1', [{ topic: 'app.sku.inbox', key: 'big', value: 'x'.repeat(50 * ROW_CHARS) }], [101]);
    expect(c.get('order/1', 101)).toBeDefined();
    expect(c.size).toBeLessThan(55);
    expect(c.chars).toBeLessThanOrEqual(100 * ROW_CHARS);
  });

  test('a bound hit by a large commit drops a prefix of each shard at once, and what stays is still found and settled', () => {
    const c = new CommittedOutbox(50_000 * ROW_CHARS);
    const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    const values = many(0, 40_000).map((i) => String(i % 10));
    c.remember('order/0', rows(...values), many(1, 40_000));
    c.remember('order/1', rows(...values), many(40_001, 40_000));
    expect(c.size).toBe(50_000);
    expect(c.get('order/0', 30_000)).toBeUndefined();
    expect(c.get('order/0', 30_001)?.value).toBe('0');
    expect(c.get('order/1', 80_000)?.value).toBe('9');
    c.settle('order/0', undefined, c.mark());
    expect(c.size).toBe(40_000);
  });
});
