import { describe, expect, test } from 'bun:test';
import type { ActorDefinition } from '../../actors/actor.ts';
import { buildActors } from '../../actors/registry.ts';
import type { SourceRecord } from './records.ts';
import { createShard } from './shard.ts';

/**
 * An actor's `awaiting` hook is its own code like the handler. The engine asks it on paths outside
 * any handler's try (holding an input, settling answer notices after an apply): a throw there
 * failed the shard's batch on every retry, and after the aggregate had counted the input (found
 * by review). applyInput now asks it of every new state, where a throw quarantines the entity
 * before anything counts; elsewhere it reads as "not awaiting".
 */
const M = Date.UTC(2026, 0, 1, 9, 0);
let offset = 0;
const [, order] = buildActors() as ActorDefinition<any>[];
const placed = (id: string, orderId: string): SourceRecord => ({
  topic: 'transaction_events', partition: 0, offset: offset++, key: orderId, headers: {},
  value: JSON.stringify({ id, type: 'order_placed', v: 2, ts: M, data: { orderId, userId: 'u-1', items: [{ sku: 'A', qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' } }),
});

describe("an actor's awaiting hook that throws", () => {
  test('quarantines the entity whose new state it throws on; nothing of the input counts; the batch and the other orders go on', () => {
    const touchy: ActorDefinition<any> = {
      ...order!,
      awaiting: (s) => {
        if (s.placedBy === 'e-1') throw new Error('no status');
        return order!.awaiting!(s);
      },
    };
    const shard = createShard({ actor: touchy, partition: 0, app: 'shop' });
    expect(() => shard.apply([placed('e-1', 'o-bad'), placed('e-2', 'o-good')])).not.toThrow();
    expect(shard.query('o-bad')).toMatchObject({ quarantine: 'awaiting: Error: no status' });
    expect(shard.query('o-good')).toMatchObject({ quarantine: null, state: { status: 'placed' } });
    const sales = shard.takeDelta().aggregates!.find((a) => a.table.table === 'sales_minute')!;
    expect(sales.rows.map((r) => r.values[0])).toEqual([1]); // o-good only
  });

  test('on a state it was not asked of by applyInput (here the initial one, before the first input), it reads as not awaiting: the input is applied, not held', () => {
    const touchy: ActorDefinition<any> = { ...order!, awaiting: (s) => { if (s.status === 'new') throw new Error('bad state'); return order!.awaiting!(s); } };
    const shard = createShard({ actor: touchy, partition: 0, app: 'shop' });
    expect(() => shard.apply([placed('e-4', 'o-4')])).not.toThrow();
    expect(shard.query('o-4')).toMatchObject({ quarantine: null, state: { status: 'placed' } });
  });
});
