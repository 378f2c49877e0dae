import { describe, expect, test } from 'bun:test';
import { packBatch, transferables, unpackBatch } from './record-batch.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('record batch', () => {
  test('round-trips keys, values (multi-byte UTF-8 too), nulls, offsets and headers', () => {
    const batch = packBatch('user_events', 3, [
      { offset: '41', key: utf8('u-1'), value: utf8('{"a":"é€😀"}') },
      { offset: '42', key: null, value: null },
      { offset: '9007199254740991', key: utf8(''), value: utf8('x'), headers: { 'x-origin': Buffer.from('order/1'), 'x-seq': Buffer.from('7') } },
    ]);
    expect(unpackBatch(batch)).toEqual([
      { topic: 'user_events', partition: 3, offset: 41, key: 'u-1', value: '{"a":"é€😀"}', headers: {} },
      { topic: 'user_events', partition: 3, offset: 42, key: null, value: null, headers: {} },
      { topic: 'user_events', partition: 3, offset: 9007199254740991, key: '', value: 'x', headers: { 'x-origin': 'order/1', 'x-seq': '7' } },
    ]);
    expect(batch.headers).toHaveLength(3);
  });

  test('a batch without headers carries none, and its three buffers can be transferred', () => {
    const batch = packBatch('t', 0, [{ offset: '0', key: utf8('k'), value: utf8('v') }]);
    expect(batch.headers).toBeUndefined();
    const buffers = transferables(batch);
    expect(buffers).toHaveLength(3);
    const copy = structuredClone(batch, { transfer: buffers });
    expect(batch.bytes.byteLength).toBe(0); // detached: moved, not copied
    expect(unpackBatch(copy)[0]).toMatchObject({ key: 'k', value: 'v' });
  });

  test('messages handed over as text keep their text, beside bytes and nulls, across a transfer', () => {
    const batch = packBatch('app.sku.inbox', 1, [
      { offset: '-1', key: 'sku-1', value: '{"type":"reserve","qty":2,"note":"é€😀"}', headers: { 'x-seq': '3' } },
      { offset: '-1', key: null, value: '' },
      { offset: '5', key: utf8('sku-2'), value: utf8('{"b":1}') },
    ]);
    expect(batch.bytes.byteLength).toBe('sku-2{"b":1}'.length); // text is not encoded into the bytes
    const copy = structuredClone(batch, { transfer: transferables(batch) });
    expect(unpackBatch(copy)).toEqual([
      { topic: 'app.sku.inbox', partition: 1, offset: -1, key: 'sku-1', value: '{"type":"reserve","qty":2,"note":"é€😀"}', headers: { 'x-seq': '3' } },
      { topic: 'app.sku.inbox', partition: 1, offset: -1, key: null, value: '', headers: {} },
      { topic: 'app.sku.inbox', partition: 1, offset: 5, key: 'sku-2', value: '{"b":1}', headers: {} },
    ]);
  });
});
