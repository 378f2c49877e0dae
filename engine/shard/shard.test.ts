import { describe, expect, test } from 'bun:test';
import { skuActor } from '../../actors/sku.ts';
import { orderActor } from '../../actors/order.ts';
import type { ActorDefinition } from '../../actors/actor.ts';
import { createShard, type Shard } from './shard.ts';
import { DLQ_HEADERS, ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './records.ts';
import { unheld } from '../../actors/unheld.ts';

/** The order actor alone: no SKU shard answers its reserves here, so it is not held while awaiting them (actors/unheld.ts). */
const orderAlone = unheld(orderActor);

const APP = 'shop';
let offset = 0;

function event(topic: string, key: string | null, body: unknown, partition = 0): SourceRecord {
  return { topic, partition, offset: offset++, key, value: typeof body === 'string' ? body : JSON.stringify(body), headers: {} };
}
const stock = (id: string, sku: string, qty: number, ts = 1000) =>
  event('inventory_events', sku, { id, type: 'stock_received', v: 1, ts, data: { sku, qty } });
const reserve = (origin: string, seq: number, sku: string, qty: number, orderId = 'o-1', ts = 2000) => ({
  topic: `${APP}.sku.inbox`, partition: 0, offset: offset++, key: sku, headers: { [ORIGIN_HEADER]: origin, [SEQ_HEADER]: String(seq) },
  value: JSON.stringify({ from: { type: 'order', key: orderId }, msg: { type: 'reserve', orderId, line: 0, qty, cause: 'e-order', ts } }),
});

function sku(shard: Shard, key: string) {
  return live(shard, key)?.state as { onHand: number; reserved: number } | undefined;
}

const order = (id: string, orderId: string, ts: number, type = 'order_placed') =>
  event('transaction_events', orderId, {
    id, type, v: 2, ts,
    data: { orderId, userId: 'u-1', items: [{ sku: 'A', qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' },
  });

function live(shard: Shard, key: string) {
  const q = shard.query(key);
  return q === 'passivated' ? undefined : q;
}

describe('shard', () => {
  test('applies source events and inbox commands per the SKU contract, and emits replies to the order inbox', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP, wallClock: () => 42 });
    shard.apply([stock('e-1', 'A', 5)]);
    shard.apply([reserve('order/0', 1, 'A', 3), reserve('order/0', 2, 'A', 3)]);
    // 5 on hand: the first reserve of 3 is granted, the second (3 > available 2) refused.
    expect(sku(shard, 'A')).toMatchObject({ onHand: 5, reserved: 3 });
    const delta = shard.takeDelta();
    const replies = delta.outbox.filter((o) => o.topic === 'shop.order.inbox').map((o) => JSON.parse(o.value).msg.granted);
    expect(replies).toEqual([true, false]);
    expect(delta.alerts.map((a) => [a.type, a.detectedAt])).toEqual([['oversell_prevented', 42]]);
    expect(delta.alertFrom).toEqual(['A']); // who raised each alert, for checkpoint isolation to blame
    expect(delta.outbox.some((o) => o.topic === 'alerts')).toBe(true);
    expect(delta.states).toEqual([expect.objectContaining({ key: 'A', stateVersion: 2, quarantine: null })]);
    expect(delta.inboxPositions).toEqual([{ origin: 'order/0', lastSeq: 2 }]);
  });

  test('an alert about another entity is recorded as raised by the entity that raised it', () => {
    const tattling: ActorDefinition<any> = {
      ...skuActor,
      handle: (state, input, ctx) => {
        const t = skuActor.handle(state, input, ctx);
        const alert = { id: `sku/${ctx.key}/tattle`, type: 'tattle', entityType: 'user', entityKey: 'u-someone', severity: 'info', ts: ctx.now, reasons: [], details: { summary: 'about someone else' } };
        return { ...t, effects: [...t.effects, { kind: 'alert', alert }] } as never;
      },
    };
    const shard = createShard({ actor: tattling, partition: 0, app: APP });
    shard.apply([stock('e-1', 'A', 5)]);
    const delta = shard.takeDelta();
    expect(delta.alerts.map((a) => a.entityKey)).toEqual(['u-someone']);
    expect(delta.alertFrom).toEqual(['A']);
  });

  test('an inbox message redelivered with a seen sequence number is dropped exactly', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.apply([stock('e-1', 'B', 10)]);
    const first = reserve('order/3', 7, 'B', 4);
    shard.apply([first, { ...first, offset: offset++ }, reserve('order/3', 6, 'B', 4)]);
    expect(sku(shard, 'B')).toMatchObject({ reserved: 4 });
    expect(shard.counters.duplicatesDropped).toBe(2);
    // Another origin has its own sequence.
    shard.apply([reserve('order/4', 1, 'B', 1)]);
    expect(sku(shard, 'B')).toMatchObject({ reserved: 5 });
  });

  test('a message handed over in memory is checked and deduplicated like a fetched one, moves no offset, and its outbox row is consumed', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.apply([stock('e-1', 'M', 10)]);
    shard.takeDelta();
    const fetched = reserve('order/5', 3, 'M', 2);
    const memory = (seq: number) => ({ ...reserve('order/5', seq, 'M', 1), offset: -1, memory: true as const });
    expect(shard.apply([fetched])).toBe(1);
    expect(shard.apply([memory(3), memory(4), memory(5)])).toBe(3);
    expect(sku(shard, 'M')).toMatchObject({ reserved: 4 });
    expect(shard.counters.duplicatesDropped).toBe(1);
    const delta = shard.takeDelta();
    expect(delta.offsets).toEqual([{ topic: `${APP}.sku.inbox`, partition: 0, nextOffset: fetched.offset + 1 }]);
    expect(delta.inboxPositions).toEqual([{ origin: 'order/5', lastSeq: 5 }]);
    // Applied or dropped, each row is deleted with this checkpoint.
    expect(delta.consumedOutbox).toEqual([{ origin: 'order/5', seq: 3 }, { origin: 'order/5', seq: 4 }, { origin: 'order/5', seq: 5 }]);
  });

  test('once the source end is known, an inbox message waits for the source events before it in event time', () => {
    // A catch-up: both partitions hold a backlog and the consumer happens to hand over the inbox first.
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.noteSourceEnd(2);
    const s1 = { ...stock('e-1', 'E', 4, 1000), offset: 0 };
    const s2 = { ...stock('e-2', 'E', 1, 3000), offset: 1 };
    const inbox = [{ ...reserve('order/0', 1, 'E', 4, 'o-1', 2000), offset: 0 }, { ...reserve('order/0', 2, 'E', 1, 'o-2', 9000), offset: 1 }];
    expect(shard.apply(inbox)).toBe(0); // nothing of the source applied yet: all wait
    expect(shard.nextOffset(`${APP}.sku.inbox`, 0)).toBeUndefined();
    expect(shard.apply([s1])).toBe(1);
    expect(shard.apply(inbox)).toBe(0); // the source is at event time 1000, the reserve at 2000
    expect(shard.apply([s2])).toBe(1);
    // Past 2000 and caught up with the source end: both reserves go, the first one granted.
    expect(shard.apply(inbox)).toBe(2);
    expect(sku(shard, 'E')).toMatchObject({ onHand: 5, reserved: 5 });
    // More source arrives (end 5): a message later than the source's event time waits again.
    shard.noteSourceEnd(5);
    expect(shard.apply([{ ...reserve('order/0', 3, 'E', 1, 'o-3', 9500), offset: 2 }])).toBe(0);
    expect(shard.apply([{ ...reserve('order/0', 3, 'E', 1, 'o-3', 2500), offset: 2 }])).toBe(1);
  });

  test('in memory, a message that waits for the source stops only its own origin: the others go, and the waits name where each stopped', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.noteSourceEnd(2);
    expect(shard.apply([{ ...stock('e-1', 'W', 10, 1000), offset: 0 }])).toBe(1);
    const memory = (origin: string, seq: number, ts: number) => ({ ...reserve(origin, seq, 'W', 1, `o-${origin}-${seq}`, ts), offset: -1, memory: true as const });
    // order/1's second message is ahead of the source (at 1000); its third must stay behind it.
    const batch = [memory('order/1', 1, 500), memory('order/1', 2, 5000), memory('order/1', 3, 600), memory('order/2', 1, 700), memory('order/3', 1, 8000), memory('order/2', 2, 800)];
    expect(shard.apply(batch)).toBe(3);
    expect(shard.takeMemoryWaits()).toEqual([1, 4]);
    expect(shard.takeMemoryWaits()).toBeUndefined(); // taken
    expect(shard.takeDelta().consumedOutbox).toEqual([{ origin: 'order/1', seq: 1 }, { origin: 'order/2', seq: 1 }, { origin: 'order/2', seq: 2 }]);
    expect(sku(shard, 'W')).toMatchObject({ reserved: 3 });
    // The source passes them: offered again, the rest goes in order.
    expect(shard.apply([batch[1]!])).toBe(0); // waits again, and is not taken: its waits do not outlive the next apply
    expect(shard.apply([{ ...stock('e-2', 'W', 1, 9000), offset: 1 }])).toBe(1);
    expect(shard.takeMemoryWaits()).toBeUndefined();
    expect(shard.apply([batch[1]!, batch[2]!, batch[4]!])).toBe(3);
    expect(shard.takeMemoryWaits()).toBeUndefined();
    expect(shard.takeDelta().inboxPositions).toEqual(expect.arrayContaining([{ origin: 'order/1', lastSeq: 3 }, { origin: 'order/3', lastSeq: 1 }]));
  });

  test('a source end learned before the inbox records were received does not make the source caught up: they wait by their time until the end is measured again', () => {
    // Taken while its source was empty (end 0 at t=100); stock written at once with the orders,
    // whose reserve is received at t=500, before the stock's fetch is applied.
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.noteSourceEnd(0, 100);
    const r1 = { ...reserve('order/0', 1, 'F', 3, 'o-1', 2000), offset: 0 };
    expect(shard.apply([r1], 500)).toBe(0); // at the end of 0 as of t=100: old news
    expect(shard.takeEndWanted()).toBe(true);
    expect(shard.takeEndWanted()).toBe(false); // taken
    // Measured again at t=600: the stock is there, so the reserve waits for it, not for another measurement.
    shard.noteSourceEnd(1, 600);
    expect(shard.apply([r1], 500)).toBe(0);
    expect(shard.takeEndWanted()).toBe(false);
    expect(shard.apply([{ ...stock('e-1', 'F', 3, 1000), offset: 0 }], 650)).toBe(1);
    // Caught up with the end measured at t=600, after the reserve was received: it passes and is granted.
    expect(shard.apply([r1], 500)).toBe(1);
    expect(sku(shard, 'F')).toMatchObject({ onHand: 3, reserved: 3 });
    // A reserve received later (t=900) with nothing new measured: it waits by its time again.
    expect(shard.apply([{ ...reserve('order/0', 2, 'F', 1, 'o-2', 5000), offset: 1 }], 900)).toBe(0);
    expect(shard.takeEndWanted()).toBe(true);
    shard.noteSourceEnd(1, 950); // measured: still 1, so caught up
    expect(shard.apply([{ ...reserve('order/0', 2, 'F', 1, 'o-2', 5000), offset: 1 }], 900)).toBe(1);
  });
  test('restored with a running maximum of event time, a shard still holds an earlier inbox message until its own source passes it', () => {
    // The checkpoint's maximum (3000) keys what it sends; the partition may still hold a stock
    // receipt late behind it (2500) that precedes the reserve (2700): the gate waits for the source.
    const shard = createShard({ actor: skuActor, partition: 0, app: APP, restore: { states: [], offsets: new Map([['inventory_events:0', 1]]), eventTimeMax: 3000, inboxPositions: new Map(), timers: [] } });
    shard.noteSourceEnd(2);
    const reserveAt2700 = { ...reserve('order/0', 1, 'L', 2, 'o-l', 2700), offset: 0 };
    expect(shard.apply([reserveAt2700])).toBe(0);
    expect(shard.apply([{ ...stock('e-late', 'L', 2, 2500), offset: 1 }])).toBe(1);
    expect(shard.apply([reserveAt2700])).toBe(1); // the source is at its end now
    expect(sku(shard, 'L')).toMatchObject({ onHand: 2, reserved: 2 });
    expect(shard.takeDelta().offsets.find((o) => o.topic === 'inventory_events')).toEqual({ topic: 'inventory_events', partition: 0, nextOffset: 2, eventTimeMax: 3000 });
  });

  test('a message reaching an entity after a later one from another origin is counted out of event-time order', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.apply([stock('e-1', 'T', 10, 1000), stock('e-2', 'U', 10, 1000)]);
    // Two order shards: order/1's reserve happened at 3000, order/2's at 2000 but arrives after it.
    shard.apply([reserve('order/1', 1, 'T', 1, 'o-a', 3000), reserve('order/2', 1, 'T', 1, 'o-b', 2000)]);
    expect(shard.counters.outOfEventTimeOrder).toBe(1);
    // Same times, or another entity's earlier time, are no reordering.
    shard.apply([reserve('order/1', 2, 'T', 1, 'o-c', 3000), reserve('order/2', 2, 'U', 1, 'o-d', 1500)]);
    expect(shard.counters.outOfEventTimeOrder).toBe(1);
    expect(shard.counters.applied).toBe(6);
  });

  test('records below the stored offset are skipped (a refetch after restore)', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    const r = stock('e-1', 'C', 3);
    shard.apply([r]);
    shard.apply([r]);
    expect(sku(shard, 'C')).toMatchObject({ onHand: 3 });
    expect(shard.counters.skippedBelowOffset).toBe(1);
    expect(shard.nextOffset('inventory_events', 0)).toBe(r.offset + 1);
  });

  test('bad input goes to <topic>.dlq with its reason and the partition keeps flowing', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    const valid = { id: 'x', type: 'stock_received', v: 1, ts: 1, data: { sku: 'D', qty: 1 } };
    shard.apply([
      event('inventory_events', 'D', '{not json'),
      event('inventory_events', 'D', { ...valid, type: 'stock_teleported' }),
      event('inventory_events', 'D', { ...valid, data: { sku: 'D', qty: -1 } }),
      event('inventory_events', 'D', 'x'.repeat(70_000)),
      event('inventory_events', 'OTHER', valid),
      event('inventory_events', null, valid),
      event('inventory_events', 'u-1', { id: 'y', type: 'page_viewed', v: 1, ts: 1, data: { userId: 'u-1', path: '/' } }),
      event('inventory_events', 'D', valid),
    ]);
    const dlq = shard.takeDelta().outbox.filter((o) => o.topic === 'inventory_events.dlq');
    expect(dlq.map((o) => o.headers![DLQ_HEADERS.code])).toEqual([
      'INVALID_JSON', 'UNKNOWN_EVENT_TYPE', 'INVALID_DATA', 'OVERSIZE', 'KEY_MISMATCH', 'KEY_MISMATCH', 'WRONG_TOPIC',
    ]);
    expect(dlq[2]!.headers![DLQ_HEADERS.reason]).toContain('/data/qty');
    expect(sku(shard, 'D')).toMatchObject({ onHand: 1 });
    expect(shard.counters.deadLettered).toBe(7);
  });

  test('a handler that throws quarantines that entity only; its later events are parked in the DLQ', () => {
    const exploding: ActorDefinition<{ n: number }> = {
      type: 'sku', sourceTopic: 'inventory_events', eventTypes: ['stock_received'], stateVersion: 1,
      initial: () => ({ n: 0 }),
      migrate: (s) => s as { n: number },
      handle: (s, input) => {
        if (input.kind === 'event' && input.event.type === 'stock_received' && input.event.data.qty === 13) throw new Error('unlucky');
        return { state: { n: s.n + 1 }, effects: [] };
      },
    };
    const shard = createShard({ actor: exploding, partition: 0, app: APP });
    shard.apply([stock('e-1', 'bad', 1), stock('e-2', 'bad', 13), stock('e-3', 'bad', 1), stock('e-4', 'good', 1)]);
    expect(shard.query('bad')).toEqual({ state: { n: 1 }, quarantine: 'Error: unlucky' });
    expect(shard.query('good')).toEqual({ state: { n: 1 }, quarantine: null });
    const codes = shard.takeDelta().outbox.map((o) => o.headers?.[DLQ_HEADERS.code]);
    expect(codes).toEqual(['HANDLER_ERROR', 'QUARANTINED']);
  });

  test('an entity whose very first input throws is quarantined with a state row the checkpoint can store', () => {
    const firstThrows: ActorDefinition<{ n: number }> = {
      type: 'sku', sourceTopic: 'inventory_events', eventTypes: ['stock_received'], stateVersion: 1,
      initial: () => ({ n: 0 }),
      migrate: (s) => s as { n: number },
      handle: () => {
        throw new TypeError('cannot read the thing');
      },
    };
    const shard = createShard({ actor: firstThrows, partition: 0, app: APP });
    shard.apply([stock('e-1', 'new-key', 1)]);
    const delta = shard.takeDelta();
    expect(delta.states).toEqual([
      { actorType: 'sku', key: 'new-key', partition: 0, stateVersion: 1, state: { n: 0 }, quarantine: 'TypeError: cannot read the thing' },
    ]);
  });

  test('a payment timeout fires before the first input later than its due time, and survives a restore', () => {
    const minute = 60_000;
    const placedAt = 1_000_000;
    const shard = createShard({ actor: orderAlone, partition: 0, app: APP });
    shard.apply([order('e-1', 'o-1', placedAt)]);
    const delta = shard.takeDelta();
    expect(delta.timersAdded).toEqual([
      { actorType: 'order', key: 'o-1', dueAt: placedAt + 15 * minute, seq: 1, timer: { type: 'payment_timeout', cause: 'e-1' } },
    ]);
    // Restore a fresh shard from what the checkpoint wrote, then let event time pass the deadline.
    const restored = createShard({
      actor: orderAlone, partition: 0, app: APP,
      restore: {
        states: delta.states.map((s) => ({ ...s, state: s.state })), offsets: new Map(delta.offsets.map((o) => [`${o.topic}:${o.partition}`, o.nextOffset])),
        inboxPositions: new Map(),
        timers: delta.timersAdded.map((t) => ({ key: t.key, dueAt: t.dueAt, seq: t.seq, timer: t.timer as never })),
      },
    });
    restored.apply([order('e-2', 'o-2', placedAt + 15 * minute)]);
    expect((live(restored, 'o-1')!.state as { status: string }).status).toBe('placed');
    restored.apply([order('e-3', 'o-3', placedAt + 15 * minute + 1)]);
    expect((live(restored, 'o-1')!.state as { status: string }).status).toBe('expired');
    expect(restored.takeDelta().timersRemoved).toEqual([1]);
  });
  test('passivation evicts idle committed entities; their next input waits for a rehydrate with the stored row', () => {
    let clock = 0;
    const shard = createShard({ actor: skuActor, partition: 0, app: APP, wallClock: () => clock });
    shard.apply([stock('p-1', 'sku-a', 5), stock('p-2', 'sku-b', 7)]);
    // Uncommitted changes are never evicted, however idle.
    expect(shard.passivate({ idleMs: 1000, maxEntities: 1_000_000 }, 10_000)).toBe(0);
    const committed = shard.takeDelta().states;
    shard.setNow(20_000);
    shard.apply([stock('p-3', 'sku-b', 1)]); // sku-b used again: recent and dirty
    expect(shard.passivate({ idleMs: 1000, maxEntities: 1_000_000 }, 20_500)).toBe(1);
    expect(shard.query('sku-a')).toBe('passivated');
    expect(shard.size()).toBe(1);

    const next = [stock('p-4', 'sku-a', 2), stock('p-5', 'sku-b', 1)];
    expect(shard.missingKeys(next)).toEqual(['sku-a']);
    const row = committed.find((r) => r.key === 'sku-a')!;
    shard.rehydrate([{ key: row.key, stateVersion: row.stateVersion, state: row.state, quarantine: null }], ['sku-a']);
    expect(shard.missingKeys(next)).toEqual([]);
    shard.apply(next);
    // 5 committed before eviction + 2 now; sku-b 7 + 1 + 1.
    expect(sku(shard, 'sku-a')?.onHand).toBe(7);
    expect(sku(shard, 'sku-b')?.onHand).toBe(9);
  });

  test('a lazy restore leaves stored entities in Postgres until their next input, and new keys need no lookup', () => {
    const shard = createShard({
      actor: skuActor, partition: 0, app: APP,
      restore: { states: [], stored: ['sku-s'], offsets: new Map(), inboxPositions: new Map(), timers: [] },
    });
    expect(shard.size()).toBe(0);
    expect(shard.query('sku-s')).toBe('passivated'); // answered from its committed row
    expect(shard.query('sku-new')).toBeUndefined();
    const next = [stock('l-1', 'sku-s', 2), stock('l-2', 'sku-new', 3)];
    expect(shard.missingKeys(next)).toEqual(['sku-s']);
    shard.rehydrate([{ key: 'sku-s', stateVersion: skuActor.stateVersion, state: { ...skuActor.initial('sku-s'), onHand: 10 }, quarantine: null, recentIds: 'l-0' }], ['sku-s']);
    shard.apply([...next, stock('l-0', 'sku-s', 99)]);
    // The stored 10 + 2; the stored dedup window came back with it, so l-0 is a duplicate.
    expect(sku(shard, 'sku-s')?.onHand).toBe(12);
    expect(sku(shard, 'sku-new')?.onHand).toBe(3);
    expect(shard.counters.duplicatesDropped).toBe(1);
  });

  test('a lazy restore without keys: every key not in memory is looked up once, until the keys are handed over', () => {
    const shard = createShard({
      actor: skuActor, partition: 0, app: APP,
      restore: { states: [], storedUnknown: true, offsets: new Map(), inboxPositions: new Map(), timers: [] },
    });
    // Any key may be stored: queries go to the committed row, inputs wait for a look-up.
    expect(shard.query('sku-s')).toBe('passivated');
    const first = [stock('u-1', 'sku-s', 2), stock('u-2', 'sku-new', 3)];
    expect(shard.missingKeys(first).sort()).toEqual(['sku-new', 'sku-s']);
    // Postgres had sku-s only: sku-new is new, and is not looked up again.
    shard.rehydrate([{ key: 'sku-s', stateVersion: skuActor.stateVersion, state: { ...skuActor.initial('sku-s'), onHand: 10 }, quarantine: null }], ['sku-s', 'sku-new']);
    expect(shard.missingKeys(first)).toEqual([]);
    expect(shard.apply(first)).toBe(2);
    expect(sku(shard, 'sku-s')?.onHand).toBe(12);
    expect(sku(shard, 'sku-new')?.onHand).toBe(3);
    // A row read for a key put back meanwhile (a concurrent batch) must not take it back in time.
    shard.rehydrate([{ key: 'sku-s', stateVersion: skuActor.stateVersion, state: { ...skuActor.initial('sku-s'), onHand: 10 }, quarantine: null }], ['sku-s']);
    expect(sku(shard, 'sku-s')?.onHand).toBe(12);

    // The keys arrive: stored ones not in memory are evicted ones, every other key is new.
    shard.storedKeys(['sku-s', 'sku-old']);
    expect(shard.query('sku-old')).toBe('passivated');
    expect(shard.query('sku-never')).toBeUndefined();
    expect(shard.missingKeys([stock('u-3', 'sku-old', 1), stock('u-4', 'sku-never', 1), stock('u-5', 'sku-s', 1)])).toEqual(['sku-old']);
    // A second hand-over (a late duplicate) changes nothing.
    shard.storedKeys(['sku-never']);
    expect(shard.query('sku-never')).toBeUndefined();
  });

  test('passivation caps the shard at maxEntities, least recently used first', () => {
    let clock = 0;
    const shard = createShard({ actor: skuActor, partition: 0, app: APP, wallClock: () => clock });
    for (let i = 0; i < 5; i++) {
      shard.setNow(i);
      shard.apply([stock(`c-${i}`, `sku-${i}`, 1)]);
    }
    shard.takeDelta();
    expect(shard.passivate({ idleMs: 1e9, maxEntities: 2 }, 10)).toBe(3);
    expect(['sku-0', 'sku-1', 'sku-2'].map((k) => shard.query(k))).toEqual(['passivated', 'passivated', 'passivated']);
    expect(sku(shard, 'sku-4')?.onHand).toBe(1);
  });

  test('an entity waiting for its timer is passivated too; a batch that may fire the timer first waits for its state', () => {
    const minute = 60_000;
    const placedAt = 1_000_000;
    const at = (r: SourceRecord, timestamp: number) => ({ ...r, timestamp });
    const orders = createShard({ actor: orderAlone, partition: 0, app: APP, wallClock: () => 0 });
    orders.apply([at(order('t-1', 'o-t', placedAt), placedAt)]);
    const row = orders.takeDelta().states.find((r) => r.key === 'o-t')!;
    expect(orders.passivate({ idleMs: 0, maxEntities: 0 }, 1)).toBe(1);
    expect(orders.query('o-t')).toBe('passivated');

    // Before the payment timeout nothing can fire: another order's batch needs nothing back.
    const early = [at(order('t-2', 'o-u', placedAt + minute), placedAt + minute)];
    expect(orders.missingKeys(early)).toEqual([]);
    orders.apply(early);
    // A record stamped past the timeout may fire it (its event time is bounded by its timestamp).
    const late = [at(order('t-3', 'o-v', placedAt + 16 * minute), placedAt + 16 * minute)];
    expect(orders.missingKeys(late)).toEqual(['o-t']);
    // So may a record without a timestamp (fed by hand): it bounds nothing.
    expect(orders.missingKeys([order('t-4', 'o-w', placedAt + minute)])).toEqual(['o-t']);
    // Applied without its state, the timer would start the order from scratch: refused loudly.
    expect(() => orders.apply(late)).toThrow('timer of o-t due at');

    const fresh = createShard({ actor: orderAlone, partition: 0, app: APP, wallClock: () => 0 });
    fresh.apply([at(order('t-1', 'o-t', placedAt), placedAt)]);
    fresh.takeDelta();
    fresh.passivate({ idleMs: 0, maxEntities: 0 }, 1);
    const later = [at(order('t-5', 'o-v', placedAt + 16 * minute), placedAt + 16 * minute)]; // offsets after t-1's
    expect(fresh.missingKeys(later)).toEqual(['o-t']);
    fresh.rehydrate([{ key: row.key, stateVersion: row.stateVersion, state: row.state, quarantine: null }], ['o-t']);
    expect(fresh.missingKeys(later)).toEqual([]);
    fresh.apply(later);
    expect((live(fresh, 'o-t')!.state as { status: string }).status).toBe('expired');
    expect(fresh.takeDelta().timersRemoved).toHaveLength(1);
  });
  test('a stored state that cannot be migrated quarantines that entity only; the shard loads', () => {
    const strict: ActorDefinition<any> = {
      ...skuActor,
      stateVersion: 9,
      migrate: (_state: unknown, from: number) => {
        throw new Error(`no migration from v${from}`);
      },
    };
    const shard = createShard({
      actor: strict, partition: 0, app: APP,
      restore: { states: [{ key: 'sku-old', stateVersion: 1, stateJson: '{"onHand":1}', quarantine: null }], offsets: new Map(), inboxPositions: new Map(), timers: [] },
    });
    expect(shard.query('sku-old')).toEqual({ state: { onHand: 1 }, quarantine: 'state v1 could not be migrated to v9: no migration from v1' });
    shard.apply([stock('m-1', 'sku-old', 2)]);
    const delta = shard.takeDelta();
    expect(delta.states).toEqual([]); // the stored row stays as it was
    expect(delta.outbox[0]?.headers?.[DLQ_HEADERS.code]).toBe('QUARANTINED');
  });
  test('rehydrate restores only keys still evicted: a key already back (and moved on) keeps its newer state', () => {
    let clock = 0;
    const shard = createShard({ actor: skuActor, partition: 0, app: APP, wallClock: () => clock });
    shard.apply([stock('r-1', 'sku-r', 5)]);
    const row = shard.takeDelta().states[0]!;
    expect(shard.passivate({ idleMs: 0, maxEntities: 0 }, 1)).toBe(1);
    const stored = { key: row.key, stateVersion: row.stateVersion, state: row.state, quarantine: null };
    // Two batches of the shard (source and inbox) both needed the key; the first puts it back and applies.
    shard.rehydrate([stored], ['sku-r']);
    shard.apply([stock('r-2', 'sku-r', 1)]);
    // The second one's rehydrate arrives with the same (now old) row: it must not take the key back.
    shard.rehydrate([stored], ['sku-r']);
    expect(sku(shard, 'sku-r')?.onHand).toBe(6);
  });
});
