import type { Admin } from 'kafkajs';
import type { ActorDefinition } from '../../actors/actor.ts';
import { ALERTS_TOPIC, dlqTopicOf, inboxTopicOf, SOURCE_TOPICS } from '../../schemas/index.ts';

/**
 * Creates the topics the runtime reads and writes when they are missing: the three source topics
 * (with `partitions`), each actor type's inbox with exactly its source topic's partition count (a
 * key must land on the same partition number in both, or its shard would be split), the alerts
 * topic and a dead-letter topic per input topic. Returns the partition count per actor type.
 */
export async function ensureTopics(admin: Admin, app: string, actors: readonly ActorDefinition<any>[], partitions: number): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const create = async (topic: string, numPartitions: number) => {
    if (existing.has(topic)) return;
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: -1 }], waitForLeaders: true });
    existing.add(topic);
  };
  for (const t of SOURCE_TOPICS) await create(t, partitions);
  const meta = await admin.fetchTopicMetadata({ topics: [...SOURCE_TOPICS] });
  const countOf = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  const perType = new Map<string, number>();
  for (const actor of actors) {
    const n = countOf.get(actor.sourceTopic)!;
    perType.set(actor.type, n);
    const inbox = inboxTopicOf(app, actor.type);
    await create(inbox, n);
    const [inboxMeta] = (await admin.fetchTopicMetadata({ topics: [inbox] })).topics;
    if (inboxMeta!.partitions.length !== n) {
      throw new Error(`${inbox} has ${inboxMeta!.partitions.length} partitions but ${actor.sourceTopic} has ${n}; they must match (recreate the inbox topic)`);
    }
    await create(dlqTopicOf(actor.sourceTopic), 1);
    await create(dlqTopicOf(inbox), 1);
  }
  await create(ALERTS_TOPIC, partitions);
  return perType;
}
