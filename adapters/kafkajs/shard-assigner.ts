import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import { assignShards } from '../../engine/index.ts';

/**
 * The engine's co-partitioning assignment (engine/shard-assignment.ts) as a kafkajs group
 * protocol: the group leader deals the subscribed topics' partitions by shard.
 *
 * @param shardOf maps a topic to the actor type whose shard it feeds (undefined: not ours).
 */
export function createShardAssigner(shardOf: (topic: string) => string | undefined): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'ActorShardAssigner',
    version: 1,
    async assign({ members, topics }) {
      const partitionsOf = new Map(topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).length]));
      const assignment = assignShards(members.map((m) => m.memberId), partitionsOf, shardOf);
      return [...assignment].map(([memberId, topicPartitions]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: topicPartitions, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'ActorShardAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
