import { describe, expect, test } from 'bun:test';
import { IS_CONTROL, type fetchV17, type RecordsBatch } from '@platformatic/kafka';
import { fetchRequest, responseOf, splitResponse } from './fetch-request.ts';
import { toProduceMessage, toSourceBatch, toTailRecord } from './records.ts';

const b = (s: string) => Buffer.from(s);

function batch(firstOffset: bigint, records: [string, string, [string, string][]][], opts: Partial<RecordsBatch> = {}): RecordsBatch {
  return {
    firstOffset, length: 0, partitionLeaderEpoch: 0, magic: 2, crc: 0, attributes: 0, lastOffsetDelta: records.length - 1,
    firstTimestamp: 1_000n, maxTimestamp: 1_000n + BigInt(records.length), producerId: -1n, producerEpoch: -1, firstSequence: -1,
    records: records.map(([key, value, headers], i) => ({ length: 0, attributes: 0, timestampDelta: BigInt(i), offsetDelta: i, key: b(key), value: b(value), headers: headers.map(([k, v]) => [b(k), b(v)]) })),
    ...opts,
  };
}

function answer(partitionIndex: number, records: RecordsBatch[] | null, errorCode = 0): fetchV17.FetchResponsePartition {
  return { partitionIndex, errorCode, highWatermark: 42n, lastStableOffset: 42n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records };
}

describe('fetched records → the port', () => {
  test('records from the fetch offset on, with offsets, timestamps and text headers; lastOffset past a trailing marker', () => {
    const data = batch(10n, [['k1', 'v1', []], ['k2', 'v2', [['trace', 't2']]], ['k3', 'v3', []]]);
    const marker = batch(13n, [['', '', []]], { attributes: IS_CONTROL });
    const out = toSourceBatch('t', 2, 11n, answer(2, [data, marker]))!;
    expect(out).toMatchObject({ topic: 't', partition: 2, highWatermark: 42, lastOffset: '13' });
    expect(out.records.map((r) => [r.offset, Buffer.from(r.key!).toString(), Buffer.from(r.value!).toString(), r.timestamp, r.headers])).toEqual([
      ['11', 'k2', 'v2', '1001', { trace: 't2' }],
      ['12', 'k3', 'v3', '1002', undefined],
    ]);
  });

  test('broker (log-append) time: every record of the batch has its max timestamp', () => {
    const out = toSourceBatch('t', 0, 0n, answer(0, [batch(0n, [['a', '1', []], ['b', '2', []]], { attributes: 0x08, maxTimestamp: 5_000n })]))!;
    expect(out.records.map((r) => r.timestamp)).toEqual(['5000', '5000']);
  });

  test('no batch, or only records before the fetch offset: nothing to deliver; only markers: an empty batch to move past', () => {
    expect(toSourceBatch('t', 0, 0n, answer(0, null))).toBeUndefined();
    expect(toSourceBatch('t', 0, 5n, answer(0, [batch(0n, [['a', '1', []]])]))).toBeUndefined();
    const markers = toSourceBatch('t', 0, 7n, answer(0, [batch(7n, [['', '', []]], { attributes: IS_CONTROL })]))!;
    expect({ records: markers.records.length, lastOffset: markers.lastOffset }).toEqual({ records: 0, lastOffset: '7' });
  });

  test('outgoing records: UTF-8 key, text or exact bytes, header map, bigint timestamp', () => {
    const bytes = new Uint8Array([9, 0, 255, 7]).subarray(1, 3);
    const m = toProduceMessage({ topic: 't', key: 'ключ', value: bytes, headers: { a: 'é' }, timestamp: 1234 });
    expect([m.key!.toString(), [...m.value!], [...m.headers as Map<Buffer, Buffer>].map(([k, v]) => [k.toString(), v.toString()]), m.timestamp]).toEqual(['ключ', [0, 255], [['a', 'é']], 1234n]);
    expect(toProduceMessage({ topic: 't', key: 'k', value: 'text' })).toEqual({ topic: 't', key: b('k'), value: b('text') });
  });

  test('a tail record decodes key and value as text', () => {
    expect(toTailRecord('t', 1, { offset: '3', key: b('k'), value: null, headers: { h: 'x' } })).toEqual({ topic: 't', partition: 1, offset: '3', key: 'k', value: null, headers: { h: 'x' } });
  });
});

describe('fetch requests and responses', () => {
  const metadata = { topics: new Map([['t', { id: 'id-t' }], ['u', { id: 'id-u' }]]) } as never;
  const parts = [
    { topic: 't', partition: 0, key: 't:0', offset: 5n },
    { topic: 't', partition: 1, key: 't:1', offset: 6n },
    { topic: 'u', partition: 0, key: 'u:0', offset: 7n },
    { topic: 'u', partition: 1, key: 'u:1', offset: 8n },
  ];

  test('one request topic per topic id, each partition from its offset', () => {
    expect(fetchRequest(parts, metadata, 1024).map((t) => [t.topicId, t.partitions.map((p) => [p.partition, p.fetchOffset, p.partitionMaxBytes])])).toEqual([
      ['id-t', [[0, 5n, 1024], [1, 6n, 1024]]],
      ['id-u', [[0, 7n, 1024], [1, 8n, 1024]]],
    ]);
  });

  test('a response splits into data, out of range, failed and unanswered; unrequested partitions are ignored', () => {
    const response = { responses: [{ topicId: 'id-t', partitions: [answer(0, []), answer(1, null, 1), answer(9, [])] }, { topicId: 'id-u', partitions: [answer(0, null, 6)] }] } as never;
    const split = splitResponse(response, parts, metadata);
    expect([split.fetched.map(([p]) => p.key), split.outOfRange.map((p) => p.key), split.failed.map((p) => p.key), split.rest.map((p) => p.key)]).toEqual([['t:0'], ['t:1'], ['u:0'], ['u:1']]);
  });

  test("a failed fetch's response is found on its error, also when wrapped by retries", () => {
    const response = { responses: [] };
    expect(responseOf({ errors: [new Error('x'), { errors: [{ response }] }] })).toBe(response as never);
    expect(responseOf(new Error('network'))).toBeUndefined();
  });
});
