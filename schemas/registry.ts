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
  /** A contract topic, or one an actor module defines. */
  topic: SourceTopic | (string & {});
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

/**
 * Event types actor modules defined (sdk defineEvent), registered at start-up in every thread that
 * decodes events (the HTTP edge, each shard worker) before any event is read.
 */
const MODULE_SPECS = new Map<string, EventSpec>();

/**
 * Adds a module's event type. Registering the same spec again is a no-op (a worker loads the same
 * modules as the main thread); a type the contract or another module defines differently is an error.
 */
export function registerEventSpec(type: string, spec: EventSpec): void {
  if (Object.hasOwn(EVENT_SPECS, type)) throw new Error(`event type '${type}' is one of the contract's; a module cannot redefine it`);
  const known = MODULE_SPECS.get(type);
  if (known && known !== spec) throw new Error(`event type '${type}' is defined twice (topics ${known.topic} and ${spec.topic})`);
  MODULE_SPECS.set(type, spec);
}

/** The spec of a contract or module event type. */
export function eventSpecOf(type: string): EventSpec | undefined {
  return Object.hasOwn(EVENT_SPECS, type) ? EVENT_SPECS[type as EventType] : MODULE_SPECS.get(type);
}

/** Module event types registered so far. */
export function moduleEventTypes(): string[] {
  return [...MODULE_SPECS.keys()];
}

/** True when `type` names an event of the contract (module types: see eventSpecOf). */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_SPECS, type);
}

/** The topic an event of this type is produced to (a module's type too). */
export function topicOf(type: EventType): SourceTopic;
export function topicOf(type: string): string;
export function topicOf(type: string): string {
  const spec = eventSpecOf(type);
  if (!spec) throw new Error(`unknown event type '${type}'`);
  return spec.topic;
}

function single(topic: SourceTopic, keyField: string, schema: TSchema): EventSpec {
  return { topic, keyField, latest: 1, schemas: { 1: schema }, upcasters: {} };
}
