import { describe, expect, test } from 'bun:test';
import type { DomainEvent, EventData, EventType } from '../../schemas/index.ts';
import { orderActor, type OrderState } from '../order.ts';
import { skuActor } from '../sku.ts';
import { createTestDriver } from '../test-driver.ts';
import { orderFunnelPerMinute, ordersReadModel, salesPerMinute, skuSalesPerMinute } from './order-analytics.ts';

// Expected values worked out by hand from docs/analytics.md.
const T0 = Date.UTC(2026, 0, 1, 12, 0);
const ev = <T extends EventType>(type: T, id: string, ts: number, data: EventData<T>) => ({ id, type, v: 1, ts, data }) as unknown as DomainEvent;
const placed = (ts: number) => ev('order_placed', 'p1', ts, { orderId: 'o1', userId: 'u1', items: [{ sku: 'A', qty: 2, unitPrice: 10.5 }, { sku: 'B', qty: 1, unitPrice: 3 }], currency: 'EUR', country: 'DE' });
const authorized = (ts: number) => ev('payment_authorized', 'pay1', ts, { orderId: 'o1', userId: 'u1', amount: 24, cardFingerprint: 'fp', country: 'DE' });

/** The order's state after each step, through the pure driver (SKUs hold stock; grants delivered when `deliver` says). */
function run(steps: ((d: ReturnType<typeof createTestDriver>) => void)[]): OrderState[] {
  const d = createTestDriver([skuActor, orderActor], { deliverSends: 'manual' });
  d.pipe([ev('stock_received', 'r1', T0 - 60_000, { sku: 'A', qty: 10 }), ev('stock_received', 'r2', T0 - 60_000, { sku: 'B', qty: 10 })]);
  d.deliverAll();
  const out: OrderState[] = [d.state<OrderState>('order', 'o1') ?? orderActor.initial('o1')];
  for (const step of steps) {
    step(d);
    out.push(d.state<OrderState>('order', 'o1')!);
  }
  return out;
}

describe('order read model and aggregates', () => {
  test('placed → paid: the row, and what each step adds to sales, funnel and SKU sales', () => {
    const [none, p, paid] = run([(d) => { d.pipe([placed(T0 + 5_000)]); d.deliverAll(); }, (d) => d.pipe([authorized(T0 + 70_000)])]);
    expect(ordersReadModel.row('o1', none!)).toBeUndefined();
    expect(ordersReadModel.row('o1', paid!)).toEqual(['o1', 'u1', 'paid', 3, 2400, 'EUR', 'DE', T0 + 5_000, T0 + 70_000, null, null, null]);
    const ctx = { key: 'o1', now: 0 };
    const input = { kind: 'event' as const, event: placed(0) };
    expect(salesPerMinute.add(input, none!, p!, ctx, [])).toEqual([{ at: T0 + 5_000, dims: ['DE', 'EUR'], values: [1, 0, 0, 2400, 0, 0] }]);
    expect(salesPerMinute.add(input, p!, paid!, ctx, [])).toEqual([{ at: T0 + 70_000, dims: ['DE', 'EUR'], values: [0, 1, 0, 0, 2400, 3] }]);
    expect(salesPerMinute.add(input, paid!, paid!, ctx, [])).toEqual([]);
    expect(orderFunnelPerMinute.add(input, none!, p!, ctx, [])).toEqual([{ at: T0 + 5_000, dims: [], values: [0, 0, 1, 0] }]);
    expect(skuSalesPerMinute.add(input, p!, paid!, ctx, [])).toEqual([
      { at: T0 + 70_000, dims: ['A', 'EUR'], values: [2, 2100] },
      { at: T0 + 70_000, dims: ['B', 'EUR'], values: [1, 300] },
    ]);
  });

  test('paid at the payment time whether the last stock grant arrives before or after the payment', () => {
    const grantsFirst = run([(d) => { d.pipe([placed(T0)]); d.deliverAll(); }, (d) => d.pipe([authorized(T0 + 9_000)])]).at(-1)!;
    const paymentFirst = run([(d) => d.pipe([placed(T0)]), (d) => d.pipe([authorized(T0 + 9_000)]), (d) => d.deliverAll()]).at(-1)!;
    expect([grantsFirst.status, grantsFirst.authorizedAt]).toEqual(['paid', T0 + 9_000]);
    expect([paymentFirst.status, paymentFirst.authorizedAt]).toEqual(['paid', T0 + 9_000]);
  });

  test('a cancellation is counted once, at its own event time', () => {
    const [, p, cancelled] = run([(d) => { d.pipe([placed(T0)]); d.deliverAll(); }, (d) => d.pipe([ev('order_cancelled', 'c1', T0 + 120_000, { orderId: 'o1', reason: 'customer' })])]);
    const input = { kind: 'event' as const, event: placed(0) };
    expect(salesPerMinute.add(input, p!, cancelled!, { key: 'o1', now: 0 }, [])).toEqual([{ at: T0 + 120_000, dims: ['DE', 'EUR'], values: [0, 0, 1, 0, 0, 0] }]);
    expect(ordersReadModel.row('o1', cancelled!)![11]).toBe(T0 + 120_000);
  });
});
