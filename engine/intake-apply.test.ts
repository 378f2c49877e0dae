import { describe, expect, test } from 'bun:test';
import { skuActor } from '../actors/sku.ts';
import { accountApplied, applyInShard, applyMemoryRecords } from './intake-apply.ts';
import type { Membership } from './membership.ts';
import type { Owned } from './owned-shard.ts';
import type { SourceBatch } from './record-source.ts';
import type { ApplyResult } from './shard/shard-host.ts';
import { packBatch, unpackBatch, type RecordBatch, type TextMessage } from './shard/record-batch.ts';
import { createShardHost } from './shard/shard-host.ts';

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
      apply: async (_id: string, posted: RecordBatch) => {
        const next = outcomes.shift()!;
        if (posted.memory) steps.push(`offered ${unpackBatch(posted).map((r) => `${r.headers['x-origin']}#${r.headers['x-seq']}`).join(' ')}`);
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
    accountApplied(deps, o, batch, { ...result({}), size: 3, oldestUseAt: 17 }, 0, 0);
    expect(lines).toEqual([]);
    expect([o.size, o.oldestUseAt]).toEqual([3, 17]); // what passivation goes by (residency.ts mayEvict)
    accountApplied(deps, o, batch, result({ mergeWaitsTimedOut: 1, awaitsTimedOut: 2 }), 1, 0);
    expect(lines).toEqual([
      'user/1: stopped waiting for a silent origin 1 time(s) after event_time_max_wait_ms; what it applied then may differ from a replay',
      'user/1: 2 entities waited too long for answers; what they held was applied without them and may differ from a replay',
    ]);
    accountApplied(deps, o, batch, result({ mergeWaitsTimedOut: 1, awaitsTimedOut: 2 }), 2, 0);
    expect(lines.length).toBe(2); // counted once
  });
});

describe('applyMemoryRecords', () => {
  const memory = (origin: string, seq: number, receivedAt: number): TextMessage => ({ offset: '-1', key: 'sku-1', value: '{}', timestamp: String(receivedAt), headers: { 'x-origin': origin, 'x-seq': String(seq) } });

  test("each origin's messages received before the last end measurement go first; an origin that waits there is left out of the rest", async () => {
    // Part one: what was received by t=20, of either origin; part two: the rest, without order/1.
    const h = harness([{ consumed: 1, counters, size: 1, memoryWaits: [0] }, { consumed: 1, counters, size: 1 }]);
    const o = Object.assign(h.o, { counters: { ...counters }, next: new Map(), appendTimes: [] as number[], traced: [], uncommitted: 0 });
    const deps = { ...h.deps, observer: {}, endWanted: () => {}, measuredAt: () => 20 };
    const taken = await applyMemoryRecords(deps, o, 'app.sku.inbox', [memory('order/1', 1, 10), memory('order/1', 2, 30), memory('order/2', 1, 10), memory('order/2', 2, 30)]);
    expect(h.steps).toEqual(['offered order/1#1 order/2#1', 'apply', 'offered order/2#2', 'apply']);
    expect([...taken!]).toEqual([['order/2', 2]]);
    expect([o.uncommitted, o.appendTimes]).toEqual([2, [10, 30]]);
  });

  test("a shard whose waits do not add up to its count is restored: what it took is not known", async () => {
    const h = harness([{ consumed: 2, counters, size: 1, memoryWaits: [0] }]);
    const o = Object.assign(h.o, { counters: { ...counters }, next: new Map(), appendTimes: [] as number[], traced: [], uncommitted: 0 });
    const deps = { ...h.deps, observer: {}, endWanted: () => {}, measuredAt: () => 100 };
    expect(await applyMemoryRecords(deps, o, 'app.sku.inbox', [memory('a/0', 1, 1), memory('b/0', 1, 2)])).toBeUndefined();
    expect(h.steps.slice(2)).toEqual([
      'log: shard sku/0 failed inside a batch, restoring it from its last checkpoint: the shard reports 2 memory messages taken, but its waits leave 1',
      'retire sku/0',
      'reacquire sku/0',
    ]);
    expect(o.uncommitted).toBe(0);
  });

  test('with a real shard: what it reports taken is what it applied, per origin, in sequence', async () => {
    const host = createShardHost(() => skuActor);
    await host.open({ actorType: 'sku', partition: 0, app: 'app', sourceTopic: 'inventory_events', alertsTopic: 'alerts', actors: {} }, { states: [], offsets: new Map(), inboxPositions: new Map(), timers: [] });
    // The source is at event time 1000 and not at its end (5): later messages wait for it.
    const stock = { offset: '0', key: 'sku-1', value: JSON.stringify({ id: 'e-1', type: 'stock_received', v: 1, ts: 1000, data: { sku: 'sku-1', qty: 9 } }), timestamp: '1000' };
    expect(host.apply('sku/0', packBatch('inventory_events', 0, [stock]), { now: 1, sourceEnd: 5 }).oldestUseAt).toBe(1); // for passivation (residency.ts mayEvict)
    const reserve = (origin: string, seq: number, ts: number): TextMessage => ({
      offset: '-1', key: 'sku-1', timestamp: '10', headers: { 'x-origin': origin, 'x-seq': String(seq) },
      value: JSON.stringify({ from: { type: 'order', key: `o-${origin}-${seq}` }, msg: { type: 'reserve', orderId: `o-${origin}-${seq}`, line: 0, qty: 1, cause: 'e', ts } }),
    });
    const h = harness([]);
    const o = Object.assign(h.o, { counters: { ...counters }, next: new Map(), appendTimes: [] as number[], traced: [], uncommitted: 0, host: { apply: async (...a: Parameters<typeof host.apply>) => host.apply(...a) } });
    const deps = { ...h.deps, observer: {}, endWanted: () => {}, measuredAt: () => 100 };
    const records = [reserve('order/1', 1, 500), reserve('order/1', 2, 5000), reserve('order/1', 3, 600), reserve('order/2', 1, 700)];
    expect([...(await applyMemoryRecords(deps, o, 'app.sku.inbox', records))!]).toEqual([['order/1', 1], ['order/2', 1]]);
    expect(host.takeDelta('sku/0')!.consumedOutbox).toEqual([{ origin: 'order/1', seq: 1 }, { origin: 'order/2', seq: 1 }]);
  });

  test('within a part, what the shard took is each origin up to its first message that waited', async () => {
    const h = harness([{ consumed: 3, counters, size: 1, memoryWaits: [1, 4] }]);
    const o = Object.assign(h.o, { counters: { ...counters }, next: new Map(), appendTimes: [] as number[], traced: [], uncommitted: 0 });
    const deps = { ...h.deps, observer: {}, endWanted: () => {}, measuredAt: () => 100 };
    const records = [memory('a/0', 1, 1), memory('a/0', 2, 2), memory('a/0', 3, 3), memory('b/0', 1, 4), memory('c/0', 1, 5), memory('b/0', 2, 6)];
    expect([...(await applyMemoryRecords(deps, o, 'app.sku.inbox', records))!]).toEqual([['a/0', 1], ['b/0', 2]]);
    expect(o.appendTimes).toEqual([1, 4, 6]);
  });
});
