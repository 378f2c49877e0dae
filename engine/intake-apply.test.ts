import { describe, expect, test } from 'bun:test';
import { skuActor } from '../actors/sku.ts';
import { accountApplied, applyInShard } from './intake-apply.ts';
import type { Membership } from './membership.ts';
import type { Owned } from './owned-shard.ts';
import type { SourceBatch } from './record-source.ts';
import type { ApplyResult } from './shard/shard-host.ts';

const counters = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, timersFired: 0, outOfEventTimeOrder: 0, mergeWaitsTimedOut: 0, awaitsTimedOut: 0 };
const batch: SourceBatch = {
  topic: 'inventory_events', partition: 0, highWatermark: 1, lastOffset: '0',
  records: [{ key: Buffer.from('sku-1'), value: Buffer.from('{}'), offset: '0', timestamp: '1', headers: {} }],
};

/** A shard held by a fake membership whose host answers `apply` with the given outcomes in turn. */
function harness(outcomes: (ApplyResult | Error)[]) {
  const steps: string[] = [];
  const held = new Map<string, Owned>();
  const o = {
    id: 'sku/0', actor: skuActor, partition: 0,
    host: {
      apply: async () => {
        const next = outcomes.shift()!;
        steps.push(next instanceof Error ? 'apply threw' : 'apply');
        if (next instanceof Error) throw next;
        return next;
      },
      rehydrate: async (_id: string, rows: unknown[], keys: string[]) => void steps.push(`rehydrate ${keys} (${rows.length} rows)`),
    },
  } as unknown as Owned;
  held.set(o.id, o);
  const membership = {
    held: (id: string) => held.get(id),
    retire: async (id: string) => void (steps.push(`retire ${id}`), held.delete(id)),
    ownedShard: async (id: string) => void steps.push(`reacquire ${id}`),
  } as unknown as Membership;
  const deps = {
    membership,
    store: { loadStates: async (_t: string, keys: readonly string[]) => keys.map((key) => ({ key, stateVersion: 2, state: {}, quarantine: null, updatedAt: 0 })) },
    isInbox: () => false,
    log: (line: string) => void steps.push(`log: ${line}`),
  };
  return { o, steps, deps };
}

describe('applyInShard', () => {
  test('passivated keys the batch needs are read back, then the batch is applied again', async () => {
    const h = harness([{ consumed: 0, needs: ['sku-1'], counters, size: 0 }, { consumed: 1, counters, size: 1 }]);
    expect((await applyInShard(h.deps, h.o, batch))?.consumed).toBe(1);
    expect(h.steps).toEqual(['apply', 'rehydrate sku-1 (1 rows)', 'apply']);
  });

  test('an apply that throws half-way restores the shard from its last checkpoint; the batch is fetched again', async () => {
    const h = harness([new Error('timer of o-1 due at 5 fired while its state is not in memory')]);
    expect(await applyInShard(h.deps, h.o, batch)).toBeUndefined();
    expect(h.steps).toEqual([
      'apply threw',
      'log: shard sku/0 failed inside a batch, restoring it from its last checkpoint: timer of o-1 due at 5 fired while its state is not in memory',
      'retire sku/0',
      'reacquire sku/0',
    ]);
  });

  test('a shard retired meanwhile (its worker closed it) is left to its new owner', async () => {
    const h = harness([new Error('shard sku/0 is not open in this host')]);
    await h.deps.membership.retire('sku/0');
    h.steps.length = 0;
    expect(await applyInShard(h.deps, h.o, batch)).toBeUndefined();
    expect(h.steps).toEqual(['apply threw']);
  });
});

describe('accountApplied', () => {
  test('says in the log when a wait ran out since the last batch, naming the shard; nothing when none did', () => {
    const lines: string[] = [];
    const o = { id: 'user/1', actor: skuActor, partition: 1, counters: { ...counters }, next: new Map(), appendTimes: [], traced: [], uncommitted: 0 } as unknown as Owned;
    const deps = { observer: {}, log: (line: string) => void lines.push(line) };
    const result = (more: Partial<typeof counters>): ApplyResult => ({ consumed: 1, counters: { ...counters, applied: 1, ...more }, size: 1 });
    accountApplied(deps, o, batch, result({}), 0, 0);
    expect(lines).toEqual([]);
    accountApplied(deps, o, batch, result({ mergeWaitsTimedOut: 1, awaitsTimedOut: 2 }), 1, 0);
    expect(lines).toEqual([
      'user/1: stopped waiting for a silent origin 1 time(s) after event_time_max_wait_ms; what it applied then may differ from a replay',
      'user/1: 2 entities waited too long for answers; what they held was applied without them and may differ from a replay',
    ]);
    accountApplied(deps, o, batch, result({ mergeWaitsTimedOut: 1, awaitsTimedOut: 2 }), 2, 0);
    expect(lines.length).toBe(2); // counted once
  });
});
