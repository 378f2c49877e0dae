import { describe, expect, test } from 'bun:test';
import type { DomainEvent } from '../schemas/index.ts';
import { cancelForFraudReview, expireAfterTimeout, fulfil } from './order-life.ts';
import type { Order } from './orders.ts';
import { HOUR, MINUTE, type Process, type Sim } from './sim.ts';
import type { Rng } from './random.ts';
import type { Sku, User } from './world.ts';

/**
 * A paid order's fulfilment (docs/domain-rules.md order lifecycle), driven by hand with scripted
 * random choices: what it emits, when, and what it does to the generator's stock mirror.
 */
const sku = (id: string, onHand: number, reserved: number): Sku => ({ id, priceCents: 0, onHand, reserved, reorderPoint: 0, restockPending: false });

function order(): Order {
  const user = { id: 'u-000001' } as User;
  return {
    id: 'o-1-0000001', user, country: 'DE', totalCents: 7_00,
    lines: [{ sku: sku('sku-0001', 10, 3), qty: 2, unitPriceCents: 1_00 }, { sku: sku('sku-0002', 5, 1), qty: 1, unitPriceCents: 5_00 }],
  };
}

/** A Sim whose chance() answers come from `chances` in order; lognormal returns its median, pick the last item, int the middle. */
function scripted(chances: boolean[]): Sim {
  const rng = {
    chance: () => chances.shift() ?? false,
    lognormal: (median: number) => median,
    pick: <T>(items: readonly T[]) => items[items.length - 1]!,
    int: (min: number, max: number) => (min + max) / 2,
  } as unknown as Rng;
  return { rng } as Sim;
}

/** Resumes the process until it ends: each step is a sleep (ms) or an event type with its data. */
function run(p: Process): (number | { type: string; data: unknown })[] {
  const out: (number | { type: string; data: unknown })[] = [];
  let last = undefined as unknown as DomainEvent;
  for (let r = p.next(last); !r.done; r = p.next(last)) {
    const step = r.value;
    if (typeof step === 'number') out.push(step);
    else {
      last = step as DomainEvent;
      out.push({ type: last.type, data: last.data });
    }
  }
  return out;
}

describe('fulfilment of a paid order', () => {
  test('shipped after ~50 min (reserved units leave the warehouse then), delivered ~8 h later, no refund', () => {
    const o = order();
    const steps = run(fulfil(scripted([false, false]), o));
    expect(steps).toEqual([50 * MINUTE, { type: 'order_shipped', data: { orderId: o.id } }, 8 * HOUR, { type: 'order_delivered', data: { orderId: o.id } }]);
    expect(o.lines.map((l) => [l.sku.onHand, l.sku.reserved])).toEqual([[8, 1], [4, 0]]);
  });

  test('sometimes refunded ~24 h after delivery: one line (qty × unit price) or the whole order', () => {
    const oneLine = run(fulfil(scripted([false, true, true]), order()));
    expect(oneLine.slice(4)).toEqual([24 * HOUR, { type: 'refund_issued', data: { orderId: 'o-1-0000001', amount: 5 } }]);
    const whole = run(fulfil(scripted([false, true, false]), order()));
    expect(whole.at(-1)).toEqual({ type: 'refund_issued', data: { orderId: 'o-1-0000001', amount: 7 } });
  });

  test('a few are cancelled before shipment (~20 min): the reservation is released, nothing ships', () => {
    const o = order();
    const steps = run(fulfil(scripted([true]), o));
    expect(steps).toEqual([20 * MINUTE, { type: 'order_cancelled', data: { orderId: o.id, reason: expect.any(String) } }]);
    expect(o.lines.map((l) => [l.sku.onHand, l.sku.reserved])).toEqual([[10, 1], [5, 0]]);
  });

  test('once ended it stays ended', () => {
    const p = fulfil(scripted([false, false]), order());
    run(p);
    expect(p.next(undefined as unknown as DomainEvent)).toEqual({ done: true, value: undefined });
  });
});

describe('the other processes an order outlives its checkout with', () => {
  test('an unpaid order: its reservation is released a minute after the 15-minute payment timeout, silently', () => {
    const o = order();
    expect(run(expireAfterTimeout(o))).toEqual([16 * MINUTE]);
    expect(o.lines.map((l) => l.sku.reserved)).toEqual([1, 0]);
  });

  test('a fraudulent paid order: cancelled by the review 5–45 minutes later, then its reservation released', () => {
    const o = order();
    expect(run(cancelForFraudReview(scripted([]), o))).toEqual([25 * MINUTE, { type: 'order_cancelled', data: { orderId: o.id, reason: 'fraud_review' } }]);
    expect(o.lines.map((l) => [l.sku.onHand, l.sku.reserved])).toEqual([[10, 1], [5, 0]]);
  });

  test('none of them keeps the customer reachable while it waits', () => {
    const o = order();
    const customer = new WeakRef(o.user);
    const waiting = [fulfil(scripted([]), o), expireAfterTimeout(o), cancelForFraudReview(scripted([]), o)];
    (o as { user: User | undefined }).user = undefined;
    // bun test runs this; typed through globalThis so that deno check, which has no Bun types, passes.
    (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
    expect(customer.deref()).toBeUndefined();
    expect(waiting).toHaveLength(3);
  });
});
