import { describe, expect, test } from 'bun:test';
import type { ActorDefinition } from '../actors/actor.ts';
import { planSourceTopics, planTopics } from './topic-plan.ts';
import { topicNames } from './topic-names.ts';

const actors = [
  { type: 'user', sourceTopic: 'user_events' },
  { type: 'order', sourceTopic: 'transaction_events' },
] as unknown as ActorDefinition<any>[];
const spec = { app: 'app', actors, partitions: 4, topics: topicNames('t.') };

describe('planTopics', () => {
  test('from nothing: sources, then per actor its inbox and both dead-letter topics, then alerts', () => {
    const plan = planTopics(spec, () => undefined);
    expect(plan.create).toEqual([
      { topic: 't.user_events', partitions: 4, input: true },
      { topic: 't.transaction_events', partitions: 4, input: true },
      { topic: 't.inventory_events', partitions: 4, input: true },
      { topic: 'app.user.inbox', partitions: 4, input: true },
      { topic: 't.user_events.dlq', partitions: 1, input: false },
      { topic: 'app.user.inbox.dlq', partitions: 1, input: false },
      { topic: 'app.order.inbox', partitions: 4, input: true },
      { topic: 't.transaction_events.dlq', partitions: 1, input: false },
      { topic: 'app.order.inbox.dlq', partitions: 1, input: false },
      { topic: 't.alerts', partitions: 4, input: false },
    ]);
    expect(plan.partitionsPerType).toEqual(new Map([['user', 4], ['order', 4]]));
  });

  test('an existing source keeps its count, and its inbox is planned with that count', () => {
    const existing = new Map([['t.user_events', 7], ['t.alerts', 2]]);
    const plan = planTopics(spec, (t) => existing.get(t));
    expect(plan.create.find((t) => t.topic === 'app.user.inbox')?.partitions).toBe(7);
    expect(plan.create.map((t) => t.topic)).not.toContain('t.user_events');
    expect(plan.create.map((t) => t.topic)).not.toContain('t.alerts');
    expect(plan.partitionsPerType.get('user')).toBe(7);
    expect(plan.partitionsPerType.get('order')).toBe(4);
  });

  test('an existing inbox whose count differs from its source is refused', () => {
    const existing = new Map([['t.user_events', 4], ['app.user.inbox', 3]]);
    expect(() => planTopics(spec, (t) => existing.get(t))).toThrow('app.user.inbox has 3 partitions but t.user_events has 4');
  });

  test('nothing to create when everything exists with matching counts', () => {
    const plan = planTopics(spec, (t) => (t.endsWith('.dlq') ? 1 : 4));
    expect(plan.create).toEqual([]);
  });
});

describe('planSourceTopics', () => {
  test('creates the missing ones and reports existing ones with another count', () => {
    const existing = new Map([['a', 3], ['b', 5]]);
    expect(planSourceTopics(['a', 'b', 'c', 'c'], 3, (t) => existing.get(t))).toEqual({ create: ['c'], mismatched: [{ topic: 'b', partitions: 5 }] });
  });
});
