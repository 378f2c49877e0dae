import { describe, expect, test } from 'bun:test';
import { jsonText, stateJsonOf, UnencodableValue } from './json-rows.ts';

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
