/**
 * The engine's port for writing records (the outbox relay's inbox messages, alerts and dead
 * letters): durable once `send` resolves (all in-sync replicas), in order per partition, and
 * idempotent, so a retry after a lost answer never duplicates. Adapters fill it
 * (adapters/kafkajs/kafkajs-sink.ts, adapters/embedded/sink.ts).
 */
export interface RecordSink {
  send(records: readonly OutgoingRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface OutgoingRecord {
  topic: string;
  /** Partitioned by the key (murmur2, as every component computes it). */
  key: string;
  /** Text as the product writes it; bytes for producers that must write exactly what they were given. */
  value: string | Uint8Array;
  headers?: Record<string, string>;
  /** The record's timestamp (ms since the epoch); default: when it is produced. */
  timestamp?: number;
}
