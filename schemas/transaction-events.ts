import { Type, type Static } from '@sinclair/typebox';
import { Country, Currency, EntityKey, Identifier, Label, Money, PositiveQty } from './primitives.ts';

/** Data schemas of `transaction_events` (key: orderId), newest version of each type. */

const CardFingerprint = Identifier(1, 128);

export const OrderItem = Type.Object({ sku: EntityKey, qty: PositiveQty, unitPrice: Money });

/** order_placed v2: `currency` became required (v1 events are upcast with DEFAULT_CURRENCY). */
export const OrderPlaced = Type.Object({
  orderId: EntityKey,
  userId: EntityKey,
  items: Type.Array(OrderItem, { minItems: 1, maxItems: 100 }),
  currency: Currency,
  country: Country,
});

/** order_placed v1, as emitted before multi-currency checkout: no `currency` field. */
export const OrderPlacedV1 = Type.Object({
  orderId: EntityKey,
  userId: EntityKey,
  items: Type.Array(OrderItem, { minItems: 1, maxItems: 100 }),
  country: Country,
});

export const PaymentAuthorized = Type.Object({
  orderId: EntityKey,
  userId: EntityKey,
  amount: Money,
  cardFingerprint: CardFingerprint,
  country: Country,
});
export const PaymentDeclined = Type.Object({
  orderId: EntityKey,
  userId: EntityKey,
  amount: Money,
  cardFingerprint: CardFingerprint,
  reason: Label,
});
export const OrderShipped = Type.Object({ orderId: EntityKey });
export const OrderDelivered = Type.Object({ orderId: EntityKey });
export const OrderCancelled = Type.Object({ orderId: EntityKey, reason: Label });
export const RefundIssued = Type.Object({ orderId: EntityKey, amount: Money });

export type OrderItemData = Static<typeof OrderItem>;
export type OrderPlacedData = Static<typeof OrderPlaced>;
export type OrderPlacedV1Data = Static<typeof OrderPlacedV1>;
export type PaymentAuthorizedData = Static<typeof PaymentAuthorized>;
export type PaymentDeclinedData = Static<typeof PaymentDeclined>;
export type OrderShippedData = Static<typeof OrderShipped>;
export type OrderDeliveredData = Static<typeof OrderDelivered>;
export type OrderCancelledData = Static<typeof OrderCancelled>;
export type RefundIssuedData = Static<typeof RefundIssued>;
