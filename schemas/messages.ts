/**
 * Actor → actor messages and timer payloads: the closed protocol between actor types.
 * Every message carries `cause` (the id of the source event that led to it) and `ts` (that
 * event's time), so alerts raised downstream can name their reasons and time stays event time.
 */

/** Order → SKU: hold `qty` units for one order line. */
export interface ReserveStock {
  type: 'reserve';
  orderId: string;
  line: number;
  qty: number;
  cause: string;
  ts: number;
}

/** Order → SKU: give back units a line had reserved (rejected, cancelled or expired order). */
export interface ReleaseStock {
  type: 'release';
  orderId: string;
  line: number;
  qty: number;
  cause: string;
  ts: number;
}

/** Order → SKU: reserved units leave the warehouse (order shipped). */
export interface CommitStock {
  type: 'commit';
  orderId: string;
  line: number;
  qty: number;
  cause: string;
  ts: number;
}

export type SkuCommand = ReserveStock | ReleaseStock | CommitStock;

/** SKU → Order: the answer to one `reserve`. */
export interface ReservationResult {
  type: 'reservation_result';
  sku: string;
  line: number;
  qty: number;
  granted: boolean;
  cause: string;
  ts: number;
}

/** Order → User: a payment attempt happened for one of the user's orders (fraud rules input). */
export interface PaymentAttempted {
  type: 'payment_attempted';
  orderId: string;
  outcome: 'authorized' | 'declined';
  amount: number;
  cardFingerprint: string;
  /** Country of the card holder's payment; only authorized payments report one. */
  country?: string;
  /** Id of the payment_authorized / payment_declined event. */
  cause: string;
  ts: number;
}

export type ActorMessage = SkuCommand | ReservationResult | PaymentAttempted;

/** Timer payloads an actor may schedule for itself. */
export interface PaymentTimeout {
  type: 'payment_timeout';
  /** Id of the order_placed event that armed it. */
  cause: string;
}

export type TimerMessage = PaymentTimeout;
