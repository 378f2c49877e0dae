import type { TopicAdmin } from '../../engine/index.ts';
import { planSourceTopics, planTopics } from '../../engine/topic-plan.ts';
import type { LogStorage } from './log-storage.ts';

/**
 * The TopicAdmin port on the in-process log. The engine's topics are the same as on a cluster
 * (engine/topic-plan.ts); topic configuration is not kept (the bound a broker puts on input
 * records' timestamps is not enforced: only this process produces here).
 *
 * @param groups this log's consumer groups: a group's member ids, and deleting one (with its offsets)
 */
export function createAdmin(storage: LogStorage, groups: { membersOf(groupId: string): string[]; delete(groupId: string): void }): TopicAdmin {
  const existing = (topic: string) => storage.partitionCount(topic);
  return {
    async ping() {},
    async ensureTopics(spec) {
      const plan = planTopics(spec, existing);
      for (const { topic, partitions } of plan.create) storage.createTopic(topic, partitions);
      return plan.partitionsPerType;
    },
    async ensureSourceTopics(topics, partitions) {
      const plan = planSourceTopics(topics, partitions, existing);
      for (const topic of plan.create) storage.createTopic(topic, partitions);
      return { created: plan.create, mismatched: plan.mismatched };
    },
    partitionCount: async (topic) => existing(topic),
    async deleteTopics(topics) {
      for (const t of topics) storage.deleteTopic(t);
    },
    // An unknown topic throws (UNKNOWN_TOPIC), as asking a broker about it fails.
    async offsets(topic) {
      return storage.partitions(topic).map((p, partition) => ({ partition, low: p.low, high: p.high }));
    },
    async offsetsAt(topic, timestampMs) {
      return storage.partitions(topic).map((p, partition) => ({ partition, offset: p.offsetAt(timestampMs) }));
    },
    groupMembers: async (groupId) => groups.membersOf(groupId),
    async deleteGroup(groupId) {
      const members = groups.membersOf(groupId).length;
      if (members > 0) throw new Error(`consumer group ${groupId} still has ${members} member(s): not deleted`);
      groups.delete(groupId);
    },
    async disconnect() {},
  };
}
