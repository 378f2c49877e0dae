import type { RecordSink } from './record-sink.ts';
import type { RecordSource } from './record-source.ts';
import type { TopicAdmin } from './topic-admin.ts';

/**
 * Everything the engine asks of the log, as the engine's own ports: an adapter builds them for
 * one client (adapters/kafkajs/kafkajs-client.ts: kafkajs against a cluster, or the embedded
 * in-process log). The processor takes one of these and never names a client library.
 */
export interface LogClient {
  admin(): Promise<TopicAdmin>;
  sink(): Promise<RecordSink>;
  source(opts: SourceOptions): Promise<RecordSource>;
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
