import type { RawMessage, SourceBatch, TailRecord } from '../../engine/index.ts';
import type { StoredRecord } from './partition-log.ts';

/** A fetch of one partition as the RecordSource port hands it out; `records` must not be empty. */
export function toSourceBatch(topic: string, partition: number, records: readonly StoredRecord[], highWatermark: number): SourceBatch {
  return {
    topic,
    partition,
    highWatermark,
    records: records.map(toRawMessage),
    // No transaction markers or compacted gaps here: a fetch covers exactly its last record.
    lastOffset: String(records[records.length - 1]!.offset),
  };
}

/**
 * A fetched record. The object is fresh per fetch; key and value are views of the log's own bytes
 * (no copy per delivery), so readers must treat them as read-only.
 */
function toRawMessage(r: StoredRecord): RawMessage {
  const valueStart = r.start + r.keyLength;
  const m: RawMessage = {
    offset: String(r.offset),
    key: r.arena.subarray(r.start, valueStart),
    value: r.arena.subarray(valueStart, valueStart + r.valueLength),
    timestamp: String(r.timestamp),
  };
  if (r.headers) m.headers = { ...r.headers };
  return m;
}

/** A record as a tail delivers it: key and value decoded as UTF-8 text. */
export function toTailRecord(topic: string, partition: number, m: RawMessage): TailRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : Buffer.from(m.key).toString('utf8'),
    value: m.value === null ? null : Buffer.from(m.value).toString('utf8'),
    headers: { ...(m.headers as Record<string, string> | undefined) },
    ...(m.timestamp === undefined ? {} : { timestamp: Number(m.timestamp) }),
  };
}
