import { Rng } from '../../generator/random.ts';
import type { DomainEvent } from '../../schemas/index.ts';
import { validEnvelope } from '../../schemas/fixtures.ts';

/**
 * A backlog where stock runs out all the time (the generator never oversells): `orders` orders of
 * one to three lines, three seconds apart, over eight SKUs that start with six units each and get a
 * few more every eight orders. Some are cancelled seconds later; the unpaid rest expire after 15
 * minutes and give their units back. Orders of several lines are refused a line and give the
 * others back, while later orders for those SKUs are already on their way.
 */
export function scarceStockWorkload(seed: number, orders: number): DomainEvent[] {
  const rng = Rng.fromSeed(seed);
  const t0 = 1_700_000_000_000;
  const skus = Array.from({ length: 8 }, (_, i) => `sku-scarce-${i}`);
  const events: Record<string, unknown>[] = skus.map((sku, i) => validEnvelope('stock_received', { id: `e-open-${i}`, ts: t0, data: { sku, qty: 6 } }));
  for (let i = 0; i < orders; i++) {
    const ts = t0 + 1_000 + i * 3_000;
    const orderId = `o-scarce-${i}`;
    const lines = new Set<string>();
    for (let n = rng.int(1, 3); lines.size < n; ) lines.add(skus[Math.min(rng.int(0, 7), rng.int(0, 7))]!); // the low SKUs are hot
    const items = [...lines].map((sku) => ({ sku, qty: rng.int(1, 2), unitPrice: 5 }));
    events.push(validEnvelope('order_placed', { id: `e-place-${i}`, ts, data: { orderId, userId: `u-scarce-${i % 50}`, items, currency: 'EUR', country: 'DE' } }));
    if (rng.chance(0.15)) events.push(validEnvelope('order_cancelled', { id: `e-cancel-${i}`, ts: ts + rng.int(2_000, 20_000), data: { orderId, reason: 'customer_request' } }));
    if (i % 8 === 7) events.push(validEnvelope('stock_received', { id: `e-restock-${i}`, ts: ts + 250, data: { sku: skus[rng.int(0, 7)]!, qty: rng.int(3, 8) } }));
  }
  return events.sort((a, b) => (a.ts as number) - (b.ts as number)) as unknown as DomainEvent[];
}
