import { describe, expect, test } from 'bun:test';
import { applyRecords, createShardHost } from './shard-host.ts';
import { skuActor } from '../../actors/sku.ts';
import { packBatch } from './record-batch.ts';
import type { Shard } from './shard.ts';
import type { ShardCounters } from './shard-api.ts';
import type { SourceRecord } from './records.ts';

/**
 * A shard with something to report once already pending (timestamps of held inputs released at a
 * checkpoint, a wish for a fresher source end), whose batch needs a passivated key until it is read back.
 */
const counters: ShardCounters = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, timersFired: 0, outOfEventTimeOrder: 0, mergeWaitsTimedOut: 0, awaitsTimedOut: 0 };

function pendingShard() {
  let missing = ['sku-1'];
  let timestamps = [17, 18];
  let endWanted = true;
  const shard = {
    counters,
    size: () => 1,
    oldestUse: () => undefined,
    missingKeys: () => missing,
    apply: (records: SourceRecord[]) => records.length,
    takeAppliedTimestamps: () => {
      const t = timestamps;
      timestamps = [];
      return t;
    },
    takeEndWanted: () => {
      const w = endWanted;
      endWanted = false;
      return w;
    },
    takeMemoryWaits: () => undefined,
    rehydrated: () => void (missing = []),
  };
  return shard;
}

const record = { key: 'sku-1', offset: 0 } as unknown as SourceRecord;

describe('applyRecords', () => {
  test('a result that only names passivated keys takes nothing: the apply after the rehydrate reports it', () => {
    const s = pendingShard();
    const first = applyRecords(s as unknown as Shard, [record], undefined);
    expect(first).toEqual({ consumed: 0, counters, size: 1, needs: ['sku-1'] });
    s.rehydrated();
    const second = applyRecords(s as unknown as Shard, [record], undefined);
    expect(second).toEqual({ consumed: 1, counters, size: 1, appliedTimestamps: [17, 18], endWanted: true });
  });
});

describe('a host whose deltas are posted to another thread', () => {
  const NOW = 1_800_000_000_000;
  const stock = (offset: number, sku: string, qty: number) => ({
    offset: String(offset), key: new TextEncoder().encode(sku), timestamp: String(NOW),
    value: new TextEncoder().encode(JSON.stringify({ id: `e-${offset}`, type: 'stock_received', v: 1, ts: NOW - 1000, data: { sku, qty } })),
  });

  async function deltaOf(postable: boolean) {
    const host = createShardHost(() => skuActor, async () => {}, { postable });
    await host.open({ actorType: 'sku', partition: 0, app: 'shop', sourceTopic: 'inventory_events', alertsTopic: 'alerts', actors: {} }, { states: [], offsets: new Map(), inboxPositions: new Map(), timers: [] });
    const id = 'sku/0';
    host.apply(id, packBatch('inventory_events', 0, [stock(0, 'A', 5), stock(1, 'B', 2)]), { now: NOW });
    return host.takeDelta(id)!;
  }

  test('carries states as the JSON text of what it carries inline', async () => {
    const inline = await deltaOf(false);
    const posted = await deltaOf(true);
    expect(posted.states.map((s) => s.stateJson)).toEqual(inline.states.map((s) => JSON.stringify(s.state)));
    expect(posted.states.every((s) => !('state' in s))).toBe(true);
    expect(posted.states.map(({ stateJson: _, ...rest }) => rest)).toEqual(inline.states.map(({ state: _, ...rest }) => rest));
  });
});

describe('shard host passivation', () => {
  test('a shard opened with the idle time has coarse use times from the start, and passivate reports what is left', async () => {
    const host = createShardHost(() => skuActor);
    await host.open({ actorType: 'sku', partition: 0, app: 'app', sourceTopic: 'inventory_events', alertsTopic: 'alerts', actors: {}, passivationIdleMs: 1600 }, { states: [], offsets: new Map(), inboxPositions: new Map(), timers: [] });
    let offset = 0;
    const stock = (sku: string) => ({ offset: String(offset++), key: sku, value: JSON.stringify({ id: `e-${offset}`, type: 'stock_received', v: 1, ts: 1000, data: { sku, qty: 1 } }), timestamp: '1000' });
    host.apply('sku/0', packBatch('inventory_events', 0, [stock('sku-a'), stock('sku-b')]), { now: 0 });
    host.takeDelta('sku/0'); // committed: may leave memory
    expect(host.apply('sku/0', packBatch('inventory_events', 0, [stock('sku-a')]), { now: 99 }).oldestUseAt).toBe(0);
    host.takeDelta('sku/0');
    // Used again within a sixteenth of 1600 ms, sku-a kept its place: the least recently used is sku-a.
    expect(host.passivate('sku/0', { idleMs: 1600, maxEntities: 1 }, 100)).toEqual({ size: 1, oldestUseAt: 0 });
    expect(host.query('sku/0', 'sku-a')).toBe('passivated');
    expect(host.passivate('gone/0', { idleMs: 1600, maxEntities: 1 }, 100)).toBeUndefined();
  });
});
