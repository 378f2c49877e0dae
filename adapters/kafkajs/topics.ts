import type { AdminPort as Admin } from './port.ts';
import type { ActorDefinition } from '../../actors/actor.ts';
import { DEFAULT_MAX_FUTURE_MS, dlqTopicOf, inboxTopicOf, inputTopicConfig, SOURCE_TOPICS } from '../../schemas/index.ts';
import type { TopicNames } from '../../engine/index.ts';

/**
 * Creates the topics the runtime reads and writes when they are missing: the three source topics
 * (with `partitions`), each actor type's inbox with exactly its source topic's partition count (a
 * key must land on the same partition number in both, or its shard would be split), the alerts
 * topic and a dead-letter topic per input topic. Returns the partition count per actor type.
 *
 * Input topics it creates get `inputTopicConfig` (the broker bounds how far ahead a record's
 * timestamp may be). Topics that already exist keep their configuration (docs/domain-rules.md).
 */
export async function ensureTopics(
  admin: Admin,
  app: string,
  actors: readonly ActorDefinition<any>[],
  partitions: number,
  topics: TopicNames,
  maxFutureMs = DEFAULT_MAX_FUTURE_MS,
): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const boundedTime = inputTopicConfig(maxFutureMs);
  const create = async (topic: string, numPartitions: number, configEntries?: typeof boundedTime) => {
    if (existing.has(topic)) return;
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: -1, ...(configEntries ? { configEntries } : {}) }], waitForLeaders: true });
    existing.add(topic);
  };
  const sources = SOURCE_TOPICS.map((t) => topics.source[t]);
  for (const t of sources) await create(t, partitions, boundedTime);
  const meta = await admin.fetchTopicMetadata({ topics: sources });
  const countOf = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  const perType = new Map<string, number>();
  for (const actor of actors) {
    const source = topics.source[actor.sourceTopic];
    const n = countOf.get(source)!;
    perType.set(actor.type, n);
    const inbox = inboxTopicOf(app, actor.type);
    await create(inbox, n, boundedTime);
    const [inboxMeta] = (await admin.fetchTopicMetadata({ topics: [inbox] })).topics;
    if (inboxMeta!.partitions.length !== n) {
      throw new Error(`${inbox} has ${inboxMeta!.partitions.length} partitions but ${source} has ${n}; they must match (recreate the inbox topic)`);
    }
    await create(dlqTopicOf(source), 1);
    await create(dlqTopicOf(inbox), 1);
  }
  await create(topics.alerts, partitions);
  return perType;
}

/**
 * Creates the input topics among `topics` that do not exist yet with `partitions` partitions and a
 * replication factor of min(3, brokers). Existing topics are left alone; those whose partition
 * count differs are reported, since keys would then map to other partitions than expected.
 * New topics get `inputTopicConfig` (records stamped too far ahead are refused by the broker).
 */
export async function ensureSourceTopics(
  admin: Admin,
  topics: readonly string[],
  partitions: number,
): Promise<{ created: string[]; mismatched: { topic: string; partitions: number }[] }> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    const { brokers } = await admin.describeCluster();
    const replicationFactor = Math.min(3, brokers.length);
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor, configEntries: inputTopicConfig(DEFAULT_MAX_FUTURE_MS) })),
    });
  }
  const present = topics.filter((t) => existing.has(t));
  const mismatched: { topic: string; partitions: number }[] = [];
  if (present.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: present });
    for (const t of meta.topics) {
      if (t.partitions.length !== partitions) mismatched.push({ topic: t.name, partitions: t.partitions.length });
    }
  }
  return { created: missing, mismatched };
}
