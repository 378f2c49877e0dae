import { describe, expect, test } from 'bun:test';
import { skuActor } from '../actors/sku.ts';
import { createMembership, type MembershipDeps } from './membership.ts';
import type { Owned } from './owned-shard.ts';

/** Fakes for the I/O: every call is recorded; loads resolve when the test says so. */
function harness() {
  const calls: string[] = [];
  /** Shards whose epoch another member took meanwhile: not kept across a join. */
  const lost = new Set<string>();
  const pendingLoads = new Map<string, () => void>();
  let manual = false;
  const deps: MembershipDeps = {
    actorOf: (type) => (type === 'sku' ? skuActor : undefined),
    checkpoint: async () => void calls.push('checkpoint'),
    async load(id) {
      calls.push(`load ${id}`);
      if (manual) await new Promise<void>((resolve) => pendingLoads.set(id, resolve));
      return { id, counters: { applied: 1, deadLettered: 2, duplicatesDropped: 3, skippedBelowOffset: 4, timersFired: 0, outOfEventTimeOrder: 5, mergeWaitsTimedOut: 6, awaitsTimedOut: 7 } } as unknown as Owned;
    },
    discard: async (o) => void calls.push(`discard ${o.id}`),
    start: (o) => void calls.push(`start ${o.id}`),
    keep: async (o) => (calls.push(`keep ${o.id}`), !lost.has(o.id)),
    close: async (o) => (calls.push(`close ${o.id}`), o.counters),
    log: () => {},
  };
  const m = createMembership(deps);
  return {
    m, calls, lost,
    holdLoads: () => void (manual = true),
    finishLoad: (id: string) => pendingLoads.get(id)!(),
    loadsWaiting: () => [...pendingLoads.keys()],
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('membership', () => {
  test('a join loads and starts each assigned shard once; then it is ready', async () => {
    const { m, calls } = harness();
    expect(m.readiness().ready).toBe(false);
    m.join(['sku/0', 'sku/1']);
    await m.settled();
    expect(calls).toEqual(['checkpoint', 'load sku/0', 'load sku/1', 'start sku/0', 'start sku/1']);
    expect(m.heldShards().map(([id]) => id)).toEqual(['sku/0', 'sku/1']);
    expect(m.readiness()).toEqual({ ready: true, assigned: 2, owned: 2, loading: 0 });
  });

  test('the next join checkpoints, closes the shards it no longer has, keeps those assigned again, and loads the new ones', async () => {
    const { m, calls } = harness();
    m.join(['sku/0', 'sku/1']);
    await m.settled();
    const kept = m.held('sku/1');
    calls.length = 0;
    m.join(['sku/1', 'sku/2']);
    await m.settled();
    expect(calls).toEqual(['checkpoint', 'close sku/0', 'keep sku/1', 'load sku/2', 'start sku/2']);
    expect(m.held('sku/1')).toBe(kept); // not restored: the same holding continues
    expect(m.retiredTotals()).toEqual({ applied: 1, deadLettered: 2, duplicatesDropped: 3, skippedBelowOffset: 4, outOfEventTimeOrder: 5, mergeWaitsTimedOut: 6, awaitsTimedOut: 7 });
  });

  test('a shard assigned again whose epoch another member took meanwhile is restored with a fresh epoch', async () => {
    const { m, calls, lost } = harness();
    m.join(['sku/0', 'sku/1']);
    await m.settled();
    lost.add('sku/1');
    calls.length = 0;
    m.join(['sku/0', 'sku/1']);
    await m.settled();
    expect(calls).toEqual(['checkpoint', 'keep sku/0', 'keep sku/1', 'close sku/1', 'load sku/1', 'start sku/1']);
  });

  test('a join superseded before its turn acquires nothing: only the newest assignment is loaded', async () => {
    const { m, calls } = harness();
    m.join(['sku/0']);
    m.join(['sku/1']);
    m.join(['sku/2']);
    await m.settled();
    expect(calls.filter((c) => c.startsWith('load'))).toEqual(['load sku/2']);
    expect(m.heldShards().map(([id]) => id)).toEqual(['sku/2']);
  });

  test('a shard re-loading on demand when a newer join takes it away is discarded, never started', async () => {
    const h = harness();
    h.m.join(['sku/0']);
    await h.m.settled();
    await h.m.retire('sku/0'); // e.g. its checkpoint failed: the next batch loads it again
    h.holdLoads();
    const reloading = h.m.ownedShard('sku/0');
    await tick();
    h.m.join(['sku/1']);
    await tick();
    h.finishLoad('sku/0');
    expect(await reloading).toBeUndefined();
    h.finishLoad('sku/1');
    await h.m.settled();
    expect(h.calls).toContain('discard sku/0');
    expect(h.calls.filter((c) => c === 'start sku/0')).toHaveLength(1); // only the first join's
    expect(h.m.heldShards().map(([id]) => id)).toEqual(['sku/1']);
  });

  test('stop during a load: the shard is discarded and nothing more is acquired', async () => {
    const h = harness();
    h.holdLoads();
    h.m.join(['sku/0']);
    await tick();
    h.m.stop();
    h.finishLoad('sku/0');
    await h.m.settled();
    expect(h.calls).toContain('discard sku/0');
    expect(await h.m.ownedShard('sku/0')).toBeUndefined();
    expect(h.m.readiness().ready).toBe(false);
  });

  test('a shard is never taken back unless assigned: unassigned, or dropped after a fence', async () => {
    const { m, calls } = harness();
    m.join(['sku/0']);
    await m.settled();
    expect(await m.ownedShard('sku/5')).toBeUndefined();
    await m.retire('sku/0');
    m.dropAssignment('sku/0');
    expect(await m.ownedShard('sku/0')).toBeUndefined();
    expect(calls.filter((c) => c === 'load sku/0')).toHaveLength(1);
  });

  test('a retired shard that is still assigned is loaded again on demand, once for concurrent callers', async () => {
    const { m, calls } = harness();
    m.join(['sku/0']);
    await m.settled();
    await m.retire('sku/0');
    const [a, b] = await Promise.all([m.ownedShard('sku/0'), m.ownedShard('sku/0')]);
    expect(a).toBe(b!);
    expect(calls.filter((c) => c === 'load sku/0')).toHaveLength(2);
  });
});
