import type { ActorDefinition } from '../actors/actor.ts';
import type { TopicNames } from './topic-names.ts';

/** The engine's port for what it asks of the log's administration: topics and partition offsets. */
export interface TopicAdmin {
  /**
   * Creates the topics the engine reads and writes that are missing (sources, inboxes co-partitioned
   * with their sources, alerts, dead letters) and returns the partition count per actor type.
   */
  ensureTopics(spec: { app: string; actors: readonly ActorDefinition<any>[]; partitions: number; topics: TopicNames; maxFutureMs?: number }): Promise<Map<string, number>>;
  /** Per partition: `low`, the first offset still in the log (retention), and `high`, its end. */
  offsets(topic: string): Promise<{ partition: number; low: number; high: number }[]>;
  disconnect(): Promise<void>;
}
