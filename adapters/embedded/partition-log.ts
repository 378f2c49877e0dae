import { Signal } from '../shared/signals.ts';

/**
 * A record as the log holds it. Key and value bytes live in the `arena` of the append that wrote
 * them (one Buffer per append, not two per record: a small Buffer costs several times its bytes).
 * An arena is freed once retention dropped every record of its append, so a partition holds at
 * most one append's bytes beyond its retained records.
 */
export interface StoredRecord {
  offset: number;
  /** Epoch ms: the producer's, else the time of the send (Kafka's CreateTime); age retention reads it. */
  timestamp: number;
  arena: Buffer;
  /** Where the key starts in `arena`; the value follows it. */
  start: number;
  keyLength: number;
  valueLength: number;
  headers: Readonly<Record<string, string>> | undefined;
  /** key + value + header bytes: what a fetch's byte budget counts. */
  bytes: number;
}

export interface NewRecord {
  key: string;
  /** Text (stored as UTF-8), or bytes stored exactly as given. */
  value: string | Uint8Array;
  timestamp: number;
  headers?: Readonly<Record<string, string>>;
}

/** How much a partition keeps: the oldest records beyond either bound are dropped. */
export interface Retention {
  maxRecordsPerPartition: number;
  /** Undefined: no age bound. */
  maxAgeMs: number | undefined;
}

/** Dropped slots are compacted away only once this many have piled up (and at least half the array). */
const MIN_COMPACTION = 1024;

/**
 * One partition: an append-only sequence of records with offsets from 0, of which retention keeps
 * the newest. `low` (the first offset held) only grows, and a record's offset never changes.
 *
 * Dropping is amortised O(1): a dropped slot is cleared at once (its record can be collected) and
 * the array is cut only when at least half of it is cleared slots, so each cut copies no more
 * records than were dropped since the last one. The array thus holds at most about twice the
 * retained records.
 */
export class PartitionLog {
  /** Notified whenever records are appended. */
  readonly appended = new Signal();
  #slots: (StoredRecord | undefined)[] = [];
  /** Offset of `#slots[0]`. */
  #base = 0;
  /** Index in `#slots` of the first record held. */
  #first = 0;

  constructor(private readonly retention: Retention) {}

  /** The first offset still held. */
  get low(): number {
    return this.#base + this.#first;
  }

  /** The end offset (high watermark): the offset the next record gets. */
  get high(): number {
    return this.#base + this.#slots.length;
  }

  /** Array slots in use (held records and dropped ones awaiting compaction): what memory grows with. */
  get slotsInUse(): number {
    return this.#slots.length;
  }

  /**
   * Appends records in order and returns the offset of the first. All of one call become visible at
   * once (a fetch sees none or all of them); then retention drops the oldest and waiters are woken.
   */
  append(records: readonly NewRecord[], now: number): number {
    const base = this.high;
    const arena = Buffer.allocUnsafe(records.reduce((n, r) => n + Buffer.byteLength(r.key) + byteLength(r.value), 0));
    let at = 0;
    for (const r of records) {
      const keyLength = arena.write(r.key, at);
      const valueLength = writeValue(arena, r.value, at + keyLength);
      const headers = r.headers && Object.keys(r.headers).length > 0 ? { ...r.headers } : undefined;
      const bytes = keyLength + valueLength + headerBytes(headers);
      this.#slots.push({ offset: this.high, timestamp: r.timestamp, arena, start: at, keyLength, valueLength, headers, bytes });
      at += keyLength + valueLength;
    }
    this.prune(now);
    if (records.length > 0) this.appended.notify();
    return base;
  }

  /**
   * Records from offset `from` on (from `low` when `from` is below it), at most `maxBytes` of them
   * but always at least one (a broker returns a record larger than the fetch limit rather than
   * none, or the reader would stall).
   */
  read(from: number, maxBytes: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (let i = Math.max(from, this.low) - this.#base; i < this.#slots.length; i++) {
      const r = this.#slots[i]!;
      if (out.length > 0 && bytes + r.bytes > maxBytes) break;
      bytes += r.bytes;
      out.push(r);
    }
    return out;
  }

  /** The first offset held whose timestamp is at or after `timestampMs`; `high` when there is none. */
  offsetAt(timestampMs: number): number {
    // A scan rather than a binary search: producers may set timestamps (and clocks step back), so they need not be sorted.
    for (let i = this.#first; i < this.#slots.length; i++) {
      if (this.#slots[i]!.timestamp >= timestampMs) return this.#base + i;
    }
    return this.high;
  }

  /** Drops the records retention no longer keeps: beyond the count bound, or older than the age bound. */
  prune(now: number): void {
    const { maxRecordsPerPartition, maxAgeMs } = this.retention;
    this.#dropBelow(Math.max(this.low, this.high - maxRecordsPerPartition));
    if (maxAgeMs !== undefined) this.releaseOlderThan(now - maxAgeMs, this.high);
  }

  /** Drops the records below `offset`: every reader that counts has committed past them. */
  release(offset: number): void {
    this.#dropBelow(Math.min(offset, this.high));
  }

  /**
   * Drops the oldest records below `limit` that are stamped before `cutoff`, stopping at the first
   * one that is not (timestamps are mostly in order; one out of order only keeps more).
   */
  releaseOlderThan(cutoff: number, limit: number): void {
    const end = Math.min(limit, this.high);
    let until = this.low;
    while (until < end && this.#slots[until - this.#base]!.timestamp < cutoff) until++;
    this.#dropBelow(until);
  }

  #dropBelow(offset: number): void {
    const until = offset - this.#base;
    if (until <= this.#first) return;
    this.#slots.fill(undefined, this.#first, until);
    this.#first = until;
    if (this.#first >= MIN_COMPACTION && this.#first * 2 >= this.#slots.length) {
      this.#slots = this.#slots.slice(this.#first);
      this.#base += this.#first;
      this.#first = 0;
    }
  }
}

function byteLength(v: string | Uint8Array): number {
  return typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength;
}

/** Writes `v` at `at`, returning its length; bytes are copied, so the caller may reuse its array. */
function writeValue(arena: Buffer, v: string | Uint8Array, at: number): number {
  if (typeof v === 'string') return arena.write(v, at);
  arena.set(v, at);
  return v.byteLength;
}

function headerBytes(headers: Readonly<Record<string, string>> | undefined): number {
  let n = 0;
  for (const [k, v] of Object.entries(headers ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}
