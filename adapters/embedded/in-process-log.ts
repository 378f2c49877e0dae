import type { ConsumerConfig, ProducerConfig } from 'kafkajs';
import type { AdminPort, ConsumerPort, KafkaPort, ProducerPort } from '../kafkajs/port.ts';
import { createAdmin } from './admin.ts';
import { createConsumer } from './consumer.ts';
import { GroupCoordinator } from './consumer-group.ts';
import { LogStorage } from './log-storage.ts';
import { createProducer } from './producer.ts';

export interface InProcessLogOptions {
  /** Partitions of a topic created without `numPartitions` (or with -1), like `num.partitions`. Default 1. */
  defaultPartitions?: number;
}

export type InProcessLog = KafkaPort & {
  /** Stops every consumer of this log (ending their fetch loops) and drops all records and offsets. */
  close(): Promise<void>;
};

/**
 * The embedded default's Kafka: a partitioned log inside the process behind the same `KafkaPort`
 * as kafkajs, so the processor, the relay, the HTTP ingest and the generator run on it unchanged.
 * It keeps what the exactly-once runtime relies on: per-partition offsets from 0 and order, keys
 * placed by Kafka's murmur2 partitioner, consumer groups that split partitions with the member's
 * assigner and announce every generation with GROUP_JOIN before its first batch, kafkajs's
 * resolveOffset / seek / isStale / pause / resume rules, bounded batches, committed group offsets.
 *
 * MEMORY ONLY: no durability, no replication, no transactions; records and offsets vanish with
 * the process (or `close()`). No retention either: every record stays in memory until `close()`,
 * so a long run at a steady rate grows without bound (about the size of the values produced).
 * One log instance is one cluster: clients of different instances do not see each other. Not
 * modelled: session timeouts and heartbeats (members live in this process, so none goes silent),
 * transactions, compaction, and the network (a fetch is a function call).
 *
 * @example
 * const kafka = createInProcessLog({ defaultPartitions: 3 });
 * const processor = await startProcessor({ ...options, kafka });
 * // …
 * await processor.stop();
 * await kafka.close();
 */
export function createInProcessLog(opts: InProcessLogOptions = {}): InProcessLog {
  const storage = new LogStorage();
  const groups = new Map<string, GroupCoordinator>();
  const running = new Set<ConsumerPort>();
  const groupOf = (groupId: string) => {
    let g = groups.get(groupId);
    if (!g) groups.set(groupId, (g = new GroupCoordinator(groupId, storage)));
    return g;
  };
  return {
    admin: (): AdminPort => createAdmin(storage, opts.defaultPartitions ?? 1),
    producer: (config?: ProducerConfig): ProducerPort => createProducer(storage, config),
    consumer: (config: ConsumerConfig): ConsumerPort => createConsumer(storage, groupOf, config, running),
    async close() {
      await Promise.all([...running].map((c) => c.disconnect().catch(() => {})));
      groups.clear();
      storage.clear();
    },
  };
}
