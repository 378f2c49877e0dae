import { describe, expect, test } from 'bun:test';
import type postgres from 'postgres';
import { jsonText, stateJsonOf, textLines, UnencodableValue } from './json-rows.ts';

describe('stateJsonOf', () => {
  const base = { actorType: 'sku', key: 'sku-1' };

  test('writes text a shard worker encoded as it is, and encodes an object here', () => {
    expect(stateJsonOf({ ...base, stateJson: '{"b":1,"a":2}' })).toBe('{"b":1,"a":2}');
    expect(stateJsonOf({ ...base, state: { b: 1, a: 2 } })).toBe('{"b":1,"a":2}');
  });

  test("refuses a state the worker could not encode as a data error, in the words it uses for an object it cannot encode", () => {
    let here: unknown;
    try {
      jsonText({ n: 7n }, "sku 'sku-1': its state");
    } catch (e) {
      here = e;
    }
    const reason = (() => {
      try {
        JSON.stringify({ n: 7n });
      } catch (e) {
        return (e as Error).message;
      }
    })()!;
    let there: unknown;
    try {
      stateJsonOf({ ...base, unencodable: reason });
    } catch (e) {
      there = e;
    }
    expect(there).toBeInstanceOf(UnencodableValue);
    expect((there as UnencodableValue).code).toBe('22000');
    expect((there as Error).message).toBe((here as Error).message);
  });
});

describe('textLines', () => {
  // Only `typed` is used: it hands back what postgres.js would send, the text itself.
  const tx = { typed: (value: unknown) => value } as unknown as postgres.Sql;

  test('JSON texts go one per line; the rows are left alone', () => {
    const rows: Record<string, unknown>[] = [{ k: 'a' }, { k: 'b' }];
    expect(textLines(tx, rows, ['{"n":1}', '{"s":"x\\ny"}']) as unknown).toBe('{"n":1}\n{"s":"x\\ny"}');
    expect(rows).toEqual([{ k: 'a' }, { k: 'b' }]);
  });

  test('a text that cannot be a line goes in its row, and its line is a placeholder', () => {
    const rows: Record<string, unknown>[] = [{}, {}, {}, {}, {}, {}];
    const lines = textLines(tx, rows, ['{"n":1}', 'raw\nvalue', '', undefined, '-', 'a\ud800b']) as unknown as string;
    expect(lines.split('\n')).toEqual(['{"n":1}', '-', '-', '-', '-', '-']);
    expect(rows).toEqual([{}, { x: true, o: 'raw\nvalue' }, { x: true, o: '' }, { x: true, o: null }, {}, { x: true, o: 'a\ud800b' }]);
  });
});
