import type { IHeaders, KafkaMessage, PartitionMetadata } from 'kafkajs';
import { invalidPartitions, unknownPartition, unknownTopic } from './kafka-errors.ts';
import { Signal } from './signals.ts';

/**
 * The records of the in-process log: topics of N partitions, each an append-only array whose
 * index is the record's offset (the log start is always 0: nothing is ever deleted or compacted).
 * Memory only — a restart loses everything, which is why the embedded default keeps its offsets
 * of truth in PGlite and replays nothing it has not re-produced.
 */
export interface StoredRecord {
  offset: number;
  /** CreateTime in epoch ms as a decimal string, as kafkajs reports it. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Header values as Buffers (arrays for repeated keys), as a consumer receives them. */
  headers: IHeaders;
  /** key + value + header bytes: what a fetch's byte budget counts. */
  bytes: number;
}

export type NewRecord = Omit<StoredRecord, 'offset' | 'bytes'>;

interface Partition {
  records: StoredRecord[];
  appended: Signal;
}

export class LogStorage {
  #topics = new Map<string, Partition[]>();

  /** Creates a topic; false when it already exists (its partition count is left as it is). */
  createTopic(topic: string, partitions: number): boolean {
    if (!Number.isInteger(partitions) || partitions < 1) throw invalidPartitions(topic, partitions);
    if (this.#topics.has(topic)) return false;
    this.#topics.set(topic, Array.from({ length: partitions }, () => ({ records: [], appended: new Signal() })));
    return true;
  }

  has(topic: string): boolean {
    return this.#topics.has(topic);
  }

  topicNames(): string[] {
    return [...this.#topics.keys()];
  }

  partitionCount(topic: string): number {
    return this.#partitions(topic).length;
  }

  /** Kafka's partition metadata of a single-broker cluster (node 0 leads every partition). */
  partitionMetadata(topic: string): PartitionMetadata[] {
    return this.#partitions(topic).map((_, partitionId) => ({
      partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [],
    }));
  }

  /**
   * Appends records in order and returns the offset of the first. All of one call become visible
   * at once (a fetch sees none or all of them), then waiting consumers are woken.
   */
  append(topic: string, partition: number, records: readonly NewRecord[]): number {
    const p = this.#partition(topic, partition);
    const base = p.records.length;
    for (const r of records) p.records.push({ ...r, offset: p.records.length, bytes: sizeOf(r) });
    if (records.length > 0) p.appended.notify();
    return base;
  }

  /**
   * Records from offset `from` on, at most `maxBytes` of them but always at least one (a broker
   * returns a record larger than the fetch limit rather than none, or the consumer would stall).
   */
  read(topic: string, partition: number, from: number, maxBytes: number): StoredRecord[] {
    const { records } = this.#partition(topic, partition);
    let end = from;
    let bytes = 0;
    while (end < records.length && (end === from || bytes + records[end]!.bytes <= maxBytes)) {
      bytes += records[end]!.bytes;
      end++;
    }
    return records.slice(from, end);
  }

  /** Log start (always 0) and end offset (the high watermark: the next offset to be written). */
  offsets(topic: string, partition: number): { low: number; high: number } {
    return { low: 0, high: this.#partition(topic, partition).records.length };
  }

  /** Notified whenever records are appended to the partition. */
  appended(topic: string, partition: number): Signal {
    return this.#partition(topic, partition).appended;
  }

  clear(): void {
    this.#topics.clear();
  }

  #partitions(topic: string): Partition[] {
    const partitions = this.#topics.get(topic);
    if (!partitions) throw unknownTopic(topic);
    return partitions;
  }

  #partition(topic: string, partition: number): Partition {
    const p = this.#partitions(topic)[partition];
    if (!p) throw unknownPartition(topic, partition);
    return p;
  }
}

/**
 * A consumer's copy of a stored record. The object is fresh per fetch; the Buffers are shared with
 * the log (no copy per delivery), so consumers must treat them as read-only, as they would
 * kafkajs's decoded slices of a fetch response.
 */
export function toMessage(r: StoredRecord): KafkaMessage {
  return { key: r.key, value: r.value, timestamp: r.timestamp, attributes: 0, offset: String(r.offset), headers: { ...r.headers } };
}

function sizeOf(r: NewRecord): number {
  let n = (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0);
  for (const [k, v] of Object.entries(r.headers)) {
    n += Buffer.byteLength(k);
    for (const part of Array.isArray(v) ? v : [v]) n += part === undefined ? 0 : Buffer.byteLength(part);
  }
  return n;
}
