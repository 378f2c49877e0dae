import { shardId } from './shard-id.ts';

/**
 * How a consumer group's partitions are dealt so that a shard stays together: partition p of an
 * actor type's source topic and partition p of its inbox topic hold the inputs of the same keys,
 * so both go to the same member (Kafka Streams calls this co-partitioning; a round-robin assigner
 * would split them). Shards are dealt round-robin over the sorted member ids, interleaving actor
 * types (user/0, order/0, sku/0, user/1, …) so each member gets a mix. Deterministic: every
 * leader computes the same answer. Each client adapter wires it into its group protocol.
 *
 * @param partitionsOf the partition count of each subscribed topic
 * @param shardOf the actor type whose shard a topic feeds (undefined: not ours, dealt as its own)
 * @returns per member id, topic → partitions
 */
export function assignShards(
  memberIds: readonly string[],
  partitionsOf: ReadonlyMap<string, number>,
  shardOf: (topic: string) => string | undefined,
): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const shards = new Map<string, Shard>();
  for (const topic of [...partitionsOf.keys()].sort()) {
    const type = shardOf(topic) ?? topic;
    for (let partition = 0; partition < partitionsOf.get(topic)!; partition++) {
      const id = shardId(type, partition);
      if (!shards.has(id)) shards.set(id, { type, partition, topics: [] });
      shards.get(id)!.topics.push(topic);
    }
  }
  const assignment = new Map<string, Record<string, number[]>>(members.map((id) => [id, {}]));
  if (members.length === 0) return assignment;
  [...shards.values()].sort(byPartitionThenType).forEach((shard, i) => {
    const member = assignment.get(members[i % members.length]!)!;
    for (const topic of shard.topics) (member[topic] ??= []).push(shard.partition);
  });
  return assignment;
}

interface Shard {
  type: string;
  partition: number;
  topics: string[];
}

function byPartitionThenType(a: Shard, b: Shard): number {
  return a.partition - b.partition || a.type.localeCompare(b.type);
}
