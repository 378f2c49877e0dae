/**
 * Public API of engine/: the exactly-once engine. A processor joins the consumer group through a
 * `LogClient` (the ports below, filled by adapters/), runs the shards of the partitions it is
 * assigned, and checkpoints states, outputs and input offsets to Postgres (store/) in one
 * transaction per shard. Everything not exported here is internal to the engine.
 */
export { startProcessor, type LocalAnswer, type Processor } from './processor.ts';
export type { ReleaseOutcome } from './quarantine-release.ts';
export { PROCESSOR_DEFAULTS, defaultWorkers, type ProcessorOptions } from './processor-options.ts';
export { OBSERVER_METHODS, type BatchApplied, type Checkpointed, type ProcessorObserver, type TracedRecord } from './observer.ts';
export { isShardId, parseShardId, shardId } from './shard-id.ts';
export { assignShards } from './shard-assignment.ts';
export { sourceTopicName, topicNames, type TopicNames } from './topic-names.ts';
export { DLQ_HEADERS, ORIGIN_HEADER, SEQ_HEADER, TRACEPARENT } from './shard/records.ts';
export type { AggregateRows, ProcessedEvent, ReadModelRows, ShardDelta } from './shard/shard-api.ts';

// The ports: what the engine asks of the log, in its own terms. Adapters implement them.
export type { LogClient, SourceOptions, Tail, TailOptions, TailRecord, TailStart } from './log-client.ts';
export type { BatchControl, RecordSource, SourceBatch, SourceHandlers, TopicPartition } from './record-source.ts';
export type { OutgoingRecord, RecordSink } from './record-sink.ts';
export type { TopicAdmin } from './topic-admin.ts';
export { readDeadLetters, redriveDeadLetters, REDRIVE_HEADER, type DeadLetter, type RedriveResult } from './dead-letters.ts';
export type { RawMessage } from './shard/record-batch.ts';
export type { Totals } from './membership.ts';
