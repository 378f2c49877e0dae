import { describe, expect, test } from 'bun:test';
import type { HeldInput } from './awaiting-holds.ts';
import { HeldList } from './held-list.ts';
import { encodeRootKey } from './merge-key.ts';

const held = (n: number, at?: number): HeldInput => ({
  input: { kind: 'event', event: { id: `e-${n}` } as never },
  now: n,
  heldAt: 0,
  ...(at === undefined ? {} : { root: encodeRootKey({ at, topic: 'transaction_events', partition: 0, offset: n, seq: 0 }) }),
});
const ids = (hs: Iterable<HeldInput>) => [...hs].map((h) => h.now);

describe('held list', () => {
  test('hands its inputs out oldest first across compactions of the consumed head, with pushes between', () => {
    const list = new HeldList();
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3000; i++) list.push(held(next++));
      for (let i = 0; i < 2500; i++) out.push(list.shift()!.now);
    }
    while (list.length > 0) out.push(list.shift()!.now);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(list.shift()).toBeUndefined();
    expect(list.first()).toBeUndefined();
  });

  test('first, find, iteration and its JSON see only what is still held', () => {
    const list = new HeldList([held(1), held(2), held(3), held(4)]);
    list.shift();
    expect(list.first()!.now).toBe(2);
    expect(list.find((h) => h.now % 2 === 1)!.now).toBe(3);
    expect(list.find((h) => h.now === 1)).toBeUndefined();
    expect(ids(list)).toEqual([2, 3, 4]);
    expect(JSON.parse(JSON.stringify({ held: list })).held.map((h: HeldInput) => h.now)).toEqual([2, 3, 4]);
    expect(list.length).toBe(3);
  });

  test('an input inserted by its root key goes after every one keyed at or before it, never before the head', () => {
    const list = new HeldList([held(1, 10), held(2, 20), held(3, 30), held(4, 40)]);
    list.shift();
    list.shift(); // 3 (30) and 4 (40) are left
    list.insertByRoot(held(5, 35));
    list.insertByRoot(held(6, 5)); // earlier than all that is left: first, not among the consumed
    list.insertByRoot(held(7, 40)); // a tie goes after
    list.insertByRoot(held(8)); // no root: at the end
    expect(ids(list)).toEqual([6, 3, 5, 4, 7, 8]);
  });
});
