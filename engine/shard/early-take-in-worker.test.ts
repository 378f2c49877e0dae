import { afterAll, describe, expect, test } from 'bun:test';
import { createWorkerPool } from './worker-pool.ts';
import { packBatch } from './record-batch.ts';
import type { ShardDelta } from './shard-api.ts';

/**
 * Early takes (engine/shard/early-take.ts) through a real shard worker: the flags must be shared
 * memory across the worker boundary, and the early answer must reach the processor's thread
 * between the apply answers it follows and the ones it precedes.
 */
const NOW = 1_800_000_000_000;
const stock = (offset: number) => ({
  offset: String(offset), key: new TextEncoder().encode(`sku-${offset % 50}`), timestamp: String(NOW),
  value: new TextEncoder().encode(JSON.stringify({ id: `e-${offset}`, type: 'stock_received', v: 1, ts: NOW - 1000, data: { sku: `sku-${offset % 50}`, qty: 1 } })),
});
const BATCH = 500;
const batchAt = (first: number) => packBatch('inventory_events', 0, Array.from({ length: BATCH }, (_, i) => stock(first + i)));
const sourceOffset = (d: ShardDelta | null) => d?.offsets.find((o) => o.topic === 'inventory_events')?.nextOffset;

describe('early takes in a shard worker', () => {
  const pool = createWorkerPool(1, (e) => {
    throw e;
  });
  afterAll(() => pool.terminate());

  test('a take asked behind queued applies is answered before them, and the next take has the rest', async () => {
    const host = pool.hostFor('sku/0');
    await host.open({ actorType: 'sku', partition: 0, app: 'shop', sourceTopic: 'inventory_events', alertsTopic: 'alerts', actors: {} }, { states: [], offsets: new Map(), inboxPositions: new Map(), timers: [] });
    const order: string[] = [];
    const applies = Array.from({ length: 20 }, (_, i) => host.apply('sku/0', batchAt(i * BATCH), { now: NOW }).then(() => order.push(`apply ${i}`)));
    await applies[0];
    const early = await host.takeDelta('sku/0');
    order.push('take');
    await Promise.all(applies);
    expect(order.indexOf('take')).toBeLessThan(order.length - 1);
    const applied = order.filter((o) => o.startsWith('apply')).length;
    const before = order.indexOf('take');
    // What the early delta covers is every apply answered before it, and none after.
    expect(sourceOffset(early)).toBe(before * BATCH);
    const rest = await host.takeDelta('sku/0');
    expect(sourceOffset(rest)).toBe(applied * BATCH);
    expect(await host.takeDelta('sku/0')).toBeNull();
  });
});
