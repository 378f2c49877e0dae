import { shardId } from '../../engine/index.ts';
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * A consumer-group assigner that keeps a shard together. A shard is an actor type's partition p:
 * partition p of its source topic AND partition p of its inbox topic hold the inputs of the same
 * keys, so both must go to the same member (Kafka Streams calls this co-partitioning). kafkajs's
 * round-robin assigner would split them. Shards are dealt round-robin over the sorted member ids,
 * which is deterministic and spreads each actor type evenly.
 *
 * @param shardOf maps a topic to the actor type whose shard it feeds (undefined: not ours).
 */
export function createShardAssigner(shardOf: (topic: string) => string | undefined): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'ActorShardAssigner',
    version: 1,
    async assign({ members, topics }) {
      const memberIds = members.map((m) => m.memberId).sort();
      const shards = new Map<string, Shard>();
      for (const topic of [...topics].sort()) {
        const type = shardOf(topic) ?? topic;
        for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
          const id = shardId(type, partitionId);
          if (!shards.has(id)) shards.set(id, { type, partition: partitionId, tps: [] });
          shards.get(id)!.tps.push({ topic, partition: partitionId });
        }
      }
      const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
      [...shards.values()].sort(byPartitionThenType).forEach((shard, i) => {
        const member = assignment.get(memberIds[i % memberIds.length]!)!;
        for (const { topic, partition } of shard.tps) (member[topic] ??= []).push(partition);
      });
      return memberIds.map((memberId) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: assignment.get(memberId)!, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'ActorShardAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
    },
  });
}

interface Shard {
  type: string;
  partition: number;
  tps: { topic: string; partition: number }[];
}

/** Interleaves actor types (user/0, order/0, sku/0, user/1, …) so each member gets a mix. */
function byPartitionThenType(a: Shard, b: Shard): number {
  return a.partition - b.partition || a.type.localeCompare(b.type);
}
