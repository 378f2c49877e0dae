import { describe, expect, test } from 'bun:test';
import type { DomainEvent } from '../schemas/index.ts';
import { generateEvents } from './generator.ts';
import { replay } from './testing/oracle.ts';

// 3 events per event-time second: 400k events span ~37 hours, so orders get shipped, delivered
// and refunded. Fraud is injected too: its orders must follow the state machine as well.
const USERS = 10_000;
const { events } = generateEvents({ seed: 21, count: 400_000, eventsPerSecond: 3, users: USERS, minPerPattern: 1 });
const MIN = 60_000;

const byOrder = new Map<string, DomainEvent[]>();
for (const e of events) {
  const orderId = (e.data as { orderId?: string }).orderId;
  if (orderId) (byOrder.get(orderId) ?? byOrder.set(orderId, []).get(orderId)!).push(e);
}

describe('order flows', () => {
  test('the stream has orders in every stage of their life', () => {
    const types = new Set(events.map((e) => e.type));
    for (const t of ['order_placed', 'payment_authorized', 'payment_declined', 'order_shipped', 'order_delivered', 'order_cancelled', 'refund_issued']) {
      expect(types.has(t as DomainEvent['type'])).toBe(true);
    }
  });

  test('placed, then paid, then shipped, then delivered; refunds only after delivery; nothing after cancel', () => {
    for (const flow of byOrder.values()) {
      const placed = flow[0]!;
      expect(placed.type).toBe('order_placed');
      const types = flow.map((e) => e.type);
      expect(types.filter((t) => t === 'order_placed').length).toBe(1);
      expect(types.filter((t) => t === 'payment_authorized').length).toBeLessThanOrEqual(1);
      const at = (t: string) => types.indexOf(t as DomainEvent['type']);
      const authorized = at('payment_authorized');
      const shipped = at('order_shipped');
      const delivered = at('order_delivered');
      const cancelled = at('order_cancelled');
      if (shipped >= 0) expect(authorized >= 0 && authorized < shipped).toBe(true);
      if (delivered >= 0) expect(shipped >= 0 && shipped < delivered).toBe(true);
      flow.forEach((e, i) => {
        if (e.type === 'refund_issued') expect(delivered >= 0 && delivered < i).toBe(true);
        if (e.type === 'payment_declined') expect(authorized < 0 || i < authorized).toBe(true);
        // Payments arrive within the payment timeout, so the order actor has not expired the order.
        if (e.type === 'payment_authorized' || e.type === 'payment_declined') expect(e.ts - placed.ts).toBeLessThanOrEqual(15 * MIN);
      });
      if (cancelled >= 0) {
        expect(shipped).toBe(-1);
        expect(cancelled).toBe(flow.length - 1);
      }
    }
  });

  test('the reference order and SKU rules see no invalid transition and no refused reservation', () => {
    const report = replay(events);
    expect(report.invalidTransitions).toEqual([]);
    expect(report.refusedReservations).toEqual([]);
  });

  test('orders have 1–5 lines; payments charge the order total to the order owner', () => {
    for (const flow of byOrder.values()) {
      const placed = flow[0]!;
      if (placed.type !== 'order_placed') throw new Error('flow must start with order_placed');
      const { items, userId } = placed.data;
      expect(items.length).toBeGreaterThanOrEqual(1);
      expect(items.length).toBeLessThanOrEqual(5);
      const total = items.reduce((sum, i) => sum + Math.round(i.unitPrice * 100) * i.qty, 0) / 100;
      for (const e of flow) {
        if (e.type === 'payment_authorized' || e.type === 'payment_declined') {
          expect(e.data.amount).toBeCloseTo(total, 2);
          expect(e.data.userId).toBe(userId);
        }
        if (e.type === 'refund_issued') expect(e.data.amount).toBeLessThanOrEqual(total + 1e-9);
      }
    }
  });

  test('background customers stay at home and under 500 per order', () => {
    const countries = new Map<string, Set<string>>();
    const note = (userId: string, country: string) => (countries.get(userId) ?? countries.set(userId, new Set()).get(userId)!).add(country);
    for (const e of events) {
      const userId = (e.data as { userId?: string }).userId;
      if (!userId || Number(userId.slice(2)) > USERS) continue; // fraud users are numbered after them
      if (e.type === 'login_succeeded' || e.type === 'login_failed' || e.type === 'payment_authorized') note(userId, e.data.country);
      if (e.type === 'payment_authorized') expect(e.data.amount).toBeLessThanOrEqual(500);
    }
    expect(countries.size).toBeGreaterThan(1000);
    for (const set of countries.values()) expect(set.size).toBe(1);
  });
});
