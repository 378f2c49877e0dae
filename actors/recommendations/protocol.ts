/**
 * What the built-in actors and the recommendations module agree on: the actor type, its topic,
 * the two messages and the caps. Types and constants only, no imports, so the built-in order and
 * user actors can use them without loading the module (and the SDK) they feed.
 */

/** The actor type keyed by SKU that keeps bought-together counts, and its (empty) source topic. */
export const SKU_AFFINITY = 'sku_affinity';
export const RECOMMENDATION_TOPIC = 'recommendation_events';

/** Partners kept per SKU (top-K by co-purchase count). */
export const PARTNER_CAP = 20;
/** Product pages a user state remembers, newest first. */
export const RECENT_VIEWS_CAP = 10;
/** SKUs bought that a user state remembers (and never recommends), newest first. */
export const PURCHASED_CAP = 20;
/** Distinct SKUs of one order that count as bought together (a 500-line order is not a basket). */
export const BASKET_CAP = 20;

/** order → `sku_affinity/<sku>`, once per distinct SKU of an order, when the order becomes paid. */
export interface BoughtTogether {
  type: 'bought_together';
  orderId: string;
  /** Units of this SKU in the order. */
  qty: number;
  /** The order's other distinct SKUs (at most BASKET_CAP − 1). */
  others: readonly string[];
  cause: string;
  ts: number;
}

/** order → `user/<buyer>`, when the order becomes paid: the SKUs bought. */
export interface OrderPaid {
  type: 'order_paid';
  orderId: string;
  skus: readonly string[];
  cause: string;
  ts: number;
}
