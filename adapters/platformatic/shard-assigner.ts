import type { ClusterMetadata, GroupAssignment, GroupPartitionsAssigner, GroupPartitionsAssignments } from '@platformatic/kafka';
import { assignShards } from '../../engine/index.ts';

/**
 * The group protocol the engine's members announce. The same name and version as the kafkajs
 * adapter's assigner, and both encode the standard consumer-protocol subscription and assignment
 * (platformatic decodes kafkajs's v0 bodies), so kafkajs and platformatic processors can share one
 * group during a migration: whichever is leader deals the same `assignShards` answer.
 */
export const SHARD_PROTOCOL = { name: 'ActorShardAssigner', version: 1 } as const;

/**
 * The engine's co-partitioning assignment (engine/shard-assignment.ts) as platformatic's
 * client-side `partitionAssigner`: the group leader deals every subscribed topic's partitions by
 * shard, so partition p of an actor type's source topic and of its inbox go to one member.
 *
 * This needs the CLASSIC group protocol, where the leader computes the assignment. With KIP-848
 * (`groupProtocol: 'consumer'`) the broker computes it and platformatic ignores `partitionAssigner`
 * ("not supported for groupProtocol=consumer"): the server's `uniform` assignor (the default) deals
 * partitions with no regard to their numbers, and its `range` assignor only tries to keep equal
 * partition numbers together (its sticky step is per topic, so after members come and go a
 * member can keep source/2 while inbox/2 moves) and reconciles partitions one by one, so a shard's
 * two halves can be owned by two members at once. Co-partitioning cannot be guaranteed there; the
 * engine's fencing would then drop shards back and forth instead of processing.
 *
 * @param shardOf maps a topic to the actor type whose shard it feeds (undefined: not ours, dealt as its own)
 */
export function shardPartitionAssigner(shardOf: (topic: string) => string | undefined): GroupPartitionsAssigner {
  return (_leader, members, _leaderTopics, metadata) => assignmentsOf([...members].map(([id, m]) => ({ id, topics: m.topics ?? [] })), metadata, shardOf);
}

/** `assignShards` over the members' subscriptions, in platformatic's assignment shape. */
export function assignmentsOf(
  members: readonly { id: string; topics: readonly string[] }[],
  metadata: Pick<ClusterMetadata, 'topics'>,
  shardOf: (topic: string) => string | undefined,
): GroupPartitionsAssignments[] {
  // Every member of the engine subscribes to the same topics; the union keeps a topic only one
  // member names (mid-deploy) from going unassigned.
  const partitionsOf = new Map<string, number>();
  for (const m of members) for (const topic of m.topics) partitionsOf.set(topic, metadata.topics.get(topic)?.partitionsCount ?? 0);
  const dealt = assignShards(members.map((m) => m.id), partitionsOf, shardOf);
  return [...dealt].map(([memberId, byTopic]) => ({
    memberId,
    assignments: new Map<string, GroupAssignment>(Object.entries(byTopic).map(([topic, partitions]) => [topic, { topic, partitions }])),
  }));
}
