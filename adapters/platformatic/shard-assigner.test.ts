import { describe, expect, test } from 'bun:test';
import type { ExtendedGroupProtocolSubscription } from '@platformatic/kafka';
import { shardPartitionAssigner } from './shard-assigner.ts';

const TOPICS = ['inventory_events', 'app.sku.inbox', 'transaction_events', 'app.order.inbox', 'user_events', 'app.user.inbox'];
const shardOf = (topic: string) => topic.replace(/^app\.|\.inbox$|_events$/g, '').replace('inventory', 'sku').replace('transaction', 'order');

/** Runs the assigner as platformatic's group leader does, over topics of `partitions` partitions each. */
function assign(memberIds: string[], partitions: number, topics = TOPICS): Map<string, Record<string, number[]>> {
  const members = new Map<string, ExtendedGroupProtocolSubscription>(memberIds.map((memberId) => [memberId, { memberId, version: 1, topics }]));
  const metadata = { topics: new Map(topics.map((t) => [t, { partitionsCount: partitions }])) } as never;
  const out = shardPartitionAssigner(shardOf)(memberIds[0]!, members, new Set(topics), metadata);
  return new Map(out.map((a) => [a.memberId, Object.fromEntries([...a.assignments.values()].map((g) => [g.topic, [...g.partitions].sort()]))]));
}

describe('platformatic shard assigner', () => {
  test("a shard's source partition and the same inbox partition always go to the same member", () => {
    for (const [members, partitions] of [[['m-b', 'm-a', 'm-c'], 5], [['x', 'y'], 3], [['1', '2', '3', '4'], 2]] as const) {
      for (const a of assign([...members], partitions).values()) {
        expect(a['inventory_events'] ?? []).toEqual(a['app.sku.inbox'] ?? []);
        expect(a['transaction_events'] ?? []).toEqual(a['app.order.inbox'] ?? []);
        expect(a['user_events'] ?? []).toEqual(a['app.user.inbox'] ?? []);
      }
    }
  });

  test('every partition of every topic is assigned exactly once, and every member is answered', () => {
    const result = assign(['m-1', 'm-2', 'm-3'], 4);
    expect([...result.keys()].sort()).toEqual(['m-1', 'm-2', 'm-3']);
    for (const topic of TOPICS) expect([...result.values()].flatMap((a) => a[topic] ?? []).sort()).toEqual([0, 1, 2, 3]);
  });

  test('the same answer whatever the order members are listed in, with a mix of actor types per member', () => {
    const one = assign(['m-2', 'm-1'], 2);
    expect(one).toEqual(assign(['m-1', 'm-2'], 2));
    for (const a of one.values()) expect(Object.keys(a).filter((t) => t.endsWith('_events')).length).toBeGreaterThan(1);
  });

  test('topics that feed no shard (a tail group) are dealt partition by partition', () => {
    const result = assign(['a', 'b'], 4, ['alerts']);
    expect([...result.values()].map((a) => a['alerts']!.length)).toEqual([2, 2]);
  });
});
