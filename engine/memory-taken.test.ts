import { describe, expect, test } from 'bun:test';
import { checkedTaken, countByOrigin, partsByReceipt, takenMask, wasTaken } from './memory-taken.ts';

const m = (origin?: string) => ({ headers: origin === undefined ? {} : { 'x-origin': origin } });

describe('memory-taken', () => {
  test('without waits, a prefix of `consumed` was taken', () => {
    expect(takenMask([m('a'), m('a')], {})).toBeUndefined();
    expect([0, 1, 2].map((i) => wasTaken(undefined, 2, i))).toEqual([true, true, false]);
  });

  test("an origin that waited is not taken from that message on; every other origin's message is", () => {
    const records = [m('a'), m('b'), m('a'), m('c'), m('b'), m(undefined), m(undefined)];
    expect(takenMask(records, { memoryWaits: [1, 5] })).toEqual([true, false, true, true, false, false, false]);
  });

  test('counts per origin, adding to what it is given', () => {
    const into = countByOrigin([m('a')]);
    expect([...countByOrigin([m('a'), m('b'), m(undefined)], into)]).toEqual([['a', 2], ['b', 1], [undefined, 1]]);
  });

  test('a count its waits do not leave is an error; one they do is the result', () => {
    const records = [m('a'), m('b'), m('a')];
    expect(checkedTaken(records, { consumed: 1, memoryWaits: [0] })).toEqual({ consumed: 1, memoryWaits: [0] });
    expect(() => checkedTaken(records, { consumed: 2, memoryWaits: [0] })).toThrow('the shard reports 2 memory messages taken, but its waits leave 1');
    expect(checkedTaken(records, { consumed: 2 }).consumed).toBe(2); // no waits: a prefix
  });

  test("parts by receipt: each origin's records up to its first received after the measurement, then the rest, each origin in sequence", () => {
    const at = (origin: string, seq: number, t: number) => ({ offset: '-1', key: 'k', value: `${origin}#${seq}`, timestamp: String(t), headers: { 'x-origin': origin } });
    const records = [at('a', 1, 5), at('a', 2, 50), at('a', 3, 6), at('b', 1, 7), at('b', 2, 8), at('c', 1, 90)];
    expect(partsByReceipt(records, 10).map((p) => p.map((r) => r.value))).toEqual([['a#1', 'b#1', 'b#2'], ['a#2', 'a#3', 'c#1']]);
    expect(partsByReceipt(records, 100).length).toBe(1);
  });
});
