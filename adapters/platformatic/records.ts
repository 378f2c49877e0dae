import { Buffer } from 'node:buffer';
import { IS_CONTROL, type fetchV17, type MessageToProduce, type RecordsBatch } from '@platformatic/kafka';
import type { OutgoingRecord, RawMessage, SourceBatch, TailRecord } from '../../engine/index.ts';

type FetchedPartition = fetchV17.FetchResponsePartition;

/** A record batch's attribute bit for broker (log-append) time: then every record has maxTimestamp. */
const LOG_APPEND_TIME = 0x08;

/**
 * One fetched partition as the RecordSource port hands it out: the data records at or after
 * `from` (a fetch returns whole record batches, which may start before it), and `lastOffset`, the
 * end of the last batch — past transaction markers, so marking it consumed moves beyond them.
 * Undefined when the fetch returned no batch. `records` may be empty (only markers): the caller
 * then moves past `lastOffset` itself, since no handler would.
 */
export function toSourceBatch(topic: string, partition: number, from: bigint, fetched: FetchedPartition): SourceBatch | undefined {
  const batches = fetched.records;
  if (!batches || batches.length === 0) return undefined;
  const records: RawMessage[] = [];
  for (const batch of batches) {
    if (batch.attributes & IS_CONTROL) continue;
    for (const r of batch.records) {
      const offset = batch.firstOffset + BigInt(r.offsetDelta);
      if (offset < from) continue;
      const m: RawMessage = { offset: String(offset), key: r.key, value: r.value, timestamp: String(timestampOf(batch, r.timestampDelta)) };
      if (r.headers.length > 0) m.headers = textHeaders(r.headers);
      records.push(m);
    }
  }
  const last = batches[batches.length - 1]!;
  const lastOffset = last.firstOffset + BigInt(last.lastOffsetDelta);
  if (lastOffset < from) return undefined;
  return { topic, partition, highWatermark: Number(fetched.highWatermark), records, lastOffset: String(lastOffset) };
}

/** A fetched record as a tail delivers it: key and value decoded as UTF-8 text. */
export function toTailRecord(topic: string, partition: number, m: RawMessage): TailRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : Buffer.from(m.key.buffer, m.key.byteOffset, m.key.byteLength).toString('utf8'),
    value: m.value === null ? null : Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength).toString('utf8'),
    headers: { ...(m.headers as Record<string, string> | undefined) },
    ...(m.timestamp === undefined ? {} : { timestamp: Number(m.timestamp) }),
  };
}

/** An outgoing record for platformatic's producer: bytes throughout (no serializers), headers kept in order. */
export function toProduceMessage(r: OutgoingRecord): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  const message: MessageToProduce<Buffer, Buffer, Buffer, Buffer> = { topic: r.topic, key: Buffer.from(r.key, 'utf8'), value: bytes(r.value) };
  if (r.headers) message.headers = new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')]));
  if (r.timestamp !== undefined) message.timestamp = BigInt(r.timestamp);
  return message;
}

function bytes(value: string | Uint8Array): Buffer {
  // A view, not a copy: the producer only reads the bytes while encoding the request.
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function timestampOf(batch: RecordsBatch, delta: bigint): bigint {
  return batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : batch.firstTimestamp + delta;
}

/** Header values as UTF-8 text, as the engine reads them (a repeated name: the last value). */
function textHeaders(headers: readonly [Buffer | null, Buffer | null][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) if (name !== null) out[name.toString('utf8')] = value === null ? '' : value.toString('utf8');
  return out;
}
