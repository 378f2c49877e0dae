import { describe, expect, test } from 'bun:test';
import { orderActor } from '../../actors/order.ts';
import { MERGE_KEY_HEADER } from './merge-key.ts';
import { openedJson, settledJson } from './hold-notices.ts';
import { answers, APP, at, clock, inbox, release, reserve, restoreFrom, SKU_INBOX, skuShard, skuState, stock, T0, tx } from './hold-notices.fixtures.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './records.ts';
import { createShard, type ShardDelta } from './shard.ts';

/**
 * Answer notices (answer-notices.ts): an order of several lines tells its SKUs to hold behind its
 * placement until its answers are in, and settles with what they made it send (the release after a
 * refused line); a SKU applies at once what does the same whatever a settle brings (sku-ahead.ts).
 */
const placedLines = (offset: number, key: string, skus: readonly string[], ms: number) =>
  tx(offset, key, `e-${key}`, 'order_placed', T0 + ms, { userId: `u-${key}`, items: skus.map((sku) => ({ sku, qty: 1, unitPrice: 5 })), currency: 'EUR', country: 'DE' });

/** SKU `sku`'s answer to line `line` of `orderId` (placed at `ms`), read from the order inbox. */
const answer = (offset: number, orderId: string, sku: string, line: number, granted: boolean, ms: number): SourceRecord => ({
  topic: `${APP}.order.inbox`, partition: 0, offset, key: orderId, headers: { [ORIGIN_HEADER]: 'sku/0', [SEQ_HEADER]: String(offset + 1) },
  value: JSON.stringify({ from: { type: 'sku', key: sku }, msg: { type: 'reservation_result', sku, line, qty: 1, granted, cause: `e-${orderId}`, ts: T0 + ms } }),
});

const orderShard = (restore?: ReturnType<typeof restoreFrom>) => createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['sku'], restore });

/** The SKU inbox rows of a delta: [type, to, key, what a settle carries]. */
function skuRows(delta: ShardDelta): unknown[][] {
  return delta.outbox.filter((r) => r.topic === SKU_INBOX).map((r) => {
    const msg = JSON.parse(r.value as string).msg;
    return [msg.type, r.key, r.headers?.[MERGE_KEY_HEADER], ...(msg.sends ? [msg.sends.map((m: { type: string }) => m.type)] : [])];
  });
}

describe('an order of several lines, as the sender of answer notices', () => {
  test('tells each line\'s SKU to hold behind its placement, after the reserves; a refused line\'s release goes with the settle, never alone', () => {
    const orders = orderShard();
    orders.apply([placedLines(0, 'o1', ['S', 'T'], 100)]);
    expect(skuRows(orders.takeDelta())).toEqual([
      ['reserve', 'S', at(100, 0)], ['reserve', 'T', at(100, 0)],
      ['$hold_opened', 'S', at(100, 0)], ['$hold_opened', 'T', at(100, 0)],
    ]);
    orders.apply([answer(0, 'o1', 'S', 0, true, 100)]);
    expect(skuRows(orders.takeDelta())).toEqual([]);
    orders.apply([answer(1, 'o1', 'T', 1, false, 100)]);
    expect(skuRows(orders.takeDelta())).toEqual([['$hold_settled', 'S', at(100, 0), ['release']], ['$hold_settled', 'T', at(100, 0), []]]);
  });

  test('all lines granted: empty settles; an order of one line opens nothing (its answer sends no one anything)', () => {
    const orders = orderShard();
    orders.apply([placedLines(0, 'o1', ['S', 'T'], 100), placedLines(1, 'o2', ['S'], 150)]);
    expect(skuRows(orders.takeDelta()).filter((r) => r[0] === '$hold_opened').map((r) => r[1])).toEqual(['S', 'T']);
    orders.apply([answer(0, 'o1', 'S', 0, true, 100), answer(1, 'o1', 'T', 1, true, 100), answer(2, 'o2', 'S', 0, true, 150)]);
    expect(skuRows(orders.takeDelta())).toEqual([['$hold_settled', 'S', at(100, 0), []], ['$hold_settled', 'T', at(100, 0), []]]);
  });

  test('a restart between the placement and its answers still settles: the open notices are in the row', () => {
    const first = orderShard();
    first.apply([placedLines(0, 'o1', ['S', 'T'], 100)]);
    const second = orderShard(restoreFrom(first.takeDelta()));
    second.apply([answer(0, 'o1', 'S', 0, false, 100), answer(1, 'o1', 'T', 1, true, 100)]);
    expect(skuRows(second.takeDelta())).toEqual([['$hold_settled', 'S', at(100, 0), []], ['$hold_settled', 'T', at(100, 0), ['release']]]);
  });

  test('an order quarantined while it awaits settles its notices empty, so its SKUs go on at once', () => {
    const throwing = { ...orderActor, handle: (s: never, input: Parameters<typeof orderActor.handle>[1], ctx: Parameters<typeof orderActor.handle>[2]) => {
      if (input.kind === 'message') throw new Error('boom');
      return orderActor.handle(s, input, ctx);
    } };
    const orders = createShard({ actor: throwing, partition: 0, app: APP, mergedReceivers: ['sku'] });
    orders.apply([placedLines(0, 'o1', ['S', 'T'], 100)]);
    orders.takeDelta();
    orders.apply([answer(0, 'o1', 'S', 0, true, 100)]);
    expect(skuRows(orders.takeDelta())).toEqual([['$hold_settled', 'S', at(100, 0), []], ['$hold_settled', 'T', at(100, 0), []]]);
  });

  test('a wait that times out and ends on a held cancellation: the answer notices settle empty, the releases go with the cancellation\'s own notices', () => {
    let now = 0;
    const orders = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['sku'], wallClock: () => now, maxAwaitMs: 1000 });
    orders.apply([placedLines(0, 'o1', ['S', 'T'], 100), answer(0, 'o1', 'S', 0, true, 100), tx(1, 'o1', 'e-c-o1', 'order_cancelled', T0 + 200, { reason: 'customer_request' })]);
    expect(skuRows(orders.takeDelta()).map((r) => r[0])).toEqual(['reserve', 'reserve', '$hold_opened', '$hold_opened', '$hold_opened', '$hold_opened']);
    now = 1001;
    orders.apply([tx(2, 'o2', 'e-o2', 'order_delivered', T0 + 300, {})]);
    const rows = skuRows(orders.takeDelta()).filter((r) => r[0] === '$hold_settled');
    expect(rows).toEqual([
      ['$hold_settled', 'S', at(100, 0), []], ['$hold_settled', 'T', at(100, 0), []],
      ['$hold_settled', 'S', at(200, 1), ['release']], ['$hold_settled', 'T', at(200, 1), []],
    ]);
    expect(orders.counters.awaitsTimedOut).toBe(1);
  });

  test('without a merging receiver (no event-time merge) nothing is sent but the reserves', () => {
    const orders = createShard({ actor: orderActor, partition: 0, app: APP });
    orders.apply([placedLines(0, 'o1', ['S', 'T'], 100)]);
    expect(skuRows(orders.takeDelta()).map((r) => r[0])).toEqual(['reserve', 'reserve']);
  });
});

describe('a merging SKU behind an open notice', () => {
  /** S has `units`; o1 reserved one and opened a notice at 0:00.200; then o2's reserve (0:00.300), order/0's clock past 0:00.400, and a stock count then. */
  const behindNotice = (units: number): SourceRecord[] => [
    stock(0, 'S', units, 0),
    stock(1, 'S', 4, 400),
    stock(2, 'U', 1, 90_000),
    clock(0, 'order/1', 'idle'),
    inbox(1, 'S', 'order/0', 1, 'o1', reserve('o1', 100), at(100, 0)),
    inbox(2, 'S', 'order/0', 2, 'o1', openedJson(at(200, 1), T0 + 200), at(200, 1)),
    inbox(3, 'S', 'order/0', 3, 'o2', reserve('o2', 300), at(300, 2)),
    clock(4, 'order/0', at(450, 3)),
  ];
  const settleO1 = (sends: string[]) => inbox(5, 'S', 'order/0', 4, 'o1', settledJson(at(200, 1), T0 + 200, sends), at(200, 1));

  test('grants a later reserve at once when stock is ample: no world a settle could bring refuses it', () => {
    const sku = skuShard();
    sku.apply(behindNotice(5));
    expect(answers(sku.takeDelta())).toEqual(['o1 true', 'o2 true']);
    expect(skuState(sku, 'S')).toMatchObject({ onHand: 9, reserved: 2 });
    sku.apply([settleO1([release('o1', 200)])]);
    expect(skuState(sku, 'S')).toMatchObject({ onHand: 9, reserved: 1 });
  });

  test('holds a reserve it would refuse, and everything after it, until the settle: then grants it from the unit given back, as the driver', () => {
    const sku = skuShard();
    sku.apply(behindNotice(1));
    expect(answers(sku.takeDelta())).toEqual(['o1 true']);
    expect(skuState(sku, 'S').onHand).toBe(1); // the stock count behind the held reserve waits too
    sku.apply([settleO1([release('o1', 200)])]);
    expect(answers(sku.takeDelta())).toEqual(['o2 true']);
    expect(skuState(sku, 'S')).toMatchObject({ onHand: 5, reserved: 1 });
  });

  test('the release a settle brings after inputs that went ahead is not counted out of event-time order', () => {
    const sku = skuShard();
    sku.apply(behindNotice(5));
    sku.apply([settleO1([release('o1', 200)])]);
    expect(sku.counters.outOfEventTimeOrder).toBe(0);
  });
});

describe('an awaitingTargets hook that fails', () => {
  test('throwing, or naming something that is not an address, opens no notice and stops nothing: the reserves and the release go as before notices', () => {
    for (const awaitingTargets of [() => { throw new Error('boom'); }, () => [null, { type: 'sku', key: 7 }, 42] as never]) {
      const orders = createShard({ actor: { ...orderActor, awaitingTargets }, partition: 0, app: APP, mergedReceivers: ['sku'] });
      orders.apply([placedLines(0, 'o1', ['S', 'T'], 100), answer(0, 'o1', 'S', 0, true, 100), answer(1, 'o1', 'T', 1, false, 100)]);
      expect(skuRows(orders.takeDelta()).map((r) => `${r[0]} ${r[1]}`)).toEqual(['reserve S', 'reserve T', 'release S']);
    }
  });
});
