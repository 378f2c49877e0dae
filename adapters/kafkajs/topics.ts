import type { AdminPort as Admin } from './port.ts';
import type { ActorDefinition } from '../../actors/actor.ts';
import { DEFAULT_MAX_FUTURE_MS, inputTopicConfig } from '../../schemas/index.ts';
import type { TopicNames } from '../../engine/index.ts';
import { ensurePlannedTopics, type CreateTopics, type PlannedTopic } from '../../engine/topic-plan.ts';

/**
 * Creates the engine's topics that are missing (engine/topic-plan.ts decides which, with how many
 * partitions) and returns the partition count per actor type. Input topics it creates get
 * `inputTopicConfig` (the broker bounds how far ahead a record's timestamp may be); topics that
 * already exist keep their configuration (docs/domain-rules.md).
 */
export async function ensureTopics(
  admin: Admin,
  app: string,
  actors: readonly ActorDefinition<any>[],
  partitions: number,
  topics: TopicNames,
  maxFutureMs = DEFAULT_MAX_FUTURE_MS,
): Promise<Map<string, number>> {
  return ensurePlannedTopics({ app, actors, partitions, topics, maxFutureMs }, await partitionCounts(admin), creator(admin));
}

/** The partition count of every existing topic, as a lookup. */
export async function partitionCounts(admin: Admin): Promise<(topic: string) => number | undefined> {
  const names = await admin.listTopics();
  const meta = names.length > 0 ? await admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
  const counts = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  return (topic) => counts.get(topic);
}

/**
 * Creates topics in one request, waiting for their leaders. The engine's topics get the broker's
 * default replication (-1); input topics made by tools min(3, brokers).
 */
export function creator(admin: Admin): CreateTopics {
  return async (topics, { maxFutureMs, sourceTopics }) => {
    const replicationFactor = sourceTopics ? Math.min(3, (await admin.describeCluster()).brokers.length) : -1;
    await create(admin, topics, maxFutureMs, replicationFactor);
  };
}

async function create(admin: Admin, topics: readonly PlannedTopic[], maxFutureMs: number, replicationFactor: number): Promise<void> {
  const boundedTime = inputTopicConfig(maxFutureMs);
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor, ...(t.input ? { configEntries: boundedTime } : {}) })),
  });
}
