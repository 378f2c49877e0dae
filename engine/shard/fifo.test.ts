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
});
