import type { AccountUpdatedData, CartItemAddedData, LoginFailedData, LoginSucceededData, PageViewedData } from './user-events.ts';
import type {
  OrderCancelledData,
  OrderDeliveredData,
  OrderPlacedData,
  OrderShippedData,
  PaymentAuthorizedData,
  PaymentDeclinedData,
  RefundIssuedData,
} from './transaction-events.ts';
import type { ReorderPointSetData, StockAdjustedData, StockReceivedData } from './inventory-events.ts';

/**
 * The closed union of every domain event, as actors see it: validated and upcast to the newest
 * version of its type. Discriminate on `type`.
 */
export interface EventOf<T extends string, D> {
  id: string;
  type: T;
  v: number;
  ts: number;
  data: D;
}

export type UserEvent =
  | EventOf<'login_succeeded', LoginSucceededData>
  | EventOf<'login_failed', LoginFailedData>
  | EventOf<'account_updated', AccountUpdatedData>
  | EventOf<'page_viewed', PageViewedData>
  | EventOf<'cart_item_added', CartItemAddedData>;

export type TransactionEvent =
  | EventOf<'order_placed', OrderPlacedData>
  | EventOf<'payment_authorized', PaymentAuthorizedData>
  | EventOf<'payment_declined', PaymentDeclinedData>
  | EventOf<'order_shipped', OrderShippedData>
  | EventOf<'order_delivered', OrderDeliveredData>
  | EventOf<'order_cancelled', OrderCancelledData>
  | EventOf<'refund_issued', RefundIssuedData>;

export type InventoryEvent =
  | EventOf<'stock_received', StockReceivedData>
  | EventOf<'stock_adjusted', StockAdjustedData>
  | EventOf<'reorder_point_set', ReorderPointSetData>;

export type DomainEvent = UserEvent | TransactionEvent | InventoryEvent;
export type EventType = DomainEvent['type'];
export type EventOfType<T extends EventType> = Extract<DomainEvent, { type: T }>;
export type EventData<T extends EventType> = EventOfType<T>['data'];
