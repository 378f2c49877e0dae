import { describe, expect, test } from 'bun:test';
import { bodyItems, countArrayItems, type BodyItem } from './body-items.ts';

const items = (text: string, ndjson = false, max?: number): BodyItem[] => {
  const r = bodyItems(text, ndjson, max);
  if (!('items' in r)) throw new Error('too many');
  return r.items;
};

describe('ingest body items', () => {
  test('one envelope, an array, and NDJSON (by content type or by shape)', () => {
    expect(items('{"a":1}')).toEqual([{ index: 0, value: { a: 1 }, bytes: 7 }]);
    expect(items('[{"a":1},{"b":2}]').map((i) => 'value' in i && i.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(items('{"a":1}\n{"b":2}\n').map((i) => 'value' in i && i.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(items('{"a":1}\n\n{"b":2}', true)).toHaveLength(2);
  });

  test('a malformed NDJSON line fails alone, with its index; a malformed single document is one error', () => {
    const got = items('{"a":1}\n{oops\n{"c":3}', true);
    expect(got[1]).toMatchObject({ index: 1 });
    expect('error' in got[1]! && got[1].error).toContain('line 2');
    expect(got[2]).toMatchObject({ index: 2, value: { c: 3 } });
    expect(items('{not json')).toEqual([{ index: 0, error: expect.stringContaining('malformed JSON') }]);
  });

  test('byte sizes are UTF-8 sizes (for the per-event limit)', () => {
    expect(items('{"s":"é"}')[0]).toMatchObject({ bytes: 10 });
  });

  test('more items than allowed is decided before parsing: arrays, NDJSON, and NDJSON sent as JSON', () => {
    expect(bodyItems('[1,2,3]', false, 3)).toMatchObject({ items: expect.any(Array) });
    expect(bodyItems('[1,2,3,4]', false, 3)).toEqual({ tooMany: true, maxItems: 3 });
    expect(bodyItems('1\n2\n\n3\n4\n', true, 3)).toEqual({ tooMany: true, maxItems: 3 });
    expect(bodyItems('{"a":1}\n{"a":2}\n{"a":3}', false, 2)).toEqual({ tooMany: true, maxItems: 2 });
  });

  test('the array count ignores commas and brackets inside strings and nested values', () => {
    expect(countArrayItems('[]', 0)).toBe(0);
    expect(countArrayItems(' [ 1 ] ', 1)).toBe(1);
    expect(countArrayItems('[{"a":[1,2],"b":"x,]\\",y"},[3,4],"z"]', 0)).toBe(3);
    // Stops early: a huge array is not scanned to its end.
    expect(countArrayItems(`[${'1,'.repeat(1_000_000)}1]`, 0, 10)).toBe(11);
  });

  test('a 16 MiB array of numbers is refused without being parsed, and its count stops past the limit', () => {
    const huge = `[${'1,'.repeat(8 * 1024 * 1024 - 2)}1]`;
    const parse = JSON.parse;
    JSON.parse = () => {
      throw new Error('parsed a body that was over the item limit');
    };
    try {
      expect(bodyItems(huge, false, 10_000)).toEqual({ tooMany: true, maxItems: 10_000 });
    } finally {
      JSON.parse = parse;
    }
    expect(countArrayItems(huge, 0, 10_000)).toBe(10_001);
  });
});
