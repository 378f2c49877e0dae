import type { ITopicMetadata } from 'kafkajs';
import type { AdminPort } from '../kafkajs/port.ts';
import { invalidArgument, unknownTopic } from './kafka-errors.ts';
import type { LogStorage } from './log-storage.ts';

/** The cluster the in-process log describes: one broker (node 0) that leads every partition. */
export const IN_PROCESS_CLUSTER = { brokers: [{ nodeId: 0, host: 'in-process', port: 0 }], controller: 0, clusterId: 'in-process-log' };

/**
 * The admin slice of kafkajs over the in-process log. Answers take kafkajs's shapes (offsets as
 * decimal strings, partition metadata with leader/replicas/isr) and its quirks: `createTopics`
 * resolves false when a requested topic already exists (the others are still created), and asking
 * about a topic that does not exist fails with UNKNOWN_TOPIC_OR_PARTITION.
 *
 * @param defaultPartitions what `numPartitions: -1` (or none) means, like a broker's `num.partitions`.
 */
export function createAdmin(storage: LogStorage, defaultPartitions: number): AdminPort {
  return {
    async connect() {},
    async disconnect() {},

    async listTopics() {
      return storage.topicNames();
    },

    async createTopics({ topics, validateOnly }) {
      if (!topics || !Array.isArray(topics)) throw invalidArgument(`Invalid topics array ${topics}`);
      if (topics.some(({ topic }) => typeof topic !== 'string')) {
        throw invalidArgument('Invalid topics array, the topic names have to be a valid string');
      }
      if (new Set(topics.map((t) => t.topic)).size < topics.length) {
        throw invalidArgument('Invalid topics array, it cannot have multiple entries for the same topic');
      }
      let allNew = true;
      for (const { topic, numPartitions } of topics) {
        const n = numPartitions === undefined || numPartitions === -1 ? defaultPartitions : numPartitions;
        if (storage.has(topic)) allNew = false;
        else if (!validateOnly) storage.createTopic(topic, n);
      }
      return allNew;
    },

    async fetchTopicMetadata(options) {
      // kafkajs: no topics (or an empty list) means every topic
      const names = options?.topics?.length ? options.topics : storage.topicNames();
      const topics: ITopicMetadata[] = names.map((name) => ({ name, partitions: storage.partitionMetadata(name) }));
      return { topics };
    },

    async fetchTopicOffsets(topic) {
      if (!storage.has(topic)) throw unknownTopic(topic);
      return Array.from({ length: storage.partitionCount(topic) }, (_, partition) => {
        const { low, high } = storage.offsets(topic, partition);
        return { partition, offset: String(high), high: String(high), low: String(low) };
      });
    },

    async describeCluster() {
      return structuredClone(IN_PROCESS_CLUSTER);
    },
  };
}
