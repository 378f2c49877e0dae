import { describe, expect, test } from 'bun:test';
import type { ActorMessage, DomainEvent, EventData, EventType, ReleaseStock } from '../schemas/index.ts';
import type { ActorType } from './actor.ts';
import { createOrderActor, orderActor, type LineStatus, type OrderLine, type OrderState } from './order.ts';
import { skuActor, type SkuState } from './sku.ts';
import { createTestDriver, type TestDriver } from './test-driver.ts';
import { unheld } from './unheld.ts';

// Expected values are worked out by hand from docs/domain-rules.md "Order", never from the code.

const T0 = 1_700_000_000_000;
const P = T0 + 1_000; // when order o1 is placed
const TIMEOUT = 15 * 60_000;

function ev<T extends EventType>(type: T, id: string, ts: number, data: EventData<T>): DomainEvent {
  return { id, type, v: 1, ts, data } as unknown as DomainEvent;
}
const placed = (id: string, ts: number, items: [string, number][], orderId = 'o1') =>
  ev('order_placed', id, ts, { orderId, userId: 'u1', items: items.map(([sku, qty]) => ({ sku, qty, unitPrice: 10 })), currency: 'EUR', country: 'DE' });
const authorized = (id: string, ts: number, orderId = 'o1') =>
  ev('payment_authorized', id, ts, { orderId, userId: 'u1', amount: 30, cardFingerprint: 'fp1', country: 'DE' });
const declined = (id: string, ts: number, orderId = 'o1') =>
  ev('payment_declined', id, ts, { orderId, userId: 'u1', amount: 30, cardFingerprint: 'fp2', reason: 'insufficient_funds' });
const shipped = (id: string, ts: number, orderId = 'o1') => ev('order_shipped', id, ts, { orderId });
const delivered = (id: string, ts: number, orderId = 'o1') => ev('order_delivered', id, ts, { orderId });
const cancelled = (id: string, ts: number, orderId = 'o1') => ev('order_cancelled', id, ts, { orderId, reason: 'customer_request' });
const refund = (id: string, ts: number, amount: number, orderId = 'o1') => ev('refund_issued', id, ts, { orderId, amount });

/**
 * The order actor without the hold the engine and the driver give it while it awaits its answers
 * (ActorDefinition.awaiting): what the actor itself does with events that come before its outcome
 * (a state checkpointed with `deferred` before holds existed, or a runtime that does not hold).
 */
const orderUnheld = unheld(orderActor);

/**
 * SKU + order actors, with stock received at T0. Frozen states: any mutation of an input throws.
 * 'manual': sends wait until the test delivers them; the tests of the actor's own handling of early
 * events use it, with the order actor unheld.
 */
function world(stock: Record<string, number> = { A: 10, B: 5 }, mode: 'immediate' | 'manual' | 'held' = 'immediate'): TestDriver {
  const d = createTestDriver([skuActor, mode === 'held' ? orderActor : orderUnheld], { deliverSends: mode === 'held' ? 'manual' : mode, freezeStates: true });
  d.pipe(Object.entries(stock).map(([sku, qty]) => ev('stock_received', `r-${sku}`, T0, { sku, qty })));
  return d;
}
const order = (d: TestDriver, key = 'o1') => d.state<OrderState>('order', key)!;
const sku = (d: TestDriver, key: string) => d.state<SkuState>('sku', key)!;
const sentTo = (d: TestDriver, type: ActorType): ActorMessage[] => d.sent().filter((s) => s.to.type === type).map((s) => s.msg);
const alertIds = (d: TestDriver) => d.alerts().map((a) => a.id);
const line = (sku: string, qty: number, status: LineStatus): OrderLine => ({ sku, qty, status, price: 1000 }); // unitPrice 10 → 1000 hundredths
const release = (l: number, qty: number, cause: string, ts: number): ReleaseStock => ({ type: 'release', orderId: 'o1', line: l, qty, cause, ts });

describe('happy path', () => {
  test('placed → reserved → paid → shipped (commits) → delivered', () => {
    const d = world();
    d.pipe(placed('p1', P, [['A', 2], ['B', 1]]));
    expect(order(d).status).toBe('reserved');
    expect(d.scheduled()).toEqual([{ owner: { type: 'order', key: 'o1' }, at: P + 900_000, timer: { type: 'payment_timeout', cause: 'p1' }, seq: 0 }]);
    expect(sku(d, 'A')).toEqual({ onHand: 10, reserved: 2, reorderPoint: 0, lowStock: false });

    d.pipe(authorized('pay1', P + 1_000));
    expect(order(d).status).toBe('paid');
    d.pipe(shipped('s1', P + 2_000));
    expect(order(d).status).toBe('shipped');
    d.pipe(delivered('d1', P + 3_000));

    expect(order(d)).toEqual({
      status: 'delivered',
      userId: 'u1',
      placedBy: 'p1',
      placedAt: P,
      lines: [line('A', 2, 'committed'), line('B', 1, 'committed')],
      paymentAuthorized: true,
      refunded: 0,
      total: 3000, // 3 units × 10.00
      currency: 'EUR',
      country: 'DE',
      authorizedAt: P + 1_000,
      shippedAt: P + 2_000,
      deliveredAt: P + 3_000,
    });
    expect(sentTo(d, 'sku')).toEqual([
      { type: 'reserve', orderId: 'o1', line: 0, qty: 2, cause: 'p1', ts: P },
      { type: 'reserve', orderId: 'o1', line: 1, qty: 1, cause: 'p1', ts: P },
      { type: 'commit', orderId: 'o1', line: 0, qty: 2, cause: 's1', ts: P + 2_000 },
      { type: 'commit', orderId: 'o1', line: 1, qty: 1, cause: 's1', ts: P + 2_000 },
    ]);
    expect(sku(d, 'A')).toEqual({ onHand: 8, reserved: 0, reorderPoint: 0, lowStock: false });
    expect(sku(d, 'B')).toEqual({ onHand: 4, reserved: 0, reorderPoint: 0, lowStock: false });
    expect(d.alerts()).toEqual([]);
  });

  test('refunds after delivery are recorded, status unchanged', () => {
    const d = world();
    d.pipe([placed('p1', P, [['A', 1]]), authorized('pay1', P + 1), shipped('s1', P + 2), delivered('d1', P + 3)]);
    d.pipe([refund('rf1', P + 4, 10), refund('rf2', P + 5, 5.5)]);
    expect(order(d).status).toBe('delivered');
    expect(order(d).refunded).toBe(15.5);
    expect(d.alerts()).toEqual([]);
  });
});

describe('invalid transitions leave the state unchanged and raise invalid_transition', () => {
  test('refund before delivery', () => {
    const d = world();
    d.pipe([placed('p1', P, [['A', 1]]), authorized('pay1', P + 1_000)]);
    const before = order(d);
    d.pipe(refund('r1', P + 2_000, 10));
    expect(order(d)).toBe(before);
    expect(d.alerts()).toEqual([
      {
        id: 'order/o1/invalid_transition/r1',
        type: 'invalid_transition',
        entityType: 'order',
        entityKey: 'o1',
        severity: 'warning',
        ts: P + 2_000,
        detectedAt: P + 2_000,
        reasons: ['r1'],
        details: { summary: "refund_issued is not allowed while the order is 'paid'", event: 'refund_issued', status: 'paid' },
      },
    ]);
  });

  test('cancel after shipment, and after delivery', () => {
    const d = world();
    d.pipe([placed('p1', P, [['A', 2]]), authorized('pay1', P + 1), shipped('s1', P + 2)]);
    const before = order(d);
    d.pipe(cancelled('c1', P + 3));
    expect(order(d)).toBe(before);
    d.pipe([delivered('d1', P + 4), cancelled('c2', P + 5)]);
    expect(order(d).status).toBe('delivered');
    expect(alertIds(d)).toEqual(['order/o1/invalid_transition/c1', 'order/o1/invalid_transition/c2']);
    expect(d.alerts()[0]!.details.summary).toBe("order_cancelled is not allowed while the order is 'shipped'");
    expect(sentTo(d, 'sku').filter((m) => m.type === 'release')).toEqual([]);
    expect(sku(d, 'A')).toEqual({ onHand: 8, reserved: 0, reorderPoint: 0, lowStock: false });
  });

  test('shipping an unpaid order, delivering an unshipped one, a second order_placed', () => {
    const d = world();
    d.pipe([placed('p1', P, [['A', 1]]), shipped('s1', P + 1), placed('p2', P + 2, [['B', 1]])]);
    d.pipe([authorized('pay1', P + 3), delivered('d1', P + 4)]);
    expect(alertIds(d)).toEqual(['order/o1/invalid_transition/s1', 'order/o1/invalid_transition/p2', 'order/o1/invalid_transition/d1']);
    expect(d.alerts()[0]!.details.summary).toBe("order_shipped is not allowed while the order is 'reserved'");
    expect(order(d).status).toBe('paid');
    expect(sentTo(d, 'sku')).toHaveLength(1); // p2 reserved nothing
  });

  test('events before order_placed: state stays new', () => {
    const d = world();
    d.pipe([
      shipped('x1', P, 'o9'),
      delivered('x2', P, 'o9'),
      cancelled('x3', P, 'o9'),
      refund('x4', P, 1, 'o9'),
      authorized('x5', P, 'o9'),
      declined('x6', P, 'o9'),
    ]);
    expect(alertIds(d)).toEqual(['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((id) => `order/o9/invalid_transition/${id}`));
    expect(d.alerts()[0]!.details.summary).toBe("order_shipped is not allowed while the order is 'new'");
    expect(order(d, 'o9')).toEqual({ status: 'new', userId: '', placedBy: '', placedAt: 0, lines: [], paymentAuthorized: false, refunded: 0, total: 0, currency: '', country: '' });
    expect(sentTo(d, 'user').map((m) => m.cause)).toEqual(['x5', 'x6']); // payment facts still reach the user
  });
});

describe('rejection', () => {
  test('any refused line rejects the order; only granted lines are released', () => {
    const d = world({ A: 10, C: 3 }); // B has no stock
    d.pipe(placed('p1', P, [['A', 2], ['B', 1], ['C', 1]]));
    expect(order(d).status).toBe('rejected');
    expect(order(d).lines).toEqual([line('A', 2, 'released'), line('B', 1, 'refused'), line('C', 1, 'released')]);
    expect(sentTo(d, 'sku').filter((m) => m.type === 'release')).toEqual([release(0, 2, 'p1', P), release(2, 1, 'p1', P)]);
    expect(sku(d, 'A').reserved).toBe(0);
    expect(sku(d, 'C').reserved).toBe(0);
    expect(alertIds(d)).toEqual(['sku/B/oversell_prevented/p1#1']);
  });

  test('payment authorized while reserving, then a refusal → rejected', () => {
    const d = world({ A: 10 }, 'manual');
    d.pipe([placed('p1', P, [['A', 2], ['B', 1]]), authorized('pay1', P + 1_000)]);
    expect(order(d).status).toBe('placed');
    d.deliverAll();
    expect(order(d).status).toBe('rejected');
    expect(sentTo(d, 'sku').filter((m) => m.type === 'release')).toEqual([release(0, 2, 'p1', P)]);
    expect(sku(d, 'A').reserved).toBe(0);
  });
});

describe('cancellation before shipment releases what was granted', () => {
  test('from reserved and from paid', () => {
    for (const paid of [false, true]) {
      const d = world();
      d.pipe(placed('p1', P, [['A', 2], ['B', 1]]));
      if (paid) d.pipe(authorized('pay1', P + 1_000));
      d.pipe(cancelled('c1', P + 2_000));
      expect(order(d).status).toBe('cancelled');
      expect(order(d).lines).toEqual([line('A', 2, 'released'), line('B', 1, 'released')]);
      expect(sentTo(d, 'sku').filter((m) => m.type === 'release')).toEqual([release(0, 2, 'c1', P + 2_000), release(1, 1, 'c1', P + 2_000)]);
      expect(sku(d, 'A').reserved).toBe(0);
      expect(sku(d, 'B').reserved).toBe(0);
    }
  });

  test('from placed (still reserving): late grants are released at once', () => {
    const d = world(undefined, 'manual');
    d.pipe(placed('p1', P, [['A', 2], ['B', 1]]));
    d.deliverNext(); // reserve A → granted, reply queued
    d.deliverNext(); // reserve B → granted, reply queued
    d.deliverNext(); // order learns line 0 is granted
    expect(order(d).lines).toEqual([line('A', 2, 'granted'), line('B', 1, 'pending')]);
    d.pipe(cancelled('c1', P + 2_000));
    expect(order(d).status).toBe('cancelled');
    d.deliverAll(); // the late grant of line 1 arrives
    expect(order(d).lines).toEqual([line('A', 2, 'released'), line('B', 1, 'released')]);
    expect(sentTo(d, 'sku').filter((m) => m.type === 'release')).toEqual([release(0, 2, 'c1', P + 2_000), release(1, 1, 'p1', P)]);
    expect(sku(d, 'A').reserved).toBe(0);
    expect(sku(d, 'B').reserved).toBe(0);
  });
});

describe('replies interleaved with payment', () => {
  test('payment before the last grant: paid when it arrives', () => {
    const d = world(undefined, 'manual');
    d.pipe(placed('p1', P, [['A', 2], ['B', 1]]));
    d.deliverNext();
    d.deliverNext();
    d.deliverNext(); // line 0 granted, line 1's grant still in flight
    d.pipe(authorized('pay1', P + 1_000));
    expect(order(d).status).toBe('placed');
    expect(order(d).paymentAuthorized).toBe(true);
    d.deliverAll();
    expect(order(d).status).toBe('paid');
    expect(d.alerts()).toEqual([]);
  });

  test('a second authorization while reserving is invalid', () => {
    const d = world(undefined, 'manual');
    d.pipe([placed('p1', P, [['A', 2]]), authorized('pay1', P + 1), authorized('pay2', P + 2)]);
    expect(alertIds(d)).toEqual(['order/o1/invalid_transition/pay2']);
    expect(d.alerts()[0]!.details.summary).toBe("payment_authorized is not allowed while the order is 'placed' (a payment is already authorized)");
  });

  test('a duplicate reply (same or contradicting) is ignored', () => {
    const d = world();
    d.pipe(placed('p1', P, [['A', 2], ['B', 1]]));
    const before = order(d);
    const reply = d.sent().find((s) => s.msg.type === 'reservation_result' && s.msg.line === 0)!;
    const sends = d.sent().length;
    d.redeliver(reply);
    d.redeliver({ ...reply, msg: { ...reply.msg, granted: false } as ActorMessage });
    expect(order(d)).toBe(before);
    expect(d.sent()).toHaveLength(sends);
    expect(d.alerts()).toEqual([]);
  });
});

describe('payment timeout (15 min of event time)', () => {
  test('payment at exactly placed + 15 min is on time; the later timer is ignored', () => {
    const d = world();
    d.pipe([placed('p1', P, [['A', 2]]), authorized('pay1', P + 900_000)]);
    expect(order(d).status).toBe('paid');
    d.advanceTime(P + 3_600_000);
    expect(d.pendingTimers()).toEqual([]);
    expect(order(d).status).toBe('paid');
    expect(sku(d, 'A').reserved).toBe(2);
    expect(d.alerts()).toEqual([]);
  });

  test('payment at placed + 15 min + 1 ms: expired first (releases), then the payment is invalid', () => {
    const d = world();
    d.pipe([placed('p1', P, [['A', 2], ['B', 1]]), authorized('pay1', P + 900_001)]);
    expect(order(d).status).toBe('expired');
    expect(order(d).lines).toEqual([line('A', 2, 'released'), line('B', 1, 'released')]);
    expect(sentTo(d, 'sku').filter((m) => m.type === 'release')).toEqual([release(0, 2, 'p1', P + 900_000), release(1, 1, 'p1', P + 900_000)]);
    expect(sku(d, 'A').reserved).toBe(0);
    expect(alertIds(d)).toEqual(['order/o1/invalid_transition/pay1']);
    expect(d.alerts()[0]!.details.summary).toBe("payment_authorized is not allowed while the order is 'expired'");
    expect(sentTo(d, 'user')).toHaveLength(1);
  });

  test('advanceTime to the due time fires it; grants arriving later are released at once', () => {
    const d = world(undefined, 'manual');
    d.pipe(placed('p1', P, [['A', 2], ['B', 1]]));
    d.deliverNext();
    d.deliverNext(); // both granted at the SKUs, replies in flight
    d.advanceTime(P + 900_000);
    expect(order(d).status).toBe('expired');
    d.deliverAll();
    expect(order(d).lines).toEqual([line('A', 2, 'released'), line('B', 1, 'released')]);
    expect(sku(d, 'A').reserved).toBe(0);
    expect(sku(d, 'B').reserved).toBe(0);
  });

  test('a payment authorized in time while still reserving keeps the order alive', () => {
    const d = world(undefined, 'manual');
    d.pipe([placed('p1', P, [['A', 2]]), authorized('pay1', P + 1_000)]);
    d.advanceTime(P + 900_001);
    expect(order(d).status).toBe('placed');
    d.deliverAll();
    expect(order(d).status).toBe('paid');
  });

  test('the timeout is configurable', () => {
    const d = createTestDriver([skuActor, createOrderActor({ paymentTimeoutMs: 60_000 })]);
    d.pipe([ev('stock_received', 'r', T0, { sku: 'A', qty: 5 }), placed('p1', P, [['A', 1]])]);
    expect(d.scheduled()[0]!.at).toBe(P + 60_000);
    d.advanceTime(P + 60_000);
    expect(d.state<OrderState>('order', 'o1')!.status).toBe('expired');
    expect(() => createOrderActor({ paymentTimeoutMs: 0 })).toThrow('paymentTimeoutMs must be a positive whole number');
    expect(() => createOrderActor({ paymentTimeoutMs: 1.5 })).toThrow('paymentTimeoutMs must be a positive whole number of milliseconds, got 1.5');
  });
});

describe('payment facts are forwarded to the user actor', () => {
  test('authorized and declined, valid or not', () => {
    const d = world();
    d.pipe([placed('p1', P, [['A', 1]]), declined('dec1', P + 1), authorized('pay1', P + 2), declined('dec2', P + 3)]);
    expect(order(d).status).toBe('paid');
    expect(alertIds(d)).toEqual(['order/o1/invalid_transition/dec2']); // declined in 'placed'/'reserved' is fine
    // Payment facts only (the paid order's `order_paid` for recommendations is tested on its own).
    const toUser = d.sent().filter((s) => s.to.type === 'user' && s.msg.type === 'payment_attempted');
    expect(toUser.map((s) => s.to)).toEqual([{ type: 'user', key: 'u1' }, { type: 'user', key: 'u1' }, { type: 'user', key: 'u1' }]);
    expect(toUser.map((s) => s.msg)).toEqual([
      { type: 'payment_attempted', orderId: 'o1', outcome: 'declined', amount: 30, cardFingerprint: 'fp2', cause: 'dec1', ts: P + 1 },
      { type: 'payment_attempted', orderId: 'o1', outcome: 'authorized', amount: 30, cardFingerprint: 'fp1', country: 'DE', cause: 'pay1', ts: P + 2 },
      { type: 'payment_attempted', orderId: 'o1', outcome: 'declined', amount: 30, cardFingerprint: 'fp2', cause: 'dec2', ts: P + 3 },
    ]);
    expect(d.undeliverable().filter((s) => s.msg.type === 'payment_attempted')).toHaveLength(3); // no user actor in this driver
  });
});

describe('state version', () => {
  test('v2 migrates as is, v1 gains an unknown value, currency and country; unknown versions are refused', () => {
    const s = orderActor.initial('o1');
    expect(orderActor.stateVersion).toBe(2);
    expect(orderActor.migrate(s, 2)).toEqual({ status: 'new', userId: '', placedBy: '', placedAt: 0, lines: [], paymentAuthorized: false, refunded: 0, total: 0, currency: '', country: '' });
    const v1 = { status: 'paid' as const, userId: 'u1', placedBy: 'p1', placedAt: P, lines: [{ sku: 'A', qty: 2, status: 'granted' }], paymentAuthorized: true, refunded: 0 };
    expect(orderActor.migrate(v1, 1)).toEqual({ ...v1, lines: [{ sku: 'A', qty: 2, status: 'granted', price: 0 }], total: 0, currency: '', country: '' });
    expect(() => orderActor.migrate(s, 3)).toThrow('order state version 3 is not supported (supported: 1, 2)');
    expect(() => orderActor.migrate('junk', 1)).toThrow('not an object with a status and lines');
  });
});

describe('events that arrive before the reservation outcome (a backlog being consumed)', () => {
  test('shipped and delivered while replies are pending are held, then applied once the last grant arrives', () => {
    const d = world({ A: 10 }, 'manual');
    d.pipe([placed('p1', P, [['A', 2]]), authorized('pay1', P + 1_000), shipped('s1', P + 2_000), delivered('d1', P + 3_000)]);
    expect(order(d).status).toBe('placed');
    expect(order(d).deferred?.map((e) => e.id)).toEqual(['s1', 'd1']);
    expect(alertIds(d)).toEqual([]);
    d.deliverAll(); // reserve → grant → paid, then the held ship (commit) and delivery
    expect(order(d).status).toBe('delivered');
    expect(order(d).deferred).toBeUndefined();
    expect(order(d).lines).toEqual([line('A', 2, 'committed')]);
    expect(sku(d, 'A')).toEqual({ onHand: 8, reserved: 0, reorderPoint: 0, lowStock: false });
  });

  test('a held shipment of an order that is then rejected is an invalid transition', () => {
    const d = world({ A: 1 }, 'manual');
    d.pipe([placed('p1', P, [['A', 2]]), authorized('pay1', P + 1_000), shipped('s1', P + 2_000)]);
    d.deliverAll();
    expect(order(d).status).toBe('rejected');
    expect(alertIds(d)).toContain('order/o1/invalid_transition/s1');
  });

  test('at most 8 events are held; the 9th is reported as invalid', () => {
    const d = world({ A: 10 }, 'manual');
    d.pipe(placed('p1', P, [['A', 1]]));
    for (let i = 0; i < 9; i++) d.pipe(refund(`r${i}`, P + 1_000 + i, 1));
    expect(order(d).deferred).toHaveLength(8);
    expect(alertIds(d)).toEqual(['order/o1/invalid_transition/r8']);
  });
});

describe('a paid order tells recommendations what was bought', () => {
  const toAffinity = (d: TestDriver) => d.sent().filter((s) => s.to.type === 'sku_affinity');
  const typeOf = (s: { msg: { type: string } }) => s.msg.type;
  const paidFacts = (d: TestDriver) => d.sent().filter((s) => typeOf(s) === 'order_paid').map((s) => ({ to: s.to, msg: s.msg }));

  test('paid: one bought_together per distinct SKU naming the others, one order_paid to the buyer', () => {
    const d = world({ A: 10, B: 5 });
    d.pipe([placed('p1', P, [['A', 1], ['B', 2], ['A', 3]]), authorized('pay1', P + 5)]);
    expect(order(d).status).toBe('paid');
    expect(toAffinity(d).map((s) => ({ to: s.to, msg: s.msg }))).toEqual([
      { to: { type: 'sku_affinity', key: 'A' }, msg: { type: 'bought_together', orderId: 'o1', cause: 'p1', ts: P + 5, qty: 4, others: ['B'] } },
      { to: { type: 'sku_affinity', key: 'B' }, msg: { type: 'bought_together', orderId: 'o1', cause: 'p1', ts: P + 5, qty: 2, others: ['A'] } },
    ] as never);
    expect(paidFacts(d)).toEqual([{ to: { type: 'user', key: 'u1' }, msg: { type: 'order_paid', orderId: 'o1', cause: 'p1', ts: P + 5, skus: ['A', 'B'] } }] as never);
  });

  test('authorized while still reserving: told at the payment, once, whatever the replies do later', () => {
    const d = world({ A: 10 }, 'manual');
    d.pipe([placed('p1', P, [['A', 1]]), authorized('pay1', P + 5)]);
    expect(paidFacts(d).map((f) => f.msg)).toEqual([{ type: 'order_paid', orderId: 'o1', cause: 'p1', ts: P + 5, skus: ['A'] }] as never);
    d.deliverAll();
    expect(order(d).status).toBe('paid');
    d.pipe(shipped('s1', P + 10));
    d.deliverAll();
    expect(paidFacts(d)).toHaveLength(1);
    expect(toAffinity(d)).toHaveLength(1);
  });

  test('a cancellation racing the stock grants: the same facts whether it lands before or after them', () => {
    const early = world({ A: 10 }, 'manual'); // the backlog case: the cancellation is read before the grant
    early.pipe([placed('p1', P, [['A', 1]]), authorized('pay1', P + 5)]);
    early.deliverNext(); // the reserve reaches the SKU; its grant stays pending
    early.pipe(cancelled('c1', P + 6));
    early.deliverAll();
    const live = world({ A: 10 }); // live: the grant arrives first, the order is paid, then cancelled
    live.pipe([placed('p1', P, [['A', 1]]), authorized('pay1', P + 5), cancelled('c1', P + 6)]);
    expect(order(early).status).toBe('cancelled');
    expect(order(live).status).toBe('cancelled');
    expect(paidFacts(early)).toEqual(paidFacts(live));
    expect(toAffinity(early).map((s) => s.msg)).toEqual(toAffinity(live).map((s) => s.msg));
  });

  test('orders that never get paid tell nothing; switched off, paid ones neither', () => {
    const d = world({ A: 10 });
    d.pipe([placed('p1', P, [['A', 1]]), cancelled('c1', P + 1)]);
    expect(toAffinity(d)).toEqual([]);
    const off = createTestDriver([skuActor, createOrderActor({ recommendations: false })]);
    off.pipe([ev('stock_received', 'r', T0, { sku: 'A', qty: 5 }), placed('p1', P, [['A', 1]]), authorized('pay1', P + 5)]);
    expect(off.state<OrderState>('order', 'o1')!.status).toBe('paid');
    expect(off.sent().filter((s) => typeOf(s) === 'order_paid' || typeOf(s) === 'bought_together')).toEqual([]);
  });
});

describe('while it awaits its answers, the order is held (ActorDefinition.awaiting)', () => {
  test('a payment and a shipment read before the last grant wait, and are applied in order once the outcome is known: as with immediate delivery', () => {
    const d = world(undefined, 'held');
    d.pipe(placed('p1', P, [['A', 2], ['B', 1]]));
    d.deliverNext();
    d.deliverNext();
    d.deliverNext(); // line 0 granted, line 1's grant still in flight
    d.pipe([authorized('pay1', P + 1_000), shipped('s1', P + 2_000)]);
    expect(order(d)).toMatchObject({ status: 'placed', paymentAuthorized: false }); // both held
    expect(sentTo(d, 'user')).toEqual([]);
    d.deliverAll();
    const immediate = world();
    immediate.pipe([placed('p1', P, [['A', 2], ['B', 1]]), authorized('pay1', P + 1_000), shipped('s1', P + 2_000)]);
    expect(order(d)).toEqual(order(immediate));
    expect(order(d).status).toBe('shipped');
    expect(sentTo(d, 'user')).toEqual(sentTo(immediate, 'user'));
  });

  test("payments keep their order across orders: a later order's payment waits behind a held one", () => {
    const d = world(undefined, 'held');
    d.pipe(placed('p2', P - 500, [['A', 1]], 'o2'));
    d.deliverAll(); // o2 reserved
    d.pipe(placed('p1', P, [['A', 2]]));
    d.deliverNext(); // o1's reserve reaches the SKU; its grant is still in flight
    d.pipe([authorized('pay1', P + 1_000), authorized('pay2', P + 2_000, 'o2')]);
    expect(order(d, 'o2').paymentAuthorized).toBe(false); // held behind o1's payment
    d.deliverAll();
    expect(order(d, 'o2').status).toBe('paid');
    expect(sentTo(d, 'user').filter((m) => m.type === 'payment_attempted').map((m) => m.cause)).toEqual(['pay1', 'pay2']);
  });

  test('a cancellation read before a grant is applied after it: the grant is released by the cancellation, as with immediate delivery', () => {
    const d = world({ A: 10 }, 'held');
    d.pipe(placed('p1', P, [['A', 2]]));
    d.deliverNext(); // the reserve reaches the SKU; its grant is still in flight
    d.pipe(cancelled('c1', P + 5_000));
    expect(order(d).status).toBe('placed');
    d.deliverAll();
    const immediate = world({ A: 10 });
    immediate.pipe([placed('p1', P, [['A', 2]]), cancelled('c1', P + 5_000)]);
    expect(order(d)).toEqual(order(immediate));
    expect(sku(d, 'A')).toEqual(sku(immediate, 'A'));
    expect(sentTo(d, 'sku')).toEqual(sentTo(immediate, 'sku')); // the release is the cancellation's (cause c1), not the grant's
  });
});
