import { describe, expect, test } from 'bun:test';
import { bodyItems } from './body-items.ts';

describe('ingest body items', () => {
  test('one envelope, an array, and NDJSON (by content type or by shape)', () => {
    expect(bodyItems('{"a":1}', 'application/json')).toEqual([{ index: 0, value: { a: 1 }, bytes: 7 }]);
    expect(bodyItems('[{"a":1},{"b":2}]', 'application/json').map((i) => 'value' in i && i.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(bodyItems('{"a":1}\n{"b":2}\n', undefined).map((i) => 'value' in i && i.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(bodyItems('{"a":1}\n\n{"b":2}', 'application/x-ndjson')).toHaveLength(2);
  });

  test('a malformed NDJSON line fails alone, with its index; a malformed single document is one error', () => {
    const items = bodyItems('{"a":1}\n{oops\n{"c":3}', 'application/x-ndjson');
    expect(items[1]).toMatchObject({ index: 1 });
    expect('error' in items[1]! && items[1].error).toContain('line 2');
    expect(items[2]).toMatchObject({ index: 2, value: { c: 3 } });
    expect(bodyItems('{not json', 'application/json')).toEqual([{ index: 0, error: expect.stringContaining('malformed JSON') }]);
  });

  test('byte sizes are UTF-8 sizes (for the per-event limit)', () => {
    expect(bodyItems('{"s":"é"}', undefined)[0]).toMatchObject({ bytes: 10 });
  });
});
