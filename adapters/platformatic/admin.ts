import { Admin, ListOffsetTimestamps } from '@platformatic/kafka';
import type { TopicAdmin } from '../../engine/index.ts';
import type { ClientConfig } from './config.ts';
import { creator, ensureTopics, partitionCounts } from './topics.ts';
import { ensurePlannedSourceTopics } from '../../engine/topic-plan.ts';
import { DEFAULT_MAX_FUTURE_MS } from '../../schemas/index.ts';

/** The TopicAdmin port over a platformatic admin client. Connected (the cluster answered) on return. */
export async function createPlatformaticAdmin(config: ClientConfig): Promise<TopicAdmin> {
  const admin = new Admin(config);
  try {
    await admin.metadata({ topics: [] });
  } catch (e) {
    await admin.close().catch(() => {});
    throw e;
  }
  const listed = (topic: string, timestamp: bigint) => listOffsets(admin, topic, timestamp);
  return {
    ping: async () => void (await admin.metadata({ topics: [], forceUpdate: true })),
    ensureTopics: (spec) => ensureTopics(admin, spec),
    // Input topics made by tools (generate, ingest): replicated min(3, brokers), configured as inputs.
    ensureSourceTopics: async (topics, partitions) => ensurePlannedSourceTopics(topics, partitions, await partitionCounts(admin), creator(admin), DEFAULT_MAX_FUTURE_MS),
    async partitionCount(topic) {
      if (!(await admin.listTopics()).includes(topic)) return undefined;
      return (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)?.partitionsCount;
    },
    async offsets(topic) {
      const [low, high] = await Promise.all([listed(topic, ListOffsetTimestamps.EARLIEST), listed(topic, ListOffsetTimestamps.LATEST)]);
      return [...high].map(([partition, end]) => ({ partition, low: Number(low.get(partition) ?? 0n), high: Number(end) }));
    },
    async offsetsAt(topic, timestampMs) {
      // A partition with no record at or after the time answers -1: its end offset.
      const [ends, atTime] = await Promise.all([listed(topic, ListOffsetTimestamps.LATEST), listed(topic, BigInt(timestampMs))]);
      return [...atTime].map(([partition, offset]) => ({ partition, offset: Number(offset < 0n ? ends.get(partition) ?? 0n : offset) }));
    },
    async deleteTopics(topics) {
      const existing = new Set(await admin.listTopics());
      const gone = topics.filter((t) => existing.has(t));
      if (gone.length > 0) await admin.deleteTopics({ topics: gone });
    },
    async groupMembers(groupId) {
      const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
      return [...(group?.members.values() ?? [])].map((m) => `${m.clientId}@${m.clientHost}`);
    },
    async deleteGroup(groupId) {
      const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
      if (!group || group.state === 'Dead') return;
      if (group.members.size > 0) throw new Error(`consumer group ${groupId} still has ${group.members.size} member(s): not deleted`);
      await admin.deleteGroups({ groups: [groupId] });
    },
    disconnect: () => admin.close(),
  };
}

/** The offset at `timestamp` (or EARLIEST / LATEST) of every partition of `topic`, by partition. */
async function listOffsets(admin: Admin, topic: string, timestamp: bigint): Promise<Map<number, bigint>> {
  const count = (await admin.metadata({ topics: [topic] })).topics.get(topic)!.partitionsCount;
  const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
  const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
  return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, p.offset] as const).sort(([a], [b]) => a - b));
}
