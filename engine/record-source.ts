import type { RawMessage } from './shard/record-batch.ts';

/**
 * The engine's port for reading input: what the processor needs from a consumer-group client, in
 * its own terms. Adapters fill it (adapters/kafkajs/kafkajs-source.ts,
 * adapters/embedded/source.ts); nothing in the engine names a client library's types.
 */
export interface RecordSource {
  /**
   * Joins the group and delivers fetched batches until `stop`. `assigned` is told, synchronously,
   * every new generation's assignment; `batch` gets one batch of one partition at a time per
   * partition, up to `concurrency` partitions at once. A batch whose handler returns without
   * marking records consumed is delivered again.
   */
  run(handlers: SourceHandlers, opts: { concurrency: number }): Promise<void>;
  /** The next fetch of `tp` starts at `offset`. */
  seek(tp: TopicPartition, offset: number | string): void;
  pause(tps: readonly TopicPartition[]): void;
  resume(tps: readonly TopicPartition[]): void;
  /** Group offsets, for lag tools and autoscalers; the offsets of truth live in Postgres. */
  commit(offsets: readonly (TopicPartition & { offset: number })[]): Promise<void>;
  /** Stops fetching; the batch in flight finishes. Still a group member until `disconnect`. */
  stop(): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface SourceHandlers {
  assigned(partitions: readonly TopicPartition[]): void;
  batch(batch: SourceBatch, control: BatchControl): Promise<void>;
}

/** One fetched batch of one topic partition, in offset order. */
export interface SourceBatch {
  topic: string;
  partition: number;
  /** The partition's end offset as of this fetch. */
  highWatermark: number;
  records: readonly RawMessage[];
  /**
   * The offset through which this fetch covered the log: the last record's, or later when the
   * client filtered records out (e.g. transaction markers), so marking it consumed moves past them.
   */
  lastOffset: string;
  /** Inbox messages handed over in memory by a shard of this process (engine/local-delivery.ts), not fetched. */
  memory?: true;
  /**
   * When the engine received it (wall-clock ms; set by the intake): the time its high watermark is
   * as of, and that a source end must be as fresh as before its inbox records pass for being caught
   * up (engine/shard/inbox-gate.ts).
   */
  receivedAt?: number;
}

export interface BatchControl {
  /** False once this member stopped or the generation the batch was fetched in is over: apply nothing. */
  current(): boolean;
  /** Records up to and including `offset` are done: they are not delivered again (fetch position, not a commit). */
  consumedThrough(offset: string): void;
  /** Keeps the group membership alive during a long batch. */
  heartbeat(): Promise<void>;
}
