import { describe, expect, test } from 'bun:test';
import { postableDelta } from './postable-delta.ts';
import type { DeltaStateRow, ShardDelta } from './shard-api.ts';

function delta(states: DeltaStateRow[]): ShardDelta {
  return { offsets: [], states, outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] };
}

const row = (key: string, state: unknown): DeltaStateRow => ({ actorType: 'sku', key, partition: 3, stateVersion: 2, state, quarantine: null, recentIds: 'e-1\ne-2' });

describe('postableDelta', () => {
  test('each state becomes the JSON the store would have made of the object; the rest of the row is kept', () => {
    const state = { onHand: 5, reserved: { 'o-1': 2 }, at: new Date(0), tags: ['a', undefined] };
    const [out] = postableDelta(delta([row('sku-1', state)])).states;
    expect(out).toEqual({ actorType: 'sku', key: 'sku-1', partition: 3, stateVersion: 2, quarantine: null, recentIds: 'e-1\ne-2', stateJson: JSON.stringify(state) });
    expect('state' in out!).toBe(false);
  });

  test('a state JSON cannot encode keeps the reason; the other rows are encoded', () => {
    const cycle: Record<string, unknown> = { n: 1 };
    cycle.self = cycle;
    const out = postableDelta(delta([row('sku-big', { n: 7n }), row('sku-cycle', cycle), row('sku-fine', { n: 1 })])).states;
    expect(out[0]!.unencodable).toMatch(/BigInt/i);
    expect(out[1]!.unencodable).toMatch(/cyclic|circular/i);
    expect(out.map((r) => 'stateJson' in r)).toEqual([false, false, true]);
    expect(out[2]!.stateJson).toBe('{"n":1}');
  });

  test('a state that is not JSON at all (undefined) travels as no text, for the column to refuse as before', () => {
    const [out] = postableDelta(delta([row('sku-1', undefined)])).states;
    expect('stateJson' in out!).toBe(true);
    expect(out!.stateJson).toBeUndefined();
    expect(out!.unencodable).toBeUndefined();
  });
});

describe('postableDelta: what else a worker posts', () => {
  test('history snapshots get the same text as the state rows, and their timers become plain data', () => {
    const state = { onHand: 5, at: new Date(0) };
    const d = delta([row('sku-1', state)]);
    d.history = [{ actorType: 'sku', key: 'sku-1', partition: 3, at: 1, stateVersion: 2, state, quarantine: null, recentIds: null, timers: [{ key: 'sku-1', dueAt: 9, seq: 1, timer: { type: 'recount', fn: () => 1 } }], sourceOffset: 1, inboxOffset: 0, inboxPositions: {} }];
    const out = postableDelta(d);
    expect(out.history![0]!.stateJson).toBe(out.states[0]!.stateJson!);
    expect('state' in out.history![0]!).toBe(false);
    expect(out.history![0]!.timers).toEqual([{ key: 'sku-1', dueAt: 9, seq: 1, timer: { type: 'recount' } }]);
    expect(() => structuredClone(out)).not.toThrow();
  });

  test('alerts and timers become the plain data of their JSON: a function in them no longer fails the post', () => {
    const d = delta([]);
    const alert = { id: 'a-1', type: 'odd', entityType: 'sku', entityKey: 'sku-1', severity: 'info', ts: 5, detectedAt: 6, reasons: [], details: { summary: 'x', fn: () => 1, at: new Date(0) } };
    d.alerts = [alert as never];
    d.timersAdded = [{ actorType: 'sku', key: 'sku-1', dueAt: 9, seq: 1, timer: { type: 'recount', fn: () => 2 } }];
    expect(() => structuredClone(d)).toThrow();
    const out = postableDelta(d);
    expect(() => structuredClone(out)).not.toThrow();
    expect(JSON.stringify(out.alerts[0])).toBe(JSON.stringify(alert));
    expect(out.timersAdded[0]).toEqual({ actorType: 'sku', key: 'sku-1', dueAt: 9, seq: 1, timer: { type: 'recount' } });
  });
});
