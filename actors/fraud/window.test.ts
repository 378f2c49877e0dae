import { describe, expect, test } from 'bun:test';
import { entriesOf, slide, stored } from './window.ts';

describe('slide', () => {
  test('an entry exactly windowMs old has left the window; one at windowMs − 1 has not', () => {
    const window = [
      { ts: 0, id: 'a' },
      { ts: 1, id: 'b' },
    ];
    const slid = slide(window, { ts: 10, id: 'c' }, 10, 100);
    expect(slid.entries.map((e) => e.id)).toEqual(['b', 'c']);
    expect(slid).toMatchObject({ at: 10, before: 1, added: true });
  });

  test('keeps time order, arrival order within one millisecond', () => {
    const window = [
      { ts: 1, id: 'a' },
      { ts: 3, id: 'c' },
    ];
    expect(slide(window, { ts: 2, id: 'b' }, 10, 100).entries.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(slide(window, { ts: 3, id: 'd' }, 10, 100).entries.map((e) => e.id)).toEqual(['a', 'c', 'd']);
  });

  test('a late entry is judged at the latest time the window has seen', () => {
    const window = [{ ts: 20, id: 'new' }];
    const outside = slide(window, { ts: 10, id: 'late' }, 10, 100);
    expect(outside).toMatchObject({ at: 20, before: 1, added: false });
    expect(outside.entries.map((e) => e.id)).toEqual(['new']);
    const inside = slide(window, { ts: 11, id: 'late' }, 10, 100);
    expect(inside.entries.map((e) => e.id)).toEqual(['late', 'new']);
  });

  test('over the cap, drops the oldest unless told otherwise', () => {
    const window = [
      { ts: 1, id: 'a' },
      { ts: 2, id: 'b' },
    ];
    expect(slide(window, { ts: 3, id: 'c' }, 10, 2).entries.map((e) => e.id)).toEqual(['b', 'c']);
    expect(slide(window, { ts: 3, id: 'c' }, 10, 2, () => 1).entries.map((e) => e.id)).toEqual(['a', 'c']);
  });
});

describe('stored windows', () => {
  test('are flat arrays that decode to the same entries; empty is undefined', () => {
    const entries = [
      { ts: 1, id: 'a', tag: 'x' },
      { ts: 2, id: 'b', tag: 'y' },
    ];
    expect(stored(entries, true)).toEqual([1, 'a', 'x', 2, 'b', 'y']);
    expect(entriesOf(stored(entries, true), true)).toEqual(entries);
    expect(stored([{ ts: 1, id: 'a' }], false)).toEqual([1, 'a']);
    expect(stored([], false)).toBeUndefined();
    expect(entriesOf(undefined, false)).toEqual([]);
  });
});
