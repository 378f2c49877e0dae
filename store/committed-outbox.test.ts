import { describe, expect, test } from 'bun:test';
import { CommittedOutbox } from './committed-outbox.ts';

const rows = (...values: string[]) => values.map((value) => ({ topic: 'app.sku.inbox', key: `k-${value}`, value }));

describe('CommittedOutbox', () => {
  test('a committed row is found by its shard and seq, with the headers Postgres would give back', () => {
    const c = new CommittedOutbox();
    c.remember('order/0', [{ topic: 't', key: 'k', value: 'v', headers: { traceparent: 'x' } }, { topic: 't', key: 'k2', value: 'v2' }], [7, 9]);
    expect(c.get('order/0', 7)).toEqual({ shard: 'order/0', seq: 7, topic: 't', key: 'k', value: 'v', headers: { traceparent: 'x' } });
    expect(c.get('order/0', 9)?.headers).toEqual({});
    expect(c.get('order/0', 8)).toBeUndefined();
    // A seq names one row of one shard: asked for under another shard, it is not this one.
    expect(c.get('order/1', 7)).toBeUndefined();
  });

  test('seqs that do not match the rows one for one keep nothing (the relay reads such rows back)', () => {
    const c = new CommittedOutbox();
    c.remember('order/0', rows('a', 'b'), [1]);
    expect(c.size).toBe(0);
  });

  test('settle drops the rows below the first one still pending, and keeps the rest', () => {
    const c = new CommittedOutbox();
    c.remember('order/0', rows('a', 'b', 'c'), [1, 2, 3]);
    c.remember('order/1', rows('x'), [4]);
    c.settle('order/0', 3, c.mark());
    expect([1, 2, 3].map((seq) => c.get('order/0', seq)?.value)).toEqual([undefined, undefined, 'c']);
    expect(c.get('order/1', 4)?.value).toBe('x');
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

  test('past its bound the oldest rows are dropped first', () => {
    const c = new CommittedOutbox(3);
    c.remember('order/0', rows('a', 'b'), [1, 2]);
    c.remember('order/1', rows('c', 'd'), [3, 4]);
    expect(c.size).toBe(3);
    expect(c.get('order/0', 1)).toBeUndefined();
    expect([c.get('order/0', 2)?.value, c.get('order/1', 3)?.value, c.get('order/1', 4)?.value]).toEqual(['b', 'c', 'd']);
    // The dropped row is gone from its shard's order too: settling past it does not trip over it.
    c.settle('order/0', 3, c.mark());
    expect(c.size).toBe(2);
  });

  test('a bound hit by a large commit drops a prefix of each shard at once, and what stays is still found and settled', () => {
    const c = new CommittedOutbox(50_000);
    const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    c.remember('order/0', rows(...many(0, 40_000).map(String)), many(1, 40_000));
    c.remember('order/1', rows(...many(0, 40_000).map(String)), many(40_001, 40_000));
    expect(c.size).toBe(50_000);
    expect(c.get('order/0', 30_000)).toBeUndefined();
    expect(c.get('order/0', 30_001)?.value).toBe('30000');
    expect(c.get('order/1', 80_000)?.value).toBe('39999');
    c.settle('order/0', undefined, c.mark());
    expect(c.size).toBe(40_000);
  });
});
