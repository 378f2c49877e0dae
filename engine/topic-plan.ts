import type { ActorDefinition } from '../actors/actor.ts';
import { dlqTopicOf, inboxTopicOf, SOURCE_TOPICS } from '../schemas/index.ts';
import { sourceTopicName, type TopicNames } from './topic-names.ts';

/** A topic to create, as a plan decides it; each adapter creates it with its own client. */
export interface PlannedTopic {
  topic: string;
  partitions: number;
  /** A source or inbox topic: a broker gives it the input topic configuration (schemas `inputTopicConfig`). */
  input: boolean;
}

export interface TopicPlan {
  /** The missing topics, in the order to create them. */
  create: PlannedTopic[];
  /** Partition count per actor type: its source topic's, existing or planned. */
  partitionsPerType: Map<string, number>;
}

/**
 * Which of the engine's topics are missing and with how many partitions to create them, from the
 * partition counts of the topics that exist: the three source topics (`partitions`), each actor
 * type's inbox with exactly its source topic's count (a key must land on the same partition number
 * in both, or its shard would be split), a one-partition dead-letter topic per source and per
 * inbox, and the alerts topic (`partitions`). Existing topics keep their count.
 *
 * @param existing the partition count of a topic, undefined when it does not exist
 * @throws when an existing inbox's partition count differs from its source topic's
 * @example planTopics({ app: 'app', actors, partitions: 6, topics: topicNames() }, () => undefined).create[0]
 * // → { topic: 'user_events', partitions: 6, input: true }
 */
export function planTopics(
  spec: { app: string; actors: readonly ActorDefinition<any>[]; partitions: number; topics: TopicNames },
  existing: (topic: string) => number | undefined,
): TopicPlan {
  const create: PlannedTopic[] = [];
  const countOf = (topic: string) => existing(topic) ?? create.find((t) => t.topic === topic)?.partitions;
  const want = (topic: string, partitions: number, input: boolean) => {
    if (countOf(topic) === undefined) create.push({ topic, partitions, input });
  };
  for (const t of SOURCE_TOPICS) want(spec.topics.source[t], spec.partitions, true);
  // A module's actor may read a topic of its own: created like the contract's.
  for (const actor of spec.actors) want(sourceTopicName(spec.topics, actor.sourceTopic), spec.partitions, true);
  const partitionsPerType = new Map<string, number>();
  for (const actor of spec.actors) {
    const source = sourceTopicName(spec.topics, actor.sourceTopic);
    const n = countOf(source)!;
    partitionsPerType.set(actor.type, n);
    const inbox = inboxTopicOf(spec.app, actor.type);
    const inboxCount = existing(inbox);
    if (inboxCount !== undefined && inboxCount !== n) {
      throw new Error(`${inbox} has ${inboxCount} partitions but ${source} has ${n}; they must match (recreate the inbox topic)`);
    }
    want(inbox, n, true);
    want(dlqTopicOf(source), 1, false);
    want(dlqTopicOf(inbox), 1, false);
  }
  want(spec.topics.alerts, spec.partitions, false);
  return { create, partitionsPerType };
}

/**
 * The input topics among `topics` to create (with `partitions`), and the existing ones whose
 * partition count differs (keys would land on other partitions than the configuration expects).
 */
export function planSourceTopics(
  topics: readonly string[],
  partitions: number,
  existing: (topic: string) => number | undefined,
): { create: string[]; mismatched: { topic: string; partitions: number }[] } {
  const create: string[] = [];
  const mismatched: { topic: string; partitions: number }[] = [];
  for (const topic of new Set(topics)) {
    const count = existing(topic);
    if (count === undefined) create.push(topic);
    else if (count !== partitions) mismatched.push({ topic, partitions: count });
  }
  return { create, mismatched };
}

/** An adapter's way to create planned topics (input ones with the input topic configuration). */
export type CreateTopics = (topics: readonly PlannedTopic[], opts: { maxFutureMs: number; sourceTopics: boolean }) => Promise<void>;

/**
 * `planTopics` carried out with an adapter's `create`: the engine's missing topics are created and
 * the partition count per actor type returned. `sourceTopics: false`: the engine's own topics.
 */
export async function ensurePlannedTopics(
  spec: Parameters<typeof planTopics>[0] & { maxFutureMs: number },
  existing: (topic: string) => number | undefined,
  create: CreateTopics,
): Promise<Map<string, number>> {
  const plan = planTopics(spec, existing);
  if (plan.create.length > 0) await create(plan.create, { maxFutureMs: spec.maxFutureMs, sourceTopics: false });
  return plan.partitionsPerType;
}

/** `planSourceTopics` carried out with an adapter's `create` (`sourceTopics: true`: input topics made by tools). */
export async function ensurePlannedSourceTopics(
  topics: readonly string[],
  partitions: number,
  existing: (topic: string) => number | undefined,
  create: CreateTopics,
  maxFutureMs: number,
): Promise<{ created: string[]; mismatched: { topic: string; partitions: number }[] }> {
  const plan = planSourceTopics(topics, partitions, existing);
  if (plan.create.length > 0) await create(plan.create.map((topic) => ({ topic, partitions, input: true })), { maxFutureMs, sourceTopics: true });
  return { created: plan.create, mismatched: plan.mismatched };
}
