import type { TSchema } from '@sinclair/typebox';
import type { EventType } from './events.ts';
import type { SourceTopic } from './topics.ts';
import * as Inv from './inventory-events.ts';
import * as Tx from './transaction-events.ts';
import * as User from './user-events.ts';

/**
 * The version registry: for every event type, its topic, the data field that holds its entity key,
 * the schema of each version still accepted, and the upcasters that lift version n to n + 1.
 * Producers may send any listed version; actors only ever see the latest.
 */
export interface EventSpec {
  topic: SourceTopic;
  /** Field of `data` whose value is the Kafka key (the entity key). */
  keyField: string;
  latest: number;
  schemas: Readonly<Record<number, TSchema>>;
  /** upcasters[n] turns valid data of version n into data of version n + 1. */
  upcasters: Readonly<Record<number, (data: Record<string, unknown>) => Record<string, unknown>>>;
}

/** Currency assumed for order_placed v1, which predates multi-currency checkout. */
export const DEFAULT_CURRENCY = 'USD';

const user = (schema: TSchema): EventSpec => single('user_events', 'userId', schema);
const tx = (schema: TSchema): EventSpec => single('transaction_events', 'orderId', schema);
const inv = (schema: TSchema): EventSpec => single('inventory_events', 'sku', schema);

export const EVENT_SPECS: Readonly<Record<EventType, EventSpec>> = {
  login_succeeded: user(User.LoginSucceeded),
  login_failed: user(User.LoginFailed),
  account_updated: user(User.AccountUpdated),
  page_viewed: user(User.PageViewed),
  cart_item_added: user(User.CartItemAdded),
  order_placed: {
    topic: 'transaction_events',
    keyField: 'orderId',
    latest: 2,
    schemas: { 1: Tx.OrderPlacedV1, 2: Tx.OrderPlaced },
    upcasters: { 1: (data) => ({ ...data, currency: DEFAULT_CURRENCY }) },
  },
  payment_authorized: tx(Tx.PaymentAuthorized),
  payment_declined: tx(Tx.PaymentDeclined),
  order_shipped: tx(Tx.OrderShipped),
  order_delivered: tx(Tx.OrderDelivered),
  order_cancelled: tx(Tx.OrderCancelled),
  refund_issued: tx(Tx.RefundIssued),
  stock_received: inv(Inv.StockReceived),
  stock_adjusted: inv(Inv.StockAdjusted),
  reorder_point_set: inv(Inv.ReorderPointSet),
};

export const EVENT_TYPES = Object.keys(EVENT_SPECS) as EventType[];

/** True when `type` names an event of the contract. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_SPECS, type);
}

/** The topic an event of this type is produced to. */
export function topicOf(type: EventType): SourceTopic {
  return EVENT_SPECS[type].topic;
}

function single(topic: SourceTopic, keyField: string, schema: TSchema): EventSpec {
  return { topic, keyField, latest: 1, schemas: { 1: schema }, upcasters: {} };
}
