import { describe, expect, test } from 'bun:test';
import { EventTimeMerge } from './event-time-merge.ts';
import { compareKeys, decodeRootKey, encodeRootKey, TIMER_ROOT, type MergeKey } from './merge-key.ts';

const key = (at: number, topic: string, partition: number, offset: number, seq = -1): MergeKey => ({ at, topic, partition, offset, seq });
const tx = (at: number, partition: number, offset: number, seq: number) => key(at, 'transaction_events', partition, offset, seq);

function drain<T>(m: EventTimeMerge<T>): T[] {
  const out: T[] = [];
  for (let x = m.next(); x !== undefined; x = m.next()) out.push(x);
  return out;
}

describe('merge keys', () => {
  test('order by event time, then topic, partition, offset and sequence', () => {
    const sorted = [key(5, 'user_events', 9, 9), tx(6, 0, 1, 2), tx(6, 0, 1, 3), tx(6, 0, 2, 1), tx(6, 1, 0, 1), key(6, 'user_events', 0, 0), key(6, TIMER_ROOT, 0, 0)];
    const shuffled = [sorted[4]!, sorted[6]!, sorted[0]!, sorted[3]!, sorted[5]!, sorted[2]!, sorted[1]!];
    expect(shuffled.sort(compareKeys)).toEqual(sorted);
  });

  test('a root key survives its header; anything else is refused', () => {
    const k = tx(1_700_000_000_123, 3, 42, 7);
    expect(decodeRootKey(encodeRootKey(k), 7)).toEqual(k);
    for (const bad of [undefined, '', '1/2/3', '1/2/3/', 'x/2/3/t', '1/2/3.5/t', `${'9'.repeat(400)}/1/1/t`]) expect(decodeRootKey(bad, 1)).toBeUndefined();
  });
});

describe('EventTimeMerge', () => {
  test('messages from two origins come out in key order, once both have passed them', () => {
    const m = new EventTimeMerge<string>(['order/0', 'order/1']);
    m.sourceFrontier('idle');
    m.holdMessage('order/1', tx(20, 1, 0, 1), 'b20');
    m.holdMessage('order/1', tx(30, 1, 1, 2), 'b30');
    expect(drain(m)).toEqual([]); // order/0 never heard from: it may still send something earlier
    expect(m.waitingFor()).toBe('order/0');
    m.holdMessage('order/0', tx(10, 0, 0, 1), 'a10');
    expect(drain(m)).toEqual(['a10']); // b20 waits: order/0 may still send something before 20
    m.clock('order/0', tx(25, 0, 1, -1));
    expect(drain(m)).toEqual(['b20']);
    m.clock('order/0', 'idle');
    expect(drain(m)).toEqual(['b30']);
    expect(m.size).toBe(0);
  });

  test('the source is merged with the messages, and waits for them as they wait for it', () => {
    const m = new EventTimeMerge<string>(['order/0']);
    m.holdSource(key(10, 'user_events', 2, 0), 'login@10');
    m.holdSource(key(40, 'user_events', 2, 1), 'login@40');
    m.holdMessage('order/0', tx(30, 0, 5, 1), 'pay@30');
    expect(drain(m)).toEqual(['login@10', 'pay@30']); // login@40 waits for order/0 to pass 40
    m.clock('order/0', tx(50, 0, 9, -1));
    expect(drain(m)).toEqual(['login@40']);
    m.holdMessage('order/0', tx(60, 0, 9, 2), 'pay@60');
    expect(drain(m)).toEqual([]); // the source may still deliver something before 60
    m.sourceFrontier(key(70, 'user_events', 2, 2));
    expect(drain(m)).toEqual(['pay@60']);
  });

  test('ties in event time go by topic, partition and offset, whatever arrived first', () => {
    const m = new EventTimeMerge<string>(['order/0', 'order/1']);
    m.holdMessage('order/1', tx(10, 1, 0, 1), 'p1');
    m.holdMessage('order/0', tx(10, 0, 3, 4), 'p0');
    m.holdMessage('order/0', tx(10, 0, 3, 5), 'p0-second');
    m.holdSource(key(10, 'user_events', 0, 0), 'u');
    m.sourceFrontier('idle');
    m.clock('order/0', 'idle');
    m.clock('order/1', 'idle');
    expect(drain(m)).toEqual(['p0', 'p0-second', 'p1', 'u']);
  });

  test('a promise never moves back, a late key is recognised, and force releases the head', () => {
    const m = new EventTimeMerge<string>(['order/0', 'order/1']);
    m.sourceFrontier('idle');
    m.clock('order/0', tx(50, 0, 1, -1));
    m.clock('order/0', tx(20, 0, 0, -1)); // an old clock record read again
    m.holdMessage('order/1', tx(40, 1, 0, 1), 'b40');
    expect(m.next()).toBe('b40'); // order/0 still promises 50
    m.holdMessage('order/1', tx(55, 1, 1, 2), 'b55');
    expect(m.next()).toBeUndefined();
    expect(m.isLate(tx(30, 0, 0, 3))).toBe(true);
    expect(m.isLate(tx(41, 0, 0, 3))).toBe(false);
    expect(m.next(true)).toBe('b55');
  });

  test('only the origins named are merged', () => {
    const m = new EventTimeMerge<string>(['order/0']);
    expect(m.merges('order/0')).toBe(true);
    expect(m.merges('sku/0')).toBe(false);
    expect(m.merges('')).toBe(false);
  });

  test('a long run stays in order across the queues compacting', () => {
    const m = new EventTimeMerge<number>(['order/0', 'order/1']);
    m.sourceFrontier('idle');
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      m.holdMessage(`order/${i % 2}`, tx(i, i % 2, i, i + 1), i);
      m.clock(`order/${(i + 1) % 2}`, tx(i, (i + 1) % 2, i + 1, -1));
      out.push(...drain(m));
    }
    m.clock('order/0', 'idle');
    m.clock('order/1', 'idle');
    out.push(...drain(m));
    expect(out).toEqual([...Array(5000).keys()]);
  });
});
