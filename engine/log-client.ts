import type { RecordSink } from './record-sink.ts';
import type { RecordSource } from './record-source.ts';
import type { TopicAdmin } from './topic-admin.ts';

/**
 * Everything the engine and the product's other clients of the log (HTTP ingest, alert feed,
 * generator, operator commands) ask of it, as the engine's own ports. An adapter builds them for
 * one client: adapters/kafkajs/ (a Kafka cluster through kafkajs) or adapters/embedded/ (the
 * in-process log of the embedded default). Nothing outside adapters/ names a client library.
 */
export interface LogClient {
  /** A connected admin. */
  admin(): Promise<TopicAdmin>;
  /** A connected, idempotent producer. */
  sink(): Promise<RecordSink>;
  /** A consumer-group member for the engine's shards (co-partitioned assignment). */
  source(opts: SourceOptions): Promise<RecordSource>;
  /**
   * Follows one topic outside the engine's group (the SSE alert feed, tests reading outputs):
   * `onRecords` gets every record from `from` on, in order per partition, until `stop`.
   * With `groupId`, the position is kept in that group across restarts.
   */
  tail(topic: string, opts: TailOptions, onRecords: (records: TailRecord[]) => void | Promise<void>): Promise<Tail>;
  /**
   * The partition this client's producer puts `key` on (Kafka's default: murmur2 of the UTF-8
   * key, positive, modulo the count). Queries find an entity's owner with it, so it must agree
   * with where the sink (and every other producer of the inputs) writes.
   */
  partitionOf(key: string, partitionCount: number): number;
}

export interface SourceOptions {
  groupId: string;
  topics: readonly string[];
  /** The actor type whose shard a topic feeds: a shard's partitions go to one member together. */
  shardOf(topic: string): string | undefined;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxBytesPerPartition?: number;
}

export interface TailOptions {
  /**
   * Where to start: every partition's beginning or end, or ONE partition from an offset (the other
   * partitions are not read; throwaway position only, no `groupId`): reading a range of a partition.
   */
  from: 'beginning' | 'end' | TailStart;
  /** Keep the read position in this consumer group; default: a throwaway position. */
  groupId?: string;
}

export interface TailStart {
  partition: number;
  offset: number;
}

/** A record as a tail delivers it: key, value and headers decoded as UTF-8 text. */
export interface TailRecord {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka timestamp (epoch ms), when the client reports one. */
  timestamp?: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface Tail {
  stop(): Promise<void>;
}
