import type { AdminPort as Admin } from './port.ts';
import type { ActorDefinition } from '../../actors/actor.ts';
import { DEFAULT_MAX_FUTURE_MS, inputTopicConfig } from '../../schemas/index.ts';
import type { TopicNames } from '../../engine/index.ts';
import { planSourceTopics, planTopics, type PlannedTopic } from '../../engine/topic-plan.ts';

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
  const plan = planTopics({ app, actors, partitions, topics }, await partitionCounts(admin));
  await create(admin, plan.create, maxFutureMs, -1);
  return plan.partitionsPerType;
}

/**
 * Creates the input topics among `topics` that do not exist yet with `partitions` partitions and a
 * replication factor of min(3, brokers); reports existing ones whose partition count differs.
 */
export async function ensureSourceTopics(
  admin: Admin,
  topics: readonly string[],
  partitions: number,
): Promise<{ created: string[]; mismatched: { topic: string; partitions: number }[] }> {
  const plan = planSourceTopics(topics, partitions, await partitionCounts(admin));
  if (plan.create.length > 0) {
    const { brokers } = await admin.describeCluster();
    await create(admin, plan.create.map((topic) => ({ topic, partitions, input: true })), DEFAULT_MAX_FUTURE_MS, Math.min(3, brokers.length));
  }
  return { created: plan.create, mismatched: plan.mismatched };
}

/** The partition count of every existing topic, as a lookup. */
async function partitionCounts(admin: Admin): Promise<(topic: string) => number | undefined> {
  const names = await admin.listTopics();
  const meta = names.length > 0 ? await admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
  const counts = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  return (topic) => counts.get(topic);
}

/** Creates `topics` in one request (waiting for their leaders); -1 replication: the broker's default. */
async function create(admin: Admin, topics: readonly PlannedTopic[], maxFutureMs: number, replicationFactor: number): Promise<void> {
  if (topics.length === 0) return;
  const boundedTime = inputTopicConfig(maxFutureMs);
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor, ...(t.input ? { configEntries: boundedTime } : {}) })),
  });
}
