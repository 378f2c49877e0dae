import { describe, expect, test } from 'bun:test';
import type { ActorDefinition } from '../../actors/actor.ts';
import { skuActor } from '../../actors/sku.ts';
import { DLQ_HEADERS, type SourceRecord } from './records.ts';
import { createShard } from './shard.ts';

/**
 * An actor's `initial(key)` is its own code too, and the engine called it outside any try: a throw
 * for a key its author did not expect (or an undefined first state, which no checkpoint can store)
 * failed the shard's batch on every retry, and nothing of the partition landed after it (found by
 * review). There is no entity to quarantine, so the record is dead-lettered with the reason, to be
 * redriven once `initial` is fixed.
 */
let offset = 0;
const stock = (sku: string, qty: number): SourceRecord => ({
  topic: 'inventory_events', partition: 0, offset: offset++, key: sku, headers: {}, timestamp: 1_700_000_000_000,
  value: JSON.stringify({ id: `e-${offset}`, type: 'stock_received', v: 1, ts: 1_700_000_000_000, data: { sku, qty } }),
});

describe("an actor's initial that cannot give a first state", () => {
  test.each([
    ['throws', () => { throw Object.create(null); }, "sku 'nocolon': initial threw Error: an object"],
    ['returns undefined', () => undefined, "sku 'nocolon': initial returned undefined, not a first state"],
  ])('%s: the record is dead-lettered with the reason; the rest of the batch lands', (_: string, failing: () => unknown, reason: string) => {
    const picky: ActorDefinition<any> = { ...skuActor, initial: (key) => (key.includes(':') ? skuActor.initial(key) : failing()) };
    const shard = createShard({ actor: picky, partition: 0, app: 'shop' });
    expect(() => shard.apply([stock('a:1', 2), stock('nocolon', 3), stock('b:2', 4)])).not.toThrow();
    const delta = shard.takeDelta();
    expect(delta.states.map((s) => s.key)).toEqual(['a:1', 'b:2']);
    const dead = delta.outbox.filter((m) => m.headers?.[DLQ_HEADERS.code]);
    expect(dead.map((m) => [m.key, m.headers![DLQ_HEADERS.code], m.headers![DLQ_HEADERS.reason]])).toEqual([['nocolon', 'INVALID_DATA', `the actor cannot start this entity: ${reason}`]]);
    expect(shard.query('nocolon')).toBeUndefined();
  });
});
