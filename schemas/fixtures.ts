import type { EventType } from './events.ts';

/**
 * One valid `data` payload per event type, for tests and documentation examples.
 * Exported so every layer's tests start from the same known-good events.
 */
export const VALID_DATA: Readonly<Record<EventType, Record<string, unknown>>> = {
  login_succeeded: { userId: 'u-1', country: 'US', ip: '203.0.113.7', deviceId: 'd-1' },
  login_failed: { userId: 'u-1', country: 'US', ip: '203.0.113.7' },
  account_updated: { userId: 'u-1', field: 'email' },
  page_viewed: { userId: 'u-1', path: '/products/sku-1' },
  cart_item_added: { userId: 'u-1', sku: 'sku-1', qty: 2 },
  order_placed: {
    orderId: 'o-1',
    userId: 'u-1',
    items: [{ sku: 'sku-1', qty: 2, unitPrice: 19.99 }],
    currency: 'EUR',
    country: 'DE',
  },
  payment_authorized: { orderId: 'o-1', userId: 'u-1', amount: 39.98, cardFingerprint: 'fp-1', country: 'DE' },
  payment_declined: { orderId: 'o-1', userId: 'u-1', amount: 39.98, cardFingerprint: 'fp-1', reason: 'insufficient_funds' },
  order_shipped: { orderId: 'o-1' },
  order_delivered: { orderId: 'o-1' },
  order_cancelled: { orderId: 'o-1', reason: 'customer_request' },
  refund_issued: { orderId: 'o-1', amount: 10 },
  stock_received: { sku: 'sku-1', qty: 100 },
  stock_adjusted: { sku: 'sku-1', delta: -3, reason: 'damaged' },
  reorder_point_set: { sku: 'sku-1', reorderPoint: 10 },
};

/** A full envelope around VALID_DATA[type]. */
export function validEnvelope(type: EventType, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: `e-${type}`, type, v: type === 'order_placed' ? 2 : 1, ts: 1_700_000_000_000, data: { ...VALID_DATA[type] }, ...overrides };
}
