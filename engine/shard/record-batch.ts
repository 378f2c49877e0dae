import { Buffer } from 'node:buffer';
import type { SourceRecord } from './records.ts';

/**
 * A fetched batch of one topic partition in the form that crosses into a shard worker: keys and
 * values as raw UTF-8 bytes in ONE buffer, offsets and byte ranges in typed arrays. Posting it
 * transfers three ArrayBuffers (no copy, no per-record cloning) and the UTF-8 decoding happens in
 * the worker, off the consumer's thread.
 */
export interface RecordBatch {
  topic: string;
  partition: number;
  offsets: Float64Array;
  /** Per record [keyStart, keyEnd, valueStart, valueEnd] into `bytes`; -1 start = null, -2 = in `texts`. */
  bounds: Int32Array;
  bytes: Uint8Array;
  /** Keys and values that came as text (messages handed over in memory), by record: [key, value, …]. */
  texts?: (string | undefined)[];
  /** Kafka timestamps (epoch ms, NaN when a record had none), or undefined when no record had one. */
  timestamps?: Float64Array;
  /** Headers per record, or undefined when no record of the batch has any. */
  headers?: (Record<string, string> | undefined)[];
  /** Inbox messages delivered in memory, not fetched (SourceRecord.memory). */
  memory?: true;
}

/** The kafkajs message fields a batch is packed from. */
export interface RawMessage {
  offset: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** Kafka timestamp (create or log-append time), epoch ms as a string. */
  timestamp?: string;
  headers?: Record<string, unknown>;
}

/**
 * A message handed over in memory (engine/local-delivery.ts): its key and value are the text they
 * were made from. Encoded to UTF-8 only for the shard to decode them again, packing, transferring
 * and unpacking one took 1.3–1.8 µs on Bun, against 0.85 as text (issue #19).
 */
export interface TextMessage extends Omit<RawMessage, 'key' | 'value'> {
  key: string | null;
  value: string | null;
}

/** What a batch is packed from: fetched messages, or messages handed over in memory. */
export type PackableMessage = RawMessage | TextMessage;

/** Packs fetched messages (or messages handed over as text); `transferables(batch)` lists what to hand over with postMessage. */
export function packBatch(topic: string, partition: number, messages: readonly PackableMessage[]): RecordBatch {
  const n = messages.length;
  let size = 0;
  for (const m of messages) size += byteLength(m.key) + byteLength(m.value);
  const bytes = new Uint8Array(size);
  const bounds = new Int32Array(n * 4);
  const offsets = new Float64Array(n);
  let timestamps: Float64Array | undefined;
  let headers: (Record<string, string> | undefined)[] | undefined;
  const batch: RecordBatch = { topic, partition, offsets, bounds, bytes };
  let at = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    offsets[i] = Number(m.offset);
    if (m.timestamp !== undefined) (timestamps ??= new Float64Array(n).fill(NaN))[i] = Number(m.timestamp);
    at = put(m.key, batch, i * 4, at, n);
    at = put(m.value, batch, i * 4 + 2, at, n);
    const h = stringHeaders(m.headers);
    if (h) (headers ??= new Array(n))[i] = h;
  }
  if (timestamps) batch.timestamps = timestamps;
  if (headers) batch.headers = headers;
  return batch;
}

export function transferables(batch: RecordBatch): ArrayBuffer[] {
  const buffers = [batch.offsets.buffer, batch.bounds.buffer, batch.bytes.buffer] as ArrayBuffer[];
  if (batch.timestamps) buffers.push(batch.timestamps.buffer as ArrayBuffer);
  return buffers;
}

// Fatal: a key or value that is not UTF-8 is refused (dead-lettered with its bytes), never
// silently turned into U+FFFD and applied as if the producer had sent that.
const decoder = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** The records of a packed batch, decoded. */
export function unpackBatch(batch: RecordBatch): SourceRecord[] {
  const { topic, partition, offsets, headers, timestamps } = batch;
  const out: SourceRecord[] = new Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) {
    const r: SourceRecord = { topic, partition, offset: offsets[i]!, key: null, value: null, headers: headers?.[i] ?? {} };
    if (batch.memory) r.memory = true;
    r.key = text(batch, i * 4, r, 'key');
    r.value = text(batch, i * 4 + 2, r, 'value');
    const ts = timestamps?.[i];
    // Kafka's "no timestamp" is -1: such a record is bounded by nothing rather than by 1970.
    if (ts !== undefined && ts >= 0) r.timestamp = ts;
    out[i] = r;
  }
  return out;
}

function byteLength(src: Uint8Array | string | null): number {
  return src === null || typeof src === 'string' ? 0 : src.byteLength;
}

/** Places a key or value (`slot` of `bounds`) in `batch`; returns where the next bytes go. */
function put(src: Uint8Array | string | null, batch: RecordBatch, slot: number, at: number, records: number): number {
  const { bounds, bytes } = batch;
  if (src === null || typeof src === 'string') {
    bounds[slot] = src === null ? -1 : IN_TEXTS;
    bounds[slot + 1] = -1;
    if (src !== null) (batch.texts ??= new Array(records * 2))[slot / 2] = src;
    return at;
  }
  bytes.set(src, at);
  bounds[slot] = at;
  bounds[slot + 1] = at + src.byteLength;
  return at + src.byteLength;
}

/** A `bounds` start: the key or value is in `texts`. */
const IN_TEXTS = -2;

function text(batch: RecordBatch, slot: number, r: SourceRecord, field: 'key' | 'value'): string | null {
  const { bytes, bounds } = batch;
  const start = bounds[slot]!;
  if (start === IN_TEXTS) return batch.texts![slot / 2]!;
  if (start < 0) return null;
  const raw = bytes.subarray(start, bounds[slot + 1]!);
  try {
    return decoder.decode(raw);
  } catch {
    (r.malformed ??= {})[field] = Buffer.from(raw).toString('base64');
    return lenient.decode(raw);
  }
}

/** A header value as a shard sees it: text (of an array of values, the first). */
export function headerText(v: unknown): string {
  return String(Array.isArray(v) ? v[0] : v);
}

function stringHeaders(h: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!h) return undefined;
  let out: Record<string, string> | undefined;
  // No Object.entries: one pair array per header per record was measurable in packing.
  for (const k in h) {
    const v = h[k];
    if (v === undefined || !Object.hasOwn(h, k)) continue;
    (out ??= {})[k] = headerText(v);
  }
  return out;
}
