import type { ActorAddress } from '../../actors/actor.ts';
import type { ActorMessage } from '../../schemas/index.ts';

/**
 * What crosses from the Kafka consumer into a shard: raw records, not decoded events, so the hot
 * path can move a batch as one structured-clone (or transfer) and decode inside the worker.
 */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  /** Kafka timestamp, epoch ms; absent only for records fed by hand (tests, benchmarks). */
  timestamp?: number;
  /**
   * Delivered in memory from the committed outbox of a shard in this process (engine/local-delivery.ts),
   * not fetched: it has no Kafka offset (`offset` is -1), and the receiver's checkpoint deletes its row.
   */
  memory?: true;
  /** Set when the key or value was not UTF-8: the base64 of that field's bytes, to dead-letter them unchanged. */
  malformed?: { key?: string; value?: string };
}

/** W3C trace context header: carried from a record to the messages and alerts its handling produced. */
export const TRACEPARENT = 'traceparent';

/** Headers an inbox record carries so its receiver can drop redeliveries exactly. */
export const ORIGIN_HEADER = 'x-origin';
export const SEQ_HEADER = 'x-seq';

/** Value of an inbox record: an actor → actor message with its sender. */
export interface InboxValue {
  from: ActorAddress;
  msg: ActorMessage;
}

/** Headers of a dead letter (`<topic>.dlq`): why it was refused and where it came from. */
export const DLQ_HEADERS = {
  code: 'x-dlq-code',
  reason: 'x-dlq-reason',
  topic: 'x-dlq-source-topic',
  partition: 'x-dlq-source-partition',
  offset: 'x-dlq-source-offset',
  /** Length (UTF-16 characters) of the original value; the DLQ copy is cut to 64 Ki characters. */
  originalLength: 'x-dlq-original-length',
  /**
   * `base64` when the value is the base64 of the original bytes: they were not UTF-8, or held a
   * character Postgres cannot store (U+0000). Absent: the value is the original text.
   */
  valueEncoding: 'x-dlq-value-encoding',
  /** The same for the key. */
  keyEncoding: 'x-dlq-key-encoding',
  /** Length of the key as stored before it was cut to 1024 characters (only when it was). */
  originalKeyLength: 'x-dlq-original-key-length',
} as const;
