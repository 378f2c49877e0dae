import { describe, expect, test } from 'bun:test';
import { orderActor } from '../actors/order.ts';
import { skuActor } from '../actors/sku.ts';
import { userActor } from '../actors/user.ts';
import { skuAffinity } from '../actors/recommendations/sku-affinity.ts';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { planEventTimeMerge } from './event-time-plan.ts';

const counts: Record<string, number> = { order: 3, sku: 2, user: 4, sku_affinity: 2 };
const input = { app: 'shop', partitionsOf: (t: string) => counts[t], partitionOf };

describe('planEventTimeMerge', () => {
  test('sku, user and sku_affinity wait for every order partition; orders publish clocks to every partition of their inboxes', () => {
    const plan = planEventTimeMerge({ ...input, actors: [skuActor, orderActor, userActor, skuAffinity] });
    expect(plan.receivers).toEqual(['sku', 'user', 'sku_affinity']);
    expect(plan.mergeOf('user')).toEqual({ origins: ['order/0', 'order/1', 'order/2'] });
    expect(plan.mergeOf('sku')).toEqual({ origins: ['order/0', 'order/1', 'order/2'] });
    expect(plan.mergeOf('order')).toBeUndefined();
    expect(plan.isSender('order')).toBe(true);
    expect(plan.isSender('sku')).toBe(false);
    const targets = plan.clockTargets.map((t) => `${t.type} ${t.topic}:${partitionOf(t.key, counts[t.topic.split('.')[1]!]!)}`);
    expect(targets).toEqual([
      'sku shop.sku.inbox:0', 'sku shop.sku.inbox:1',
      'user shop.user.inbox:0', 'user shop.user.inbox:1', 'user shop.user.inbox:2', 'user shop.user.inbox:3',
      'sku_affinity shop.sku_affinity.inbox:0', 'sku_affinity shop.sku_affinity.inbox:1',
    ]);
  });

  test('refuses what cannot merge: a sender not deployed, two merges waiting for each other', () => {
    expect(() => planEventTimeMerge({ ...input, actors: [userActor] })).toThrow(/'order', which this deployment does not run/);
    const mergingOrder = { ...orderActor, eventTimeSenders: ['user'] };
    expect(() => planEventTimeMerge({ ...input, actors: [mergingOrder, userActor] })).toThrow(/may not wait for each other/);
  });

  test('the wait bound is passed on', () => {
    expect(planEventTimeMerge({ ...input, actors: [orderActor, userActor], maxWaitMs: 500 }).mergeOf('user')).toEqual({ origins: ['order/0', 'order/1', 'order/2'], maxWaitMs: 500 });
  });
});
