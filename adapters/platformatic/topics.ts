import type { Admin } from '@platformatic/kafka';
import type { ActorDefinition } from '../../actors/actor.ts';
import type { TopicNames } from '../../engine/index.ts';
import { ensurePlannedTopics, type CreateTopics, type PlannedTopic } from '../../engine/topic-plan.ts';
import { DEFAULT_MAX_FUTURE_MS, inputTopicConfig } from '../../schemas/index.ts';
import { sleep } from '../shared/signals.ts';

/**
 * Creates the engine's topics that are missing (engine/topic-plan.ts decides which, with how many
 * partitions) and returns the partition count per actor type. Input topics get `inputTopicConfig`
 * (the broker bounds how far ahead a record's timestamp may be); existing topics keep theirs.
 */
export async function ensureTopics(
  admin: Admin,
  spec: { app: string; actors: readonly ActorDefinition<any>[]; partitions: number; topics: TopicNames; maxFutureMs?: number },
): Promise<Map<string, number>> {
  return ensurePlannedTopics({ ...spec, maxFutureMs: spec.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS }, await partitionCounts(admin), creator(admin));
}

/** The engine's topics with the broker's default replication (-1); input topics made by tools min(3, brokers). */
export function creator(admin: Admin): CreateTopics {
  return async (topics, { maxFutureMs, sourceTopics }) => {
    const replicas = sourceTopics ? Math.min(3, (await admin.metadata({ topics: [] })).brokers.size) : -1;
    await create(admin, topics, maxFutureMs, replicas);
  };
}

/** The partition count of every existing topic, as a lookup. */
export async function partitionCounts(admin: Admin): Promise<(topic: string) => number | undefined> {
  const names = await admin.listTopics();
  const meta = names.length > 0 ? await admin.metadata({ topics: names, forceUpdate: true }) : undefined;
  const counts = new Map([...(meta?.topics ?? [])].map(([name, t]) => [name, t.partitionsCount]));
  return (topic) => counts.get(topic);
}

/**
 * Creates `topics` (input ones with the input configuration: platformatic applies one config list
 * per request) and waits until every partition has a leader, as kafkajs's `waitForLeaders` does.
 * A topic another processor created meanwhile is no error.
 */
async function create(admin: Admin, topics: readonly PlannedTopic[], maxFutureMs: number, replicas: number): Promise<void> {
  const requests = [
    { topics: topics.filter((t) => t.input), configs: inputTopicConfig(maxFutureMs) },
    { topics: topics.filter((t) => !t.input), configs: [] },
  ];
  for (const { topics: batch, configs } of requests) {
    if (batch.length === 0) continue;
    try {
      await admin.createTopics({ topics: batch.map((t) => ({ topic: t.topic, partitions: t.partitions, replicas })), configs });
    } catch (e) {
      if (!alreadyExists(e)) throw e;
    }
  }
  await waitForLeaders(admin, topics.map((t) => t.topic));
}

/** Only TOPIC_ALREADY_EXISTS among the failures (the other topics of the request were created). */
function alreadyExists(error: unknown): boolean {
  const leaves = (e: unknown): unknown[] => {
    const inner = (e as { errors?: unknown[] } | undefined)?.errors;
    return Array.isArray(inner) && inner.length > 0 ? inner.flatMap(leaves) : [e];
  };
  return leaves(error).every((e) => (e as { apiId?: string }).apiId === 'TOPIC_ALREADY_EXISTS');
}

async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const meta = await admin.metadata({ topics: [...topics], forceUpdate: true }).catch(() => undefined);
    const ready = meta && topics.every((t) => meta.topics.get(t)?.partitions.every((p) => p.leader >= 0));
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`topics without a leader after ${timeoutMs} ms: ${topics.join(', ')}`);
    await sleep(100);
  }
}
