import { describe, expect, test } from 'bun:test';
import { statesAsJsonText } from './state-text.ts';
import type { DeltaStateRow, ShardDelta } from './shard-api.ts';

function delta(states: DeltaStateRow[]): ShardDelta {
  return { offsets: [], states, outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] };
}

const row = (key: string, state: unknown): DeltaStateRow => ({ actorType: 'sku', key, partition: 3, stateVersion: 2, state, quarantine: null, recentIds: 'e-1\ne-2' });

describe('statesAsJsonText', () => {
  test('each state becomes the JSON the store would have made of the object; the rest of the row is kept', () => {
    const state = { onHand: 5, reserved: { 'o-1': 2 }, at: new Date(0), tags: ['a', undefined] };
    const [out] = statesAsJsonText(delta([row('sku-1', state)])).states;
    expect(out).toEqual({ actorType: 'sku', key: 'sku-1', partition: 3, stateVersion: 2, quarantine: null, recentIds: 'e-1\ne-2', stateJson: JSON.stringify(state) });
    expect('state' in out!).toBe(false);
  });

  test('a state JSON cannot encode keeps the reason; the other rows are encoded', () => {
    const cycle: Record<string, unknown> = { n: 1 };
    cycle.self = cycle;
    const out = statesAsJsonText(delta([row('sku-big', { n: 7n }), row('sku-cycle', cycle), row('sku-fine', { n: 1 })])).states;
    expect(out[0]!.unencodable).toMatch(/BigInt/i);
    expect(out[1]!.unencodable).toMatch(/cyclic|circular/i);
    expect(out.map((r) => 'stateJson' in r)).toEqual([false, false, true]);
    expect(out[2]!.stateJson).toBe('{"n":1}');
  });

  test('a state that is not JSON at all (undefined) travels as no text, for the column to refuse as before', () => {
    const [out] = statesAsJsonText(delta([row('sku-1', undefined)])).states;
    expect('stateJson' in out!).toBe(true);
    expect(out!.stateJson).toBeUndefined();
    expect(out!.unencodable).toBeUndefined();
  });
});
