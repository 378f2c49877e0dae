import { describe, expect, test } from 'bun:test';
import type { ActorDefinition } from '../../actors/actor.ts';
import type { ParkedInput, ParkedRow } from './parked.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './records.ts';
import { createShard, type Shard } from './shard.ts';

const APP = 'rel';
let offset = 0;
const stock = (id: string, key: string, qty: number, ts: number): SourceRecord => ({
  topic: 'inventory_events', partition: 0, offset: offset++, key, headers: {},
  value: JSON.stringify({ id, type: 'stock_received', v: 1, ts, data: { sku: key, qty } }),
});
const message = (seq: number, key: string, qty: number, ts: number): SourceRecord => ({
  topic: `${APP}.sku.inbox`, partition: 0, offset: offset++, key, headers: { [ORIGIN_HEADER]: 'order/0', [SEQ_HEADER]: String(seq) },
  value: JSON.stringify({ from: { type: 'order', key: 'o-1' }, msg: { type: 'reserve', orderId: 'o-1', line: 0, qty, cause: 'e-o', ts } }),
});

type Tally = { events: string[]; reserved: number; timers: number };

/** An actor with a bug the test can fix: the events named in `bug.throwsOn` throw. A stock of 7 sets a timer. */
function buggyActor(bug: { throwsOn: Set<string> }): ActorDefinition<Tally> {
  return {
    type: 'sku', sourceTopic: 'inventory_events', eventTypes: ['stock_received'], stateVersion: 1,
    initial: () => ({ events: [], reserved: 0, timers: 0 }),
    migrate: (s) => s as Tally,
    handle: (s, input, ctx) => {
      if (input.kind === 'timer') return { state: { ...s, timers: s.timers + 1 }, effects: [] };
      if (input.kind === 'message') return { state: { ...s, reserved: s.reserved + (input.msg as { qty: number }).qty }, effects: [] };
      const { qty } = input.event.data as { qty: number };
      if (bug.throwsOn.has(input.event.id)) throw new Error('unlucky');
      const effects = qty === 7 ? [{ kind: 'schedule' as const, at: ctx.now + 100, timer: { type: 'check' } as never }] : [];
      return { state: { ...s, events: [...s.events, input.event.id] }, effects };
    },
  };
}

/** What a checkpoint would store: parked inputs numbered as Postgres numbers them. */
function committedRows(parked: readonly ParkedInput[] | undefined, from = 1): ParkedRow[] {
  return (parked ?? []).map((p, i) => ({ ...p, seq: from + i }));
}

const state = (shard: Shard, key: string) => {
  const q = shard.query(key);
  return q === 'passivated' || q === undefined ? undefined : q;
};

describe('quarantine release', () => {
  test('every input after a throw is parked — source events, actor messages and timers — in order, with its code', () => {
    const shard = createShard({ actor: buggyActor({ throwsOn: new Set(['e-2']) }), partition: 0, app: APP });
    shard.apply([stock('e-1', 'k', 7, 1000), stock('e-2', 'k', 1, 1050), stock('e-3', 'k', 1, 1060)]);
    shard.apply([message(1, 'k', 2, 1070)]);
    shard.apply([stock('e-4', 'other', 1, 1200)]); // moves event time past k's timer (due 1100)
    const parked = shard.takeDelta().parked!;
    expect(parked.map((p) => [p.code, JSON.parse(p.input).kind, p.at, p.source?.offset !== undefined])).toEqual([
      ['HANDLER_ERROR', 'event', 1050, true],
      ['QUARANTINED', 'event', 1060, true],
      ['QUARANTINED', 'message', 1070, true],
      ['QUARANTINED', 'timer', 1100, false],
    ]);
    expect(parked.every((p) => p.actorType === 'sku' && p.key === 'k' && p.partition === 0)).toBe(true);
    expect(parked[0]!.reason).toBe('Error: unlucky');
  });

  test('after the fix, a release applies the committed parked inputs and then those parked since, once each, and deletes the applied rows', () => {
    const bug = { throwsOn: new Set(['e-2']) };
    const shard = createShard({ actor: buggyActor(bug), partition: 0, app: APP });
    shard.apply([stock('e-1', 'k', 1, 1000), stock('e-2', 'k', 1, 1010), stock('e-3', 'k', 1, 1020)]);
    const committed = committedRows(shard.takeDelta().parked, 41);
    shard.apply([message(1, 'k', 2, 1030)]); // parked after the last checkpoint: still in the pending delta
    bug.throwsOn.clear();

    expect(shard.release('k', committed, undefined)).toEqual({ applied: 3, duplicates: 0, quarantine: null });
    expect(state(shard, 'k')).toEqual({ state: { events: ['e-1', 'e-2', 'e-3'], reserved: 2, timers: 0 }, quarantine: null });
    const delta = shard.takeDelta();
    expect(delta.released).toEqual([{ actorType: 'sku', key: 'k', throughSeq: 42 }]);
    expect(delta.parked ?? []).toEqual([]);
    expect(delta.states.find((s) => s.key === 'k')).toMatchObject({ quarantine: null });

    // Applied inputs are remembered: a retry of e-3 from the producer is dropped as a duplicate.
    shard.apply([{ ...stock('e-3', 'k', 1, 1040) }]);
    expect((state(shard, 'k')!.state as Tally).events).toEqual(['e-1', 'e-2', 'e-3']);
  });

  test('an input that throws again stops the release there: it and the rest stay parked, the applied ones are deleted', () => {
    const bug = { throwsOn: new Set(['e-1', 'e-3']) };
    const shard = createShard({ actor: buggyActor(bug), partition: 0, app: APP });
    shard.apply([stock('e-1', 'k', 1, 1000), stock('e-2', 'k', 1, 1010), stock('e-3', 'k', 1, 1020), stock('e-4', 'k', 1, 1030)]);
    const committed = committedRows(shard.takeDelta().parked);
    bug.throwsOn.delete('e-1'); // a fix for the first failure only
    expect(shard.release('k', committed, undefined)).toEqual({ applied: 2, duplicates: 0, quarantine: 'Error: unlucky' });
    const delta = shard.takeDelta();
    expect(delta.released).toEqual([{ actorType: 'sku', key: 'k', throughSeq: 2 }]);
    expect(delta.parked ?? []).toEqual([]); // the input that threw again is not parked twice
    expect(delta.states.find((s) => s.key === 'k')).toMatchObject({ state: { events: ['e-1', 'e-2'] }, quarantine: 'Error: unlucky' });
  });

  test('a source event parked twice (a producer retry) is applied once', () => {
    const bug = { throwsOn: new Set(['e-1']) };
    const shard = createShard({ actor: buggyActor(bug), partition: 0, app: APP });
    shard.apply([stock('e-1', 'k', 1, 1000), stock('e-2', 'k', 1, 1010), stock('e-2', 'k', 1, 1010)]);
    const committed = committedRows(shard.takeDelta().parked);
    expect(committed).toHaveLength(3);
    bug.throwsOn.clear();
    expect(shard.release('k', committed, undefined)).toEqual({ applied: 2, duplicates: 1, quarantine: null });
    expect((state(shard, 'k')!.state as Tally).events).toEqual(['e-1', 'e-2']);
    expect(shard.takeDelta().released).toEqual([{ actorType: 'sku', key: 'k', throughSeq: 3 }]);
  });

  test('a passivated quarantined entity is put back from its committed row before its inputs are applied', () => {
    const bug = { throwsOn: new Set(['e-2']) };
    const shard = createShard({ actor: buggyActor(bug), partition: 0, app: APP });
    shard.apply([stock('e-1', 'k', 1, 1000), stock('e-2', 'k', 1, 1010)]);
    const delta = shard.takeDelta();
    const committed = committedRows(delta.parked);
    const row = delta.states.find((s) => s.key === 'k')!;
    expect(shard.passivate({ idleMs: 0, maxEntities: 0 }, Date.now() + 1)).toBe(1);
    expect(shard.query('k')).toBe('passivated');
    bug.throwsOn.clear();
    expect(shard.release('k', committed, { key: 'k', stateVersion: row.stateVersion, state: row.state, quarantine: row.quarantine ?? null })).toEqual({ applied: 1, duplicates: 0, quarantine: null });
    expect(state(shard, 'k')).toEqual({ state: { events: ['e-1', 'e-2'], reserved: 0, timers: 0 }, quarantine: null });
  });

  test('a state whose migration failed is migrated again by the fixed code on release', () => {
    const actor = buggyActor({ throwsOn: new Set() });
    const v2: ActorDefinition<Tally> = { ...actor, stateVersion: 2, migrate: () => { throw new Error('no v1'); } };
    const stored = { key: 'k', stateVersion: 1, state: { events: ['old'], reserved: 0, timers: 0 }, quarantine: null };
    const broken = createShard({ actor: v2, partition: 0, app: APP, restore: { states: [stored], offsets: new Map(), inboxPositions: new Map(), timers: [] } });
    expect(broken.query('k')).toMatchObject({ quarantine: 'state v1 could not be migrated to v2: no v1' });
    expect(broken.release('k', [], stored)).toEqual({ applied: 0, duplicates: 0, quarantine: 'state v1 could not be migrated to v2: no v1' });

    const fixed = createShard({ actor: { ...v2, migrate: (s) => ({ ...(s as Tally), timers: 9 }) }, partition: 0, app: APP, restore: { states: [{ ...stored, quarantine: 'state v1 could not be migrated to v2: no v1' }], offsets: new Map(), inboxPositions: new Map(), timers: [] } });
    expect(fixed.release('k', [], stored)).toEqual({ applied: 0, duplicates: 0, quarantine: null });
    expect(state(fixed, 'k')).toEqual({ state: { events: ['old'], reserved: 0, timers: 9 }, quarantine: null });
  });
});
