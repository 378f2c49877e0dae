import { describe, expect, test } from 'bun:test';
import { AssignerProtocol } from 'kafkajs';
import { createShardAssigner } from './shard-assigner.ts';

/** Runs the assigner as the group leader would, over topics of `partitions` partitions each. */
async function assign(memberIds: string[], topics: string[], partitions: number) {
  const shardOf = (topic: string) => topic.replace(/^app\.|\.inbox$|_events$/g, '').replace('inventory', 'sku').replace('transaction', 'order');
  const cluster = { findTopicPartitionMetadata: () => Array.from({ length: partitions }, (_, partitionId) => ({ partitionId })) };
  const assigner = createShardAssigner(shardOf)({ cluster } as never);
  const out = await assigner.assign({ members: memberIds.map((memberId) => ({ memberId })), topics } as never);
  return new Map(out.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)!.assignment]));
}

const TOPICS = ['inventory_events', 'app.sku.inbox', 'transaction_events', 'app.order.inbox', 'user_events', 'app.user.inbox'];

describe('shard assigner', () => {
  test('a shard\'s source partition and the same inbox partition always go to the same member (co-partitioning)', async () => {
    const result = await assign(['m-b', 'm-a', 'm-c'], TOPICS, 5);
    for (const assignment of result.values()) {
      expect([...(assignment['inventory_events'] ?? [])].sort()).toEqual([...(assignment['app.sku.inbox'] ?? [])].sort());
      expect([...(assignment['transaction_events'] ?? [])].sort()).toEqual([...(assignment['app.order.inbox'] ?? [])].sort());
    }
  });

  test('every partition of every topic is assigned exactly once', async () => {
    const result = await assign(['m-1', 'm-2'], TOPICS, 4);
    for (const topic of TOPICS) {
      const all = [...result.values()].flatMap((a) => a[topic] ?? []).sort();
      expect(all).toEqual([0, 1, 2, 3]);
    }
  });

  test('deterministic whatever the order members are listed in, and each member gets a mix of actor types', async () => {
    const one = await assign(['m-2', 'm-1'], TOPICS, 2);
    const two = await assign(['m-1', 'm-2'], TOPICS, 2);
    expect(one).toEqual(two);
    // three actor types over two members: interleaved by partition, so neither gets one type only
    for (const assignment of one.values()) expect(Object.keys(assignment).filter((t) => t.endsWith('_events')).length).toBeGreaterThan(1);
  });

  test('a single member takes every shard', async () => {
    const result = await assign(['only'], TOPICS, 3);
    expect(result.get('only')!['inventory_events']!.sort()).toEqual([0, 1, 2]);
  });
});
