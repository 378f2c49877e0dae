import type { TopicAdmin } from '../../engine/index.ts';
import type { KafkaPort } from './port.ts';
import { creator, ensureTopics, partitionCounts } from './topics.ts';
import { ensurePlannedSourceTopics } from '../../engine/topic-plan.ts';
import { DEFAULT_MAX_FUTURE_MS } from '../../schemas/index.ts';

/** The TopicAdmin port over a kafkajs admin client. Connected on return. */
export async function createKafkajsAdmin(kafka: KafkaPort): Promise<TopicAdmin> {
  const admin = kafka.admin();
  await admin.connect();
  const partitionCount = async (topic: string) => {
    if (!(await admin.listTopics()).includes(topic)) return undefined;
    const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    return meta?.partitions.length;
  };
  return {
    ping: async () => void (await admin.describeCluster()),
    ensureTopics: ({ app, actors, partitions, topics, maxFutureMs }) => ensureTopics(admin, app, actors, partitions, topics, maxFutureMs),
    // Input topics made by tools (generate, ingest): replicated min(3, brokers), configured as inputs.
    ensureSourceTopics: async (topics, partitions) => ensurePlannedSourceTopics(topics, partitions, await partitionCounts(admin), creator(admin), DEFAULT_MAX_FUTURE_MS),
    partitionCount,
    async offsets(topic) {
      return (await retried(admin, topic, () => admin.fetchTopicOffsets(topic))).map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
    },
    async offsetsAt(topic, timestampMs) {
      // kafkajs answers -1 for a partition with no record at or after the time: its end offset.
      const [ends, atTime] = await Promise.all([
        retried(admin, topic, () => admin.fetchTopicOffsets(topic)),
        retried(admin, topic, () => admin.fetchTopicOffsetsByTimestamp(topic, timestampMs)),
      ]);
      const endOf = new Map(ends.map((e) => [e.partition, Number(e.high)]));
      return atTime.map((o) => ({ partition: o.partition, offset: Number(o.offset) < 0 ? endOf.get(o.partition) ?? 0 : Number(o.offset) }));
    },
    async deleteTopics(topics) {
      const existing = new Set(await admin.listTopics());
      const gone = topics.filter((t) => existing.has(t));
      if (gone.length > 0) await admin.deleteTopics({ topics: gone });
    },
    async groupMembers(groupId) {
      const { groups } = await admin.describeGroups([groupId]);
      return (groups[0]?.members ?? []).map((m) => `${m.clientId}@${m.clientHost}`);
    },
    async deleteGroup(groupId) {
      // Asked first: kafkajs retries a DeleteGroups refused for an unknown group until it gives up.
      const [group] = (await admin.describeGroups([groupId])).groups;
      if (!group || group.state === 'Dead') return;
      if (group.members.length > 0) throw new Error(`consumer group ${groupId} still has ${group.members.length} member(s): not deleted`);
      await admin.deleteGroups([groupId]);
    },
    disconnect: () => admin.disconnect(),
  };
}

const OFFSET_ATTEMPTS = 5;

/**
 * kafkajs's admin does not retry a ListOffsets that a broker answers with a retriable error
 * (NOT_LEADER_FOR_PARTITION right after a topic was created or a leader moved; seen on a loaded
 * CI host): refresh the topic's metadata and ask again, a few times, before giving up.
 */
async function retried<T>(admin: ReturnType<KafkaPort['admin']>, topic: string, ask: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ask();
    } catch (e) {
      if (!(e as { retriable?: boolean }).retriable || attempt >= OFFSET_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => {});
    }
  }
}

