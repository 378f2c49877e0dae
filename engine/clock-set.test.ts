import { describe, expect, test } from 'bun:test';
import { clockRecords } from './clock-records.ts';
import { clockFor, encodeClockSet } from './clock-set.ts';

describe('clock sets', () => {
  test('one clock when every type has the same, and it is every type\'s', () => {
    const set = encodeClockSet(new Map([['user', '10/0/3/transaction_events'], ['sku', '10/0/3/transaction_events']]));
    expect(set).toBe('10/0/3/transaction_events');
    expect(clockFor(set, 'sku')).toBe('10/0/3/transaction_events');
    expect(clockFor(set, 'anything')).toBe('10/0/3/transaction_events');
  });

  test('a clock per type when they differ; a type not in the set has none', () => {
    const set = encodeClockSet(new Map([['user', '7/0/1/transaction_events'], ['sku_affinity', '7/0/1/transaction_events'], ['sku', 'idle']]));
    expect(set).toBe('user=7/0/1/transaction_events sku_affinity=7/0/1/transaction_events sku=idle');
    expect(clockFor(set, 'user')).toBe('7/0/1/transaction_events');
    expect(clockFor(set, 'sku')).toBe('idle');
    expect(clockFor(set, 'sku_aff')).toBeUndefined();
  });
});

describe('clockRecords', () => {
  test('each target gets its own type\'s clock from a set; a type the set leaves out gets no record', () => {
    const targets = [
      { topic: 'app.user.inbox', key: 'clock-0', type: 'user' },
      { topic: 'app.sku.inbox', key: 'clock-0', type: 'sku' },
      { topic: 'app.sku.inbox', key: 'clock-3', type: 'sku' },
      { topic: 'app.cart.inbox', key: 'clock-0', type: 'cart' },
    ];
    const records = clockRecords([{ shard: 'order/2', clock: 'user=7/2/1/transaction_events sku=idle' }], targets);
    expect(records.map((r) => `${r.topic} ${r.key} ${r.headers!['x-origin']} ${r.headers!['x-clock']}`)).toEqual([
      'app.user.inbox clock-0 order/2 7/2/1/transaction_events',
      'app.sku.inbox clock-0 order/2 idle',
      'app.sku.inbox clock-3 order/2 idle',
    ]);
    expect(JSON.parse(records[1]!.value as string)).toEqual({ clock: { origin: 'order/2', at: 'idle' } });
  });
});
