import { describe, expect, test } from 'bun:test';
import type { ActorDefinition } from '../../actors/actor.ts';
import { orderActor, type OrderState } from '../../actors/order.ts';
import { createTestDriver } from '../../actors/test-driver.ts';
import { skuActor } from '../../actors/sku.ts';
import { MERGE_KEY_HEADER } from './merge-key.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './records.ts';
import { createShard, type Shard, type ShardDelta } from './shard.ts';

/**
 * An order shard holds an order's later events and its timer while the order awaits its stock
 * answers (ActorDefinition.awaiting, awaiting-holds.ts), and applies them in order, each as
 * itself, once the last answer is in: the order ends as the driver has it, whatever came first.
 */
const APP = 'shop';
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

const tx = (offset: number, id: string, type: string, ts: number, data: Record<string, unknown>): SourceRecord => ({
  topic: 'transaction_events', partition: 0, offset, key: 'o-1', timestamp: ts, headers: {},
  value: JSON.stringify({ id, type, v: type === 'order_placed' ? 2 : 1, ts, data: { orderId: 'o-1', ...data } }),
});
const placed = tx(0, 'e-placed', 'order_placed', T0, { userId: 'u-1', items: [{ sku: 'A', qty: 2, unitPrice: 5 }, { sku: 'B', qty: 1, unitPrice: 7 }], currency: 'EUR', country: 'DE' });
const paid = tx(1, 'e-pay', 'payment_authorized', T0 + 1000, { userId: 'u-1', amount: 17, cardFingerprint: 'card-1', country: 'DE' });
const cancelled = tx(2, 'e-cancel', 'order_cancelled', T0 + 2000, { reason: 'customer_request' });

/** The SKU's answer to line `line`, as its shard's relay writes it to the order inbox. */
const answer = (offset: number, line: number, sku: string, granted: boolean): SourceRecord => ({
  topic: `${APP}.order.inbox`, partition: 0, offset, key: 'o-1', headers: { [ORIGIN_HEADER]: 'sku/0', [SEQ_HEADER]: String(offset + 1), [MERGE_KEY_HEADER]: `${T0}/0/0/transaction_events` },
  value: JSON.stringify({ from: { type: 'sku', key: sku }, msg: { type: 'reservation_result', sku, line, qty: line === 0 ? 2 : 1, granted, cause: 'e-placed', ts: T0 } }),
});

/** What a shard restores from after committing only `delta` (as shard-lifecycle.ts reads it back from its rows). */
function restoreFrom(delta: ShardDelta) {
  return {
    states: delta.states.map((s) => ({ key: s.key, stateVersion: s.stateVersion, state: s.state, held: s.held ?? null })),
    offsets: new Map(delta.offsets.map((o) => [`${o.topic}:${o.partition}`, o.nextOffset])),
    inboxPositions: new Map(),
    timers: delta.timersAdded.map((t) => ({ key: t.key, dueAt: t.dueAt, seq: t.seq, timer: t.timer as never })),
    eventTimeMax: delta.offsets.find((o) => o.topic === 'transaction_events')?.eventTimeMax,
  };
}

const stateOf = (shard: Shard) => (shard.query('o-1') as { state: OrderState }).state;
const sendsOf = (delta: ShardDelta, type: string) => delta.outbox.filter((r) => r.topic === `${APP}.${type}.inbox`);

/** The driver's order for the same events, answers coming at once (stock A 10, B 5). */
function driverOrder(events: SourceRecord[]): OrderState {
  const d = createTestDriver([skuActor, orderActor]);
  d.pipe([{ id: 's-a', type: 'stock_received', v: 1, ts: T0 - 1, data: { sku: 'A', qty: 10 } }, { id: 's-b', type: 'stock_received', v: 1, ts: T0 - 1, data: { sku: 'B', qty: 5 } }] as never);
  d.pipe(events.map((r) => JSON.parse(r.value!)));
  return d.state<OrderState>('order', 'o-1')!;
}

describe('an order awaiting its stock answers', () => {
  test('holds a payment and a cancellation read before its answers, then applies them in order, each as itself: as the driver', () => {
    const shard = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['user'] });
    shard.apply([placed, paid, cancelled]);
    expect(stateOf(shard)).toMatchObject({ status: 'placed', paymentAuthorized: false }); // neither applied
    const first = shard.takeDelta();
    expect(sendsOf(first, 'user')).toEqual([]); // nor the payment's facts to its user
    // The source offset moves past them: they are in the order's row, committed with it.
    expect(first.offsets.find((o) => o.topic === 'transaction_events')?.nextOffset).toBe(3);
    expect(JSON.parse(first.states[0]!.held!).map((h: { input: { event: { id: string } } }) => h.input.event.id)).toEqual(['e-pay', 'e-cancel']);
    // Its promise to merging shards stops at the held payment, which will send keyed by its own place.
    expect(first.clock).toBe(`${T0 + 1000}/0/1/transaction_events`);

    shard.apply([answer(0, 0, 'A', true)]);
    expect(stateOf(shard).status).toBe('placed'); // one answer still out
    shard.apply([answer(1, 1, 'B', true)]);
    expect(stateOf(shard)).toEqual(driverOrder([placed, paid, cancelled]));
    expect(stateOf(shard).status).toBe('cancelled');
    const second = shard.takeDelta();
    expect(second.states[0]!.held).toBeUndefined();
    // The payment's fact and purchase are keyed by the payment; the cancellation releases both grants as itself.
    const toUser = sendsOf(second, 'user');
    expect(toUser.map((r) => JSON.parse(r.value).msg.type)).toEqual(['payment_attempted', 'order_paid']);
    expect(toUser.map((r) => r.headers?.[MERGE_KEY_HEADER])).toEqual(Array(2).fill(`${T0 + 1000}/0/1/transaction_events`));
    expect(sendsOf(second, 'sku').map((r) => JSON.parse(r.value).msg.cause)).toEqual(['e-cancel', 'e-cancel']);
    expect(second.clock).toBe(`${T0 + 2000}/0/3/transaction_events`); // nothing held: its source clock again
  });

  test('a held payment stops the promise to users only: SKUs, which no payment sends to (sendsOn), get the source clock', () => {
    const shard = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['sku', 'user', 'sku_affinity'] });
    shard.apply([placed, paid]);
    const held = `${T0 + 1000}/0/1/transaction_events`;
    expect(shard.takeDelta().clock).toBe(`sku=${T0 + 1000}/0/2/transaction_events user=${held} sku_affinity=${held}`);
    // A held cancellation sends releases to SKUs: now every promise stops at the earliest input that may send there.
    shard.apply([cancelled]);
    expect(shard.takeDelta().clock).toBe(`sku=${T0 + 2000}/0/2/transaction_events user=${held} sku_affinity=${held}`);
    shard.apply([answer(0, 0, 'A', true), answer(1, 1, 'B', true)]);
    expect(shard.takeDelta().clock).toBe(`${T0 + 2000}/0/3/transaction_events`); // nothing held: one clock for all
  });

  test('a held event counts for event→state when it is applied, not when it is taken', () => {
    const shard = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['user'] });
    shard.apply([placed, paid]);
    expect(shard.takeAppliedTimestamps!()).toEqual([T0]); // the placement; the payment waits
    shard.apply([{ ...answer(0, 0, 'A', true), timestamp: T0 + 5000 }, { ...answer(1, 1, 'B', true), timestamp: T0 + 6000 }]);
    expect(shard.takeAppliedTimestamps!()).toEqual([T0 + 1000]); // the payment the answers let go (messages are not timed)
  });

  test("payments keep the partition's order across orders: another order's later payment waits behind a held one", () => {
    const shard = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['user'] });
    const other = (offset: number, id: string, type: string, ts: number, data: Record<string, unknown>): SourceRecord => ({ ...tx(offset, id, type, ts, data), key: 'o-2', value: JSON.stringify({ id, type, v: type === 'order_placed' ? 2 : 1, ts, data: { orderId: 'o-2', ...data } }) });
    shard.apply([placed, paid, other(2, 'e-placed-2', 'order_placed', T0 + 1500, { userId: 'u-1', items: [{ sku: 'A', qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' })]);
    // o-2 is answered first, then its payment comes: o-1's payment, earlier, is still held.
    const answer2: SourceRecord = { ...answer(0, 0, 'A', true), key: 'o-2', value: JSON.stringify({ from: { type: 'sku', key: 'A' }, msg: { type: 'reservation_result', sku: 'A', line: 0, qty: 1, granted: true, cause: 'e-placed-2', ts: T0 + 1500 } }) };
    shard.apply([answer2, other(3, 'e-pay-2', 'payment_authorized', T0 + 2500, { userId: 'u-1', amount: 5, cardFingerprint: 'card-1', country: 'DE' })]);
    expect((shard.query('o-2') as { state: OrderState }).state).toMatchObject({ status: 'reserved', paymentAuthorized: false });
    shard.apply([answer(1, 0, 'A', true), answer(2, 1, 'B', true)]);
    expect((shard.query('o-2') as { state: OrderState }).state.status).toBe('paid');
    const keys = sendsOf(shard.takeDelta(), 'user').filter((r) => JSON.parse(r.value).msg.type === 'payment_attempted').map((r) => r.headers?.[MERGE_KEY_HEADER]);
    expect(keys).toEqual([`${T0 + 1000}/0/1/transaction_events`, `${T0 + 2500}/0/3/transaction_events`]); // in key order
  });

  test('a payment of an order never placed, held behind another order\'s payment, is applied in its turn (its entity has no state yet)', () => {
    const shard = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['user'] });
    const stray: SourceRecord = { ...tx(2, 'e-stray', 'payment_declined', T0 + 1500, { userId: 'u-9', amount: 5, cardFingerprint: 'card-9', reason: 'insufficient_funds' }), key: 'o-9', value: JSON.stringify({ id: 'e-stray', type: 'payment_declined', v: 1, ts: T0 + 1500, data: { orderId: 'o-9', userId: 'u-9', amount: 5, cardFingerprint: 'card-9', reason: 'insufficient_funds' } }) };
    shard.apply([placed, paid, stray]);
    expect(shard.query('o-9')).toBeUndefined(); // held behind o-1's payment
    shard.apply([answer(0, 0, 'A', true), answer(1, 1, 'B', true)]);
    expect(shard.query('o-9')).toBeDefined();
    const facts = sendsOf(shard.takeDelta(), 'user').filter((r) => JSON.parse(r.value).msg.type === 'payment_attempted').map((r) => JSON.parse(r.value).msg.cause);
    expect(facts).toEqual(['e-pay', 'e-stray']);
  });

  test('a refused line ends the wait too: what was held applies to the rejected order, as the driver', () => {
    const shard = createShard({ actor: orderActor, partition: 0, app: APP });
    shard.apply([placed, cancelled, answer(0, 0, 'A', true), answer(1, 1, 'B', false)]);
    const d = createTestDriver([skuActor, orderActor]);
    d.pipe([{ id: 's-a', type: 'stock_received', v: 1, ts: T0 - 1, data: { sku: 'A', qty: 10 } }] as never);
    d.pipe([placed, cancelled].map((r) => JSON.parse(r.value!)));
    expect(stateOf(shard)).toEqual(d.state<OrderState>('order', 'o-1')!);
    expect(stateOf(shard).status).toBe('rejected');
    // The cancellation comes after the rejection, as in the driver: an invalid transition, with the same id.
    expect(shard.takeDelta().alerts.map((a) => a.id)).toEqual(d.alerts().filter((a) => a.entityType === 'order').map((a) => a.id));
  });

  test('what it holds survives a restore from its checkpoint row, and its timer is held too', () => {
    const shipped = tx(2, 'e-ship', 'order_shipped', T0 + 3000, {});
    const first = createShard({ actor: orderActor, partition: 0, app: APP });
    first.apply([placed, paid, shipped]);
    const second = createShard({ actor: orderActor, partition: 0, app: APP, restore: restoreFrom(first.takeDelta()) });
    // Event time passes the payment deadline before the answers come: the timer waits with the shipment.
    second.advanceTimers(T0 + 16 * MINUTE, true);
    expect(stateOf(second).status).toBe('placed');
    second.apply([answer(0, 0, 'A', true), answer(1, 1, 'B', true)]);
    // Paid, then shipped, both held; the held timer then finds nothing to expire: as the driver.
    expect(stateOf(second)).toEqual(driverOrder([placed, paid, shipped]));
    expect(stateOf(second).status).toBe('shipped');
  });

  test('restored with its partition read to the end while an order holds inputs: its promise is stated at once, at the held input, not idle', () => {
    const first = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['sku', 'user'] });
    first.apply([placed, paid, cancelled]);
    const delta = first.takeDelta();
    const second = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['sku', 'user'], restore: restoreFrom(delta) });
    second.noteSourceEnd(3);
    // Nothing new to commit until the answers come, and the SKUs that would answer may wait for
    // this very clock (restored elsewhere, they never heard one): it must not wait for a commit.
    expect(second.dirty()).toBe(false);
    expect(second.clock()).toBe(delta.clock!);
    expect(second.clock()).toBe(`sku=${T0 + 2000}/0/2/transaction_events user=${T0 + 1000}/0/1/transaction_events`);
    second.apply([answer(0, 0, 'A', true), answer(1, 1, 'B', true)]);
    expect(second.clock()).toBe('idle'); // nothing held, nothing left to read
  });

  test('answers that never come: after maxAwaitMs what it holds is applied anyway, counted, at the next batch or checkpoint', () => {
    let now = 0;
    const shard = createShard({ actor: orderActor, partition: 0, app: APP, wallClock: () => now, maxAwaitMs: 1000 });
    shard.apply([placed, cancelled]);
    now = 999;
    shard.releaseOverdueHolds();
    expect(stateOf(shard).status).toBe('placed');
    now = 1000;
    shard.releaseOverdueHolds(); // as every checkpoint pass does (ShardHost.takeDelta)
    expect(stateOf(shard).status).toBe('cancelled');
    expect(shard.counters.awaitsTimedOut).toBe(1);
    expect(shard.takeDelta().states[0]!.held).toBeUndefined();
  });

  test('an answer that throws quarantines the order: what it held is parked behind it, in order, for the release', () => {
    const throwing: ActorDefinition<OrderState> = {
      ...orderActor,
      handle: (s, input, ctx) => {
        if (input.kind === 'message') throw new Error('bad answer');
        return orderActor.handle(s, input, ctx);
      },
    };
    const shard = createShard({ actor: throwing, partition: 0, app: APP });
    shard.apply([placed, paid, cancelled, answer(0, 0, 'A', true)]);
    const delta = shard.takeDelta();
    expect(delta.parked!.map((p) => [p.code, JSON.parse(p.input).kind])).toEqual([['HANDLER_ERROR', 'message'], ['QUARANTINED', 'event'], ['QUARANTINED', 'event']]);
    expect(delta.parked!.slice(1).map((p) => p.source?.offset)).toEqual([1, 2]); // the held payment and cancellation
    expect(delta.states[0]!.held).toBeUndefined();
  });

  test('an actor that does not await is never held, nor one whose shard does not hold (a processor that does not merge)', () => {
    for (const shard of [createShard({ actor: { ...orderActor, awaiting: undefined }, partition: 0, app: APP }), createShard({ actor: orderActor, partition: 0, app: APP, holdWhileAwaiting: false })]) {
      shard.apply([placed, cancelled]);
      expect(stateOf(shard).status).toBe('cancelled');
    }
  });
});
