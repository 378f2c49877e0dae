/**
 * The engine's port for writing records (the outbox relay's inbox messages, alerts and dead
 * letters): durable once `send` resolves (all in-sync replicas), in order per partition, and
 * idempotent, so a retry after a lost answer never duplicates. Adapters fill it
 * (adapters/kafkajs/kafkajs-sink.ts for kafkajs and the in-process log).
 */
export interface RecordSink {
  send(records: readonly OutgoingRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface OutgoingRecord {
  topic: string;
  /** Partitioned by the key (murmur2, as every component computes it). */
  key: string;
  value: string;
  headers?: Record<string, string>;
}
