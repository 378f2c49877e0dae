import type { DomainEvent } from '../schemas/index.ts';
import { CUSTOMER_CANCEL_REASONS, SOFT_DECLINES } from './catalog.ts';
import { releaseLines, reserveLines, type StockLine } from './inventory.ts';
import { expireAfterTimeout, fulfil } from './order-life.ts';
import { MINUTE, SECOND, draft, type Process, type Sim } from './sim.ts';
import { available, type Sku, type User } from './world.ts';

/**
 * Orders: building them from what is in stock, and their legitimate life — placed, paid (possibly
 * after a soft decline), shipped, delivered, sometimes refunded, cancelled or abandoned — which
 * follows the order state machine of docs/domain-rules.md step by step.
 */

export interface OrderLine extends StockLine {
  unitPriceCents: number;
}

export interface Order {
  readonly id: string;
  readonly user: User;
  readonly lines: OrderLine[];
  readonly totalCents: number;
  readonly country: string;
}

/** Background orders stay at or under this total (cents): with the rule's "amount > 500", no
 * ordinary purchase can look like an amount anomaly, whatever the customer's history. */
export const BACKGROUND_MAX_TOTAL_CENTS = 500_00;

/**
 * An order of at most five lines from `wanted` (merged per SKU), keeping only lines whose stock is
 * available and that fit under `maxTotalCents`. Undefined when nothing fits.
 */
export function buildOrder(
  sim: Sim,
  user: User,
  wanted: readonly { sku: Sku; qty: number }[],
  maxTotalCents: number,
  country = user.country,
): Order | undefined {
  const lines: OrderLine[] = [];
  let total = 0;
  for (const want of wanted) {
    if (lines.length === 5) break;
    const existing = lines.find((l) => l.sku === want.sku);
    const held = existing?.qty ?? 0;
    let qty = Math.min(want.qty, available(want.sku) - held);
    while (qty > 0 && total + qty * want.sku.priceCents > maxTotalCents) qty--;
    if (qty <= 0) continue;
    total += qty * want.sku.priceCents;
    if (existing) existing.qty += qty;
    else lines.push({ sku: want.sku, qty, unitPriceCents: want.sku.priceCents });
  }
  if (lines.length === 0) return undefined;
  return { id: sim.nextOrderId(), user, lines, totalCents: total, country };
}

/** The order_placed event, mirroring its reservations. A configured fraction is emitted in the
 * legacy v1 shape (no currency), exercising the upcaster. */
export function placeOrder(sim: Sim, order: Order): DomainEvent {
  reserveLines(sim, order.lines);
  const items = order.lines.map((l) => ({ sku: l.sku.id, qty: l.qty, unitPrice: l.unitPriceCents / 100 }));
  const base = { orderId: order.id, userId: order.user.id, items };
  if (sim.rng.chance(sim.opts.legacyOrderRate)) {
    // The v1 schema has no currency; the cast is the one place the generator emits an old version.
    return { id: '', type: 'order_placed', v: 1, ts: 0, data: { ...base, country: order.country } } as unknown as DomainEvent;
  }
  return draft('order_placed', { ...base, currency: order.user.currency, country: order.country });
}

/** payment_authorized for the whole order. */
export function authorize(order: Order, card: string, country = order.user.country): DomainEvent {
  const data = { orderId: order.id, userId: order.user.id, amount: order.totalCents / 100, cardFingerprint: card, country };
  return draft('payment_authorized', data);
}

/** payment_declined for the whole order. */
export function decline(order: Order, card: string, reason: string): DomainEvent {
  const data = { orderId: order.id, userId: order.user.id, amount: order.totalCents / 100, cardFingerprint: card, reason };
  return draft('payment_declined', data);
}

/**
 * An ordinary customer's checkout: place, then pay within a minute or so (sometimes after a soft
 * decline retried with the same card), or cancel, or walk away and let the payment timeout expire
 * the order. Returns whether a payment attempt was made, which the session needs to keep the
 * user's attempts far apart (velocity rule).
 */
export function* checkout(sim: Sim, order: Order): Generator<DomainEvent | number, boolean, DomainEvent> {
  const { rng } = sim;
  yield placeOrder(sim, order);
  const fate = rng.float();
  if (fate < 0.03) {
    sim.spawn(expireAfterTimeout(order));
    return false;
  }
  if (fate < 0.05) {
    yield rng.int(1 * MINUTE, 10 * MINUTE);
    yield draft('order_cancelled', { orderId: order.id, reason: rng.pick(CUSTOMER_CANCEL_REASONS) });
    releaseLines(order.lines);
    return false;
  }
  yield rng.int(3 * SECOND, 40 * SECOND);
  const card = rng.pick(order.user.cards);
  if (rng.chance(0.07)) {
    yield decline(order, card, rng.pick(SOFT_DECLINES));
    yield rng.int(20 * SECOND, 3 * MINUTE); // well inside the 15-minute payment timeout
  }
  yield authorize(order, card);
  sim.spawn(fulfil(sim, order));
  return true;
}
