import { describe, expect, test } from 'bun:test';
import type { TopicAdmin } from '../../engine/index.ts';
import { parseFrom, replayScope, type ReplayTarget } from './replay-plan.ts';

/** A log with two partitions per existing topic: records 10..100 held (older ones gone to retention). */
function fakeAdmin(existing: string[], atTime: Record<number, number> = {}): Pick<TopicAdmin, 'partitionCount' | 'offsets' | 'offsetsAt'> {
  return {
    partitionCount: async (topic) => (existing.includes(topic) ? 2 : undefined),
    offsets: async () => [0, 1].map((partition) => ({ partition, low: 10, high: 100 })),
    offsetsAt: async () => [0, 1].map((partition) => ({ partition, offset: atTime[partition] ?? 100 })),
  };
}

const SKU: ReplayTarget = { type: 'sku', sourceTopic: 'inventory_events', inboxTopic: 'app.sku.inbox' };

describe('replay plan', () => {
  test('--from: earliest, an offset, epoch milliseconds or an ISO time; anything else is refused', () => {
    expect(parseFrom('earliest')).toEqual({ kind: 'earliest' });
    expect(parseFrom(' 42 ')).toEqual({ kind: 'offset', offset: 42 });
    expect(parseFrom('1700000000000')).toEqual({ kind: 'time', ms: 1_700_000_000_000 });
    expect(parseFrom('2026-12-01T00:00:00Z')).toEqual({ kind: 'time', ms: Date.parse('2026-12-01T00:00:00Z') });
    for (const bad of ['yesterday', '-1', '12abc', '']) expect(parseFrom(bad)).toBeUndefined();
  });

  test('the source restarts at the log start, the inbox at its end; every shard of the type is covered', async () => {
    const scope = await replayScope(fakeAdmin(['inventory_events', 'app.sku.inbox']), [SKU], { kind: 'earliest' });
    expect(scope.shards).toEqual(['sku/0', 'sku/1']);
    expect(scope.positions.map((p) => `${p.topic}[${p.partition}]→${p.offset}`)).toEqual([
      'inventory_events[0]→10', 'inventory_events[1]→10', 'app.sku.inbox[0]→100', 'app.sku.inbox[1]→100',
    ]);
  });

  test('an offset outside what the log holds is clamped and says so; a time with no record after it starts at the end', async () => {
    const byOffset = await replayScope(fakeAdmin(['inventory_events']), [SKU], { kind: 'offset', offset: 3 });
    expect(byOffset.positions.map((p) => [p.offset, p.note])).toEqual([[10, "clamped to the log's range 10..100"], [10, "clamped to the log's range 10..100"]]);
    const byTime = await replayScope(fakeAdmin(['inventory_events'], { 0: 55 }), [SKU], { kind: 'time', ms: 1 });
    expect(byTime.positions.map((p) => [p.offset, p.note])).toEqual([[55, undefined], [100, 'no record at or after that time']]);
  });

  test('a type whose source topic does not exist cannot be replayed', async () => {
    await expect(replayScope(fakeAdmin([]), [SKU], { kind: 'earliest' })).rejects.toThrow('topic inventory_events does not exist');
  });
});
