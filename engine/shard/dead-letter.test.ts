import { describe, expect, test } from 'bun:test';
import { isStorableValue } from './dead-letter.ts';

describe('isStorableValue', () => {
  test('plain JSON values are storable', () => {
    expect(isStorableValue({ from: { type: 'order', key: 'o-1' }, msg: { type: 'reserve', qty: 2, lines: [1, 'a', null, true] } })).toBe(true);
    expect(isStorableValue([])).toBe(true);
    expect(isStorableValue(null)).toBe(true);
  });

  test('U+0000 or a lone surrogate anywhere, in a value or a key, at any place in an array, is not', () => {
    expect(isStorableValue({ msg: { note: 'a\u0000b' } })).toBe(false);
    expect(isStorableValue({ msg: { ['k\u0000']: 1 } })).toBe(false);
    expect(isStorableValue({ msg: { list: ['ok', 'ok', '\ud800'] } })).toBe(false);
    expect(isStorableValue(['\udfff'])).toBe(false);
  });

  test('nesting past 16 levels is not (the check is bounded)', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 18; i++) deep = { d: deep };
    expect(isStorableValue(deep)).toBe(false);
    let shallow: unknown = 'leaf';
    for (let i = 0; i < 10; i++) shallow = [shallow];
    expect(isStorableValue(shallow)).toBe(true);
  });

  test('only own properties count, as in the parsed JSON', () => {
    const proto = { bad: '\u0000' };
    const o = Object.create(proto) as Record<string, unknown>;
    o.good = 'fine';
    expect(isStorableValue(o)).toBe(true);
  });
});
