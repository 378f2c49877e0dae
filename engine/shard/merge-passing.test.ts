import { describe, expect, test } from 'bun:test';
import { orderActor } from '../../actors/order.ts';
import { skuActor } from '../../actors/sku.ts';
import { clockFor } from '../clock-set.ts';
import { CLOCK_HEADER, MERGE_KEY_HEADER } from './merge-key.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './records.ts';
import { createShard } from './shard.ts';

/**
 * Messages a merging shard cannot put in their place (unkeyed, late, behind another of their
 * origin that passes) are applied on arrival — behind their own origin's held messages only. A SKU
 * merges behind order shards and answers them: a reserve that waited behind another origin's held
 * message could wait for ever, when that message waits for the reserve's own order shard, whose
 * clock waits for the answer to that reserve (found by review; 60 s until the order's wait ended).
 */
const APP = 'shop';
const T0 = 1_700_000_000_000;
const SKU_INBOX = `${APP}.sku.inbox`;

const tx = (offset: number, key: string, id: string, type: string, ts: number, data: Record<string, unknown>): SourceRecord => ({
  topic: 'transaction_events', partition: 0, offset, key, timestamp: ts, headers: {},
  value: JSON.stringify({ id, type, v: type === 'order_placed' ? 2 : 1, ts, data: { orderId: key, ...data } }),
});
const placed = (offset: number, key: string, sku: string, ts: number) => tx(offset, key, `e-${key}`, 'order_placed', ts, { userId: `u-${key}`, items: [{ sku, qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' });
const inbox = (offset: number, origin: string, seq: number, msg: Record<string, unknown>, at?: string): SourceRecord => ({
  topic: SKU_INBOX, partition: 0, offset, key: 'S', timestamp: T0 + 100_000,
  headers: { [ORIGIN_HEADER]: origin, [SEQ_HEADER]: String(seq), ...(at ? { [MERGE_KEY_HEADER]: at } : {}) },
  value: JSON.stringify({ from: { type: 'order', key: msg.orderId }, msg }),
});
const clock = (offset: number, origin: string, value: string): SourceRecord => ({
  topic: SKU_INBOX, partition: 0, offset, key: 'clock-0', timestamp: T0 + 100_000, headers: { [ORIGIN_HEADER]: origin, [CLOCK_HEADER]: value }, value: '{}',
});
const stock = (offset: number, ts: number): SourceRecord => ({
  topic: 'inventory_events', partition: 0, offset, key: 'S', timestamp: ts, headers: {},
  value: JSON.stringify({ id: `e-stock-${offset}`, type: 'stock_received', v: 1, ts, data: { sku: 'S', qty: 5 } }),
});

describe('a merging SKU shard', () => {
  test("answers an order whose reserve passes behind another origin's held message: it waits only for its own origin's", () => {
    // order/0: o1 placed (its reserve goes to S), then cancelled: held, as o1 awaits S's answer, so
    // order/0's clock to SKUs stops at the cancellation.
    const orders = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['sku'] });
    orders.apply([placed(0, 'o1', 'S', T0 + 100), tx(1, 'o1', 'e-c1', 'order_cancelled', T0 + 200, { reason: 'customer_request' })]);
    const delta = orders.takeDelta();
    const reserve = delta.outbox.find((r) => r.topic === SKU_INBOX)!;
    const ordersClock = clockFor(delta.clock!, 'sku')!;
    expect(ordersClock).toBe(`${T0 + 200}/0/1/transaction_events`);

    const sku = createShard({ actor: skuActor, partition: 0, app: APP, merge: { origins: ['order/0', 'order/1'] } });
    sku.apply([
      stock(0, T0),
      stock(1, T0 + 95_000), // its own source is past everything below
      clock(0, 'order/1', `${T0 + 95_000}/1/99/transaction_events`),
      // order/1's reserve at 0:01: held, as order/0 has promised nothing past 0:00.200.
      inbox(1, 'order/1', 1, { type: 'reserve', orderId: 'oq', line: 0, qty: 1, cause: 'e-oq', ts: T0 + 1000 }, `${T0 + 1000}/1/5/transaction_events`),
      // An unkeyed release from order/0 (a release an answer caused), then o1's reserve: both pass.
      inbox(2, 'order/0', 1, { type: 'release', orderId: 'o0', line: 0, qty: 1, cause: 'e-o0', ts: T0 + 50 }),
      { ...inbox(3, 'order/0', 2, JSON.parse(reserve.value as string).msg, reserve.headers![MERGE_KEY_HEADER]) },
      clock(4, 'order/0', ordersClock),
    ]);
    const answers = sku.takeDelta().outbox.filter((r) => r.topic === `${APP}.order.inbox`).map((r) => `${r.key} ${JSON.parse(r.value as string).msg.granted}`);
    expect(answers).toEqual(['o1 true']); // oq still waits for order/0 to pass 0:01, as it should
    expect(sku.counters.duplicatesDropped).toBe(0);
  });

  test("a message passing behind its own origin's held one waits for it, and its origin's next ones go after it: nothing is dropped", () => {
    const sku = createShard({ actor: skuActor, partition: 0, app: APP, merge: { origins: ['order/0', 'order/1'] } });
    const reserve = (orderId: string, ms: number) => ({ type: 'reserve', orderId, line: 0, qty: 1, cause: `e-${orderId}`, ts: T0 + ms });
    sku.apply([
      stock(0, T0),
      clock(0, 'order/1', `${T0 + 10}/1/1/transaction_events`),
      inbox(1, 'order/0', 1, reserve('a', 200), `${T0 + 200}/0/3/transaction_events`), // held: order/1 has promised only 0:00.010
      inbox(2, 'order/0', 2, { type: 'release', orderId: 'z', line: 0, qty: 1, cause: 'e-z', ts: T0 + 5 }), // unkeyed: waits behind a
      inbox(3, 'order/0', 3, reserve('b', 300), `${T0 + 300}/0/4/transaction_events`), // passes too, behind the release
    ]);
    expect(sku.takeDelta().outbox.filter((r) => r.topic === `${APP}.order.inbox`)).toEqual([]);
    sku.apply([clock(4, 'order/1', 'idle'), clock(5, 'order/0', 'idle'), stock(1, T0 + 1000)]);
    const delta = sku.takeDelta();
    expect(delta.outbox.filter((r) => r.topic === `${APP}.order.inbox`).map((r) => r.key)).toEqual(['a', 'b']);
    expect(sku.counters.duplicatesDropped).toBe(0);
    expect(delta.inboxPositions).toEqual([{ origin: 'order/0', lastSeq: 3 }]);
  });
});

describe('a merging shard that keeps history', () => {
  // Messages are applied in event-time order, not in inbox order, so the inbox offset a checkpoint
  // claims stops at the first one still held (merged-inputs.ts) while later ones are applied. Two
  // checkpoints can then change an entity at the same source and inbox offsets: what tells them
  // apart is the origins' positions, which is why the failure suite's "no snapshot written twice"
  // check (tests/support/expect-history.ts) keys a checkpoint by all three.
  test('two checkpoints that change an entity at the same offsets differ in their inbox positions', () => {
    const sku = createShard({ actor: skuActor, partition: 0, app: APP, keepHistory: true, merge: { origins: ['order/0', 'order/1'] } });
    const reserve = (orderId: string, ms: number) => ({ type: 'reserve', orderId, line: 0, qty: 1, cause: `e-${orderId}`, ts: T0 + ms });
    sku.apply([
      stock(0, T0),
      stock(1, T0 + 95_000), // held too: the origins have promised nothing that far
      // order/1's reserve at 0:01 is held: order/0 has promised nothing past its first message.
      inbox(1, 'order/1', 1, reserve('late', 1000), `${T0 + 1000}/1/5/transaction_events`),
      inbox(2, 'order/0', 1, reserve('a', 500), `${T0 + 500}/0/3/transaction_events`),
    ]);
    const first = sku.takeDelta().history!.filter((r) => r.key === 'S');
    sku.apply([inbox(3, 'order/0', 2, reserve('b', 600), `${T0 + 600}/0/4/transaction_events`)]);
    const second = sku.takeDelta().history!.filter((r) => r.key === 'S');
    expect(first.map((r) => [r.sourceOffset, r.inboxOffset, r.inboxPositions])).toEqual([[1, 1, { 'order/0': 1 }]]);
    expect(second.map((r) => [r.sourceOffset, r.inboxOffset, r.inboxPositions])).toEqual([[1, 1, { 'order/0': 2 }]]);
    expect(sku.query('S')).toMatchObject({ state: { reserved: 2 } });
  });
});
