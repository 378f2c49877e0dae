import { describe, expect, test } from 'bun:test';
import { DueQueue } from './due-queue.ts';

/** Pops everything, earliest first. */
function drain<T>(q: DueQueue<T>): T[] {
  const out: T[] = [];
  for (let x = q.pop(); x !== undefined; x = q.pop()) out.push(x);
  return out;
}

describe('DueQueue', () => {
  test('items leave by due time, then by seq among items due at the same time', () => {
    const q = new DueQueue<string>();
    q.push(30, 1, 'c1');
    q.push(10, 5, 'a5');
    q.push(20, 3, 'b3');
    q.push(10, 2, 'a2');
    q.push(20, 4, 'b4');
    q.push(10, 9, 'a9');
    expect(q.size).toBe(6);
    expect(q.sorted()).toEqual(['a2', 'a5', 'a9', 'b3', 'b4', 'c1']);
    expect(q.size).toBe(6); // sorted() removes nothing
    expect(drain(q)).toEqual(['a2', 'a5', 'a9', 'b3', 'b4', 'c1']);
    expect(q.size).toBe(0);
  });

  test('ties on due time follow seq, not the order of pushing', () => {
    const q = new DueQueue<number>();
    for (const seq of [7, 3, 9, 1, 5]) q.push(100, seq, seq);
    expect(drain(q)).toEqual([1, 3, 5, 7, 9]);
  });

  test('a large random workload leaves in (due time, seq) order', () => {
    const q = new DueQueue<{ at: number; seq: number }>();
    const pushed: { at: number; seq: number }[] = [];
    let x = 12345;
    for (let seq = 0; seq < 2_000; seq++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const item = { at: x % 97, seq };
      pushed.push(item);
      q.push(item.at, item.seq, item);
    }
    expect(drain(q)).toEqual([...pushed].sort((a, b) => a.at - b.at || a.seq - b.seq));
  });

  test('popDueBefore is strict: an item due exactly at the limit stays (an input at that time is on time)', () => {
    const q = new DueQueue<string>();
    q.push(10, 1, 'ten');
    q.push(20, 2, 'twenty');
    expect(q.popDueBefore(10)).toBeUndefined();
    expect(q.popDueBefore(11)).toBe('ten');
    expect(q.popDueBefore(20)).toBeUndefined();
    expect(q.size).toBe(1);
  });

  test('popDueBefore inclusive also takes items due exactly at the limit (the clock advanced to it)', () => {
    const q = new DueQueue<string>();
    q.push(10, 1, 'ten');
    q.push(20, 2, 'twenty');
    q.push(21, 3, 'later');
    expect(q.popDueBefore(20, true)).toBe('ten');
    expect(q.popDueBefore(20, true)).toBe('twenty');
    expect(q.popDueBefore(20, true)).toBeUndefined();
    expect(q.peekAt()).toBe(21);
  });

  test('popDueBefore sees items pushed between pops, earlier ones first', () => {
    const q = new DueQueue<string>();
    q.push(50, 1, 'fifty');
    expect(q.popDueBefore(100)).toBe('fifty');
    q.push(70, 3, 'seventy');
    q.push(60, 2, 'sixty'); // scheduled while firing, due earlier than what is left
    expect(q.popDueBefore(100)).toBe('sixty');
    expect(q.popDueBefore(100)).toBe('seventy');
    expect(q.popDueBefore(100)).toBeUndefined();
  });

  test('an empty queue: nothing to pop, peekAt is Infinity, maxSeq is 0', () => {
    const q = new DueQueue<string>();
    expect(q.pop()).toBeUndefined();
    expect(q.popDueBefore(Infinity, true)).toBeUndefined();
    expect(q.peekAt()).toBe(Infinity);
    expect(q.maxSeq()).toBe(0);
    expect(q.sorted()).toEqual([]);
  });

  test('maxSeq is the largest seq still held, wherever it sits in the heap', () => {
    const q = new DueQueue<string>();
    q.push(5, 8, 'early, high seq');
    q.push(1, 2, 'first');
    q.push(9, 4, 'last');
    expect(q.maxSeq()).toBe(8);
    expect(q.popDueBefore(6)).toBe('first');
    expect(q.popDueBefore(6)).toBe('early, high seq');
    expect(q.maxSeq()).toBe(4);
  });
  test('forEachDueBefore visits exactly the items a pop would take before the limit, removing none', () => {
    const q = new DueQueue<{ at: number; seq: number }>();
    let x = 777;
    for (let seq = 0; seq < 1_000; seq++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      q.push(x % 500, seq, { at: x % 500, seq });
    }
    for (const [limit, inclusive] of [[0, false], [0, true], [137, false], [137, true], [499, true], [1e9, false]] as const) {
      const seen: number[] = [];
      q.forEachDueBefore(limit, inclusive, (item) => seen.push(item.seq));
      const expected = q.sorted().filter((i) => (inclusive ? i.at <= limit : i.at < limit)).map((i) => i.seq);
      expect(seen.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    }
    expect(q.size).toBe(1_000);
    const empty = new DueQueue<string>();
    empty.forEachDueBefore(Infinity, true, () => {
      throw new Error('an empty queue visits nothing');
    });
  });
});
