import type { ActorDefinition } from '../actors/actor.ts';
import type { TopicNames } from './topic-names.ts';

/**
 * The port for administering the log: topics, partition offsets and group membership, for the
 * engine (its topics, retention gaps) and for the operator commands (generate, ingest, inspect,
 * replay). Adapters fill it; a connected admin is returned by `LogClient.admin()`.
 */
export interface TopicAdmin {
  /** The cluster answered a metadata request (start-up checks). */
  ping(): Promise<void>;
  /**
   * Creates the topics the engine reads and writes that are missing (sources, inboxes co-partitioned
   * with their sources, alerts, dead letters) and returns the partition count per actor type.
   */
  ensureTopics(spec: { app: string; actors: readonly ActorDefinition<any>[]; partitions: number; topics: TopicNames; maxFutureMs?: number }): Promise<Map<string, number>>;
  /**
   * Creates the input topics among `topics` that are missing, with `partitions` partitions and the
   * input topic configuration; reports existing ones whose partition count differs (keys would then
   * land on other partitions than the configuration expects).
   */
  ensureSourceTopics(topics: readonly string[], partitions: number): Promise<{ created: string[]; mismatched: { topic: string; partitions: number }[] }>;
  /** The partition count of `topic`; undefined when it does not exist. */
  partitionCount(topic: string): Promise<number | undefined>;
  /** Per partition: `low`, the first offset still in the log (retention), and `high`, its end. */
  offsets(topic: string): Promise<{ partition: number; low: number; high: number }[]>;
  /**
   * Per partition, the first offset whose record timestamp is at or after `timestampMs`; the end
   * offset where there is none.
   */
  offsetsAt(topic: string, timestampMs: number): Promise<{ partition: number; offset: number }[]>;
  /** Deletes these topics (those that do not exist are ignored): for what a tool made for itself, such as a shadow replay's. */
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** The members of a consumer group, as `<client id>@<host>` (empty when it has none or does not exist). */
  groupMembers(groupId: string): Promise<string[]>;
  /**
   * Deletes a consumer group and its committed offsets: for what a tool made for itself, such as a
   * shadow replay's. One that does not exist is ignored; one that still has members is refused.
   */
  deleteGroup(groupId: string): Promise<void>;
  disconnect(): Promise<void>;
}
