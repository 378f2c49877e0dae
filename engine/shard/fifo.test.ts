import { describe, expect, test } from 'bun:test';
import { Fifo } from './fifo.ts';

describe('Fifo', () => {
  test('hands items out oldest first, across compactions, and says when it is empty', () => {
    const q = new Fifo<number>();
    expect(q.shift()).toBeUndefined();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      q.push(i + 0.5);
      out.push(q.shift()!);
    }
    expect(q.length).toBe(5000);
    expect(q.peek()).toBe(2500);
    while (q.length > 0) out.push(q.shift()!);
    expect(out).toEqual([...Array(5000).keys()].flatMap((i) => [i, i + 0.5]));
    expect(q.peek()).toBeUndefined();
  });

  test('find, values and its JSON see only what is still queued; a queue made from an array starts with it', () => {
    const q = new Fifo([1, 2, 3, 4]);
    q.shift();
    expect(q.peek()).toBe(2);
    expect(q.find((n) => n % 2 === 1)).toBe(3);
    expect(q.find((n) => n === 1)).toBeUndefined();
    expect([...q.values()]).toEqual([2, 3, 4]);
    expect(q.toArray()).toEqual([2, 3, 4]);
    expect(JSON.parse(JSON.stringify({ q }))).toEqual({ q: [2, 3, 4] });
  });

  test('an item inserted after the last one not after it keeps later ones behind it, and never goes before the head', () => {
    const q = new Fifo([10, 20, 30, 40]);
    q.shift();
    q.shift(); // 30 and 40 are left
    const notAfter = (item: number) => (existing: number) => existing <= item;
    q.insertAfterLast(35, notAfter(35));
    q.insertAfterLast(5, notAfter(5)); // earlier than all that is left: first, not among the consumed
    q.insertAfterLast(40, notAfter(40)); // a tie goes after
    expect(q.toArray()).toEqual([5, 30, 35, 40, 40]);
    while (q.length > 0) q.shift();
    q.insertAfterLast(1, notAfter(1));
    expect(q.toArray()).toEqual([1]);
  });
});
