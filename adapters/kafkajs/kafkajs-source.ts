import type { EachBatchPayload } from 'kafkajs';
import type { SourceOptions, RecordSource, TopicPartition } from '../../engine/index.ts';
import type { KafkaPort } from './port.ts';
import { createShardAssigner } from './shard-assigner.ts';
import { invalidSessionTimeout } from '../shared/session-timeout.ts';

/**
 * The RecordSource port over a kafkajs consumer: a consumer group with the co-partitioning
 * assigner, no auto-commit and no auto-resolve — the engine decides what was consumed and where to
 * fetch from. Unlike the port's wording, kafkajs's `stop()` also leaves the group.
 */
export async function createKafkajsSource(kafka: KafkaPort, opts: SourceOptions): Promise<RecordSource> {
  const consumer = kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeoutMs,
    heartbeatInterval: opts.heartbeatIntervalMs,
    // kafkajs heartbeats, and so hears of a rebalance, only between fetches: an idle partition's
    // fetch waiting the 5 s default would outlast a short session (the member is expelled while idle)
    // and delay every rebalance. A fetch waits at most one heartbeat interval.
    maxWaitTimeInMs: Math.max(100, Math.min(5_000, opts.heartbeatIntervalMs)),
    ...(opts.maxBytesPerPartition ? { maxBytesPerPartition: opts.maxBytesPerPartition } : {}),
    partitionAssigners: [createShardAssigner(opts.shardOf)],
  });
  await consumer.connect();
  try {
    for (const topic of opts.topics) await consumer.subscribe({ topic, fromBeginning: true });
  } catch (e) {
    await consumer.disconnect().catch(() => {});
    throw e;
  }
  const byTopic = (tps: readonly TopicPartition[]) => tps.map(({ topic, partition }) => ({ topic, partitions: [partition] }));
  return {
    async run(handlers, { concurrency }) {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const partitions: TopicPartition[] = [];
        for (const [topic, ps] of Object.entries(payload.memberAssignment)) for (const partition of ps) partitions.push({ topic, partition });
        handlers.assigned(partitions);
      });
      // kafkajs ends a consumer whose join failed with a non-retriable error (CRASH, restart false)
      // and still resolves run(): without this the processor would wait forever for an assignment.
      let refused: Error | undefined;
      const offCrash = consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (isInvalidSessionTimeout(payload.error)) refused = payload.error;
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: concurrency,
        eachBatch: ({ batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload) =>
          whileHeartbeating(heartbeat, opts.heartbeatIntervalMs, () =>
            handlers.batch(
              { topic: batch.topic, partition: batch.partition, highWatermark: Number(batch.highWatermark), records: batch.messages, lastOffset: batch.lastOffset() },
              { current: () => isRunning() && !isStale(), consumedThrough: resolveOffset, heartbeat },
            ),
          ),
      });
      offCrash();
      if (refused) throw invalidSessionTimeout(opts.sessionTimeoutMs);
    },
    seek: ({ topic, partition }, offset) => consumer.seek({ topic, partition, offset: String(offset) }),
    pause: (tps) => consumer.pause(byTopic(tps)),
    resume: (tps) => consumer.resume(byTopic(tps)),
    commit: (offsets) => consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }))),
    stop: () => consumer.stop(),
    disconnect: () => consumer.disconnect(),
  };
}

/**
 * kafkajs heartbeats only between batches, and a batch handler may wait for seconds: for the
 * shards of a new generation to be restored from Postgres (1M entities: ~10 s), or behind
 * backpressure. Under a short session the member was expelled mid-restore, the group rebalanced, the
 * restore began again — a loop (seen at 1M entities with a 3 s session). So the member heartbeats
 * on a timer while a handler runs, as platformatic and the Java client do; a rebalance it hears of
 * meanwhile is ignored here and seen by kafkajs at its own next heartbeat, after the batch. A
 * handler stuck for good keeps its shards only until the next rebalance (rebalance timeout).
 */
async function whileHeartbeating<T>(heartbeat: () => Promise<void>, intervalMs: number, run: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => {}), intervalMs);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

function isInvalidSessionTimeout(e: Error & { type?: string; cause?: unknown }): boolean {
  for (let x: (Error & { type?: string; cause?: unknown }) | undefined = e; x; x = x.cause as typeof x) {
    if (x.type === 'INVALID_SESSION_TIMEOUT') return true;
  }
  return false;
}
