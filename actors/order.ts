// A built-in actor imports only what any module's actor can: the SDK.
import {
  ConfigError, createAlert, minorUnits, PipelineError, unchanged,
  type ActorContext, type ActorDefinition, type ActorInput, type ActorMessage, type Effect, type EventType, type PaymentTimeout, type ReservationResult,
  type TransactionEvent, type Transition,
} from '../sdk/core.ts';
import { BASKET_CAP, SKU_AFFINITY, type BoughtTogether, type OrderPaid } from './recommendations/protocol.ts';

/** Order statuses (docs/domain-rules.md "Order"); `cancelled`, `expired` and `rejected` are final. */
export type OrderStatus = 'new' | 'placed' | 'reserved' | 'rejected' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'expired';

/** Where one line's stock stands: asked for, answered, then given back or shipped. */
export type LineStatus = 'pending' | 'granted' | 'refused' | 'released' | 'committed';

export interface OrderLine {
  readonly sku: string;
  readonly qty: number;
  readonly status: LineStatus;
  /** Unit price in minor units (hundredths), from order_placed; 0 for lines of a v1 state. */
  readonly price: number;
}

/** The order saga's state. Small on purpose: strings are shared constants, lines are tiny objects. */
export interface OrderState {
  readonly status: OrderStatus;
  /** The buyer, from order_placed ('' while `new`), so the order can always name its user. */
  readonly userId: string;
  /** Id of the order_placed event: the `cause` of every reserve and of the payment timer. */
  readonly placedBy: string;
  readonly placedAt: number;
  readonly lines: readonly OrderLine[];
  /** A payment was authorized (possibly while still reserving: the order becomes paid on the last grant). */
  readonly paymentAuthorized: boolean;
  /** Sum of refund_issued amounts recorded after delivery. */
  readonly refunded: number;
  /** Order value in minor units (Σ qty × unit price), currency and country, from order_placed ('' and 0 in a v1 state). */
  readonly total: number;
  readonly currency: string;
  readonly country: string;
  /**
   * Event time of the payment_authorized that was accepted: when the order was paid, for analytics.
   * Not the time it entered `paid`, which also waits for the last stock grant and so depends on
   * whether the grant (inbox topic) or the payment (source topic) was read first.
   */
  readonly authorizedAt?: number;
  /** Event times the order entered shipped, delivered, and a final unpaid-or-cancelled status. */
  readonly shippedAt?: number;
  readonly deliveredAt?: number;
  /** When it became cancelled, expired or rejected. */
  readonly endedAt?: number;
  /**
   * Later lifecycle events (shipped, delivered, refund) that arrived while the reservation
   * replies were still pending; applied in order once the outcome is known. Absent when none.
   */
  readonly deferred?: readonly TransactionEvent[];
}

export interface OrderActorOptions {
  /** Event time an order may wait for payment after order_placed; default 15 minutes. */
  paymentTimeoutMs?: number;
  /**
   * Tell recommendations about paid orders (default true): when an order's payment is accepted, one
   * `bought_together` to `sku_affinity/<sku>` per distinct SKU and one `order_paid` to its user.
   * Off when the deployment does not run the sku_affinity actor (ActorsConfig.recommendations).
   */
  recommendations?: boolean;
}

export const DEFAULT_PAYMENT_TIMEOUT_MS = 15 * 60 * 1000;

export const ORDER_EVENT_TYPES: readonly EventType[] = [
  'order_placed',
  'payment_authorized',
  'payment_declined',
  'order_shipped',
  'order_delivered',
  'order_cancelled',
  'refund_issued',
];

/**
 * Creates the order actor type with its payment timeout.
 *
 * @example
 * const driver = createTestDriver([skuActor, createOrderActor({ paymentTimeoutMs: 60_000 })]);
 */
export function createOrderActor(opts: OrderActorOptions = {}): ActorDefinition<OrderState> {
  const timeoutMs = opts.paymentTimeoutMs ?? DEFAULT_PAYMENT_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigError(`paymentTimeoutMs must be a positive whole number of milliseconds, got ${timeoutMs}`);
  }
  return {
    type: 'order',
    sourceTopic: 'transaction_events',
    eventTypes: ORDER_EVENT_TYPES,
    // v2 added the order's value, currency, country, line prices and status times (read models).
    stateVersion: 2,
    initial: initialOrderState,
    handle: opts.recommendations === false
      ? (state, input, ctx) => handleOrderInput(state, input, ctx, timeoutMs)
      : (state, input, ctx) => withPurchase(state, handleOrderInput(state, input, ctx, timeoutMs), ctx),
    migrate: migrateOrderState,
    // Placed, some lines not yet answered: in the driver the answers come before any later event of
    // the order, so the engine holds its payments, cancellation, shipment and timer until they do.
    // Payments send facts to the user and sku_affinity actors, which merge in event time: those
    // must leave in the order of the order partition, so payments are also held in that order.
    awaiting: (s) => s.status === 'placed',
    heldInOrder: ['payment_authorized', 'payment_declined'],
    sendsOn: ORDER_SENDS_ON,
    // A refused line makes the order give its other lines back: while it awaits their answers, an
    // order of several lines tells its SKUs to hold what comes after its placement.
    awaitingTargets: (s) => (s.lines.length > 1 ? s.lines.map((l) => ({ type: 'sku', key: l.sku })) : NO_TARGETS),
    // A held cancellation, shipment or timer releases or commits its lines: their SKUs hold what
    // comes after it until it is applied (payments send to no SKU).
    heldInputTargets: (s, input) => (input.kind === 'event' && ORDER_SENDS_ON[input.event.type] ? NO_TARGETS : s.lines.map((l) => ({ type: 'sku', key: l.sku }))),
  };
}

/** A held payment stops the promise to users and sku_affinity only, not the SKUs' merge. */
const ORDER_SENDS_ON: Readonly<Record<string, readonly string[]>> = { payment_authorized: ['user', SKU_AFFINITY], payment_declined: ['user'] };
const NO_TARGETS: readonly { type: string; key: string }[] = Object.freeze([]);

/** The order actor with the default 15-minute payment timeout. */
export const orderActor: ActorDefinition<OrderState> = createOrderActor();

/** An order that has not seen its order_placed yet. */
export function initialOrderState(): OrderState {
  return { status: 'new', userId: '', placedBy: '', placedAt: 0, lines: NO_LINES, paymentAuthorized: false, refunded: 0, total: 0, currency: '', country: '' };
}

/**
 * v2 states are used as they are; a v1 state (before read models) gets value 0, empty currency and
 * country and price-0 lines: what it never recorded is not guessed. Anything else is refused loudly.
 */
export function migrateOrderState(state: unknown, fromVersion: number): OrderState {
  if (fromVersion !== 1 && fromVersion !== 2) {
    throw new PipelineError('UNSUPPORTED_VERSION', `order state version ${fromVersion} is not supported (supported: 1, 2)`);
  }
  const s = state as Partial<OrderState> | null;
  if (typeof s !== 'object' || s === null || typeof s.status !== 'string' || !Array.isArray(s.lines)) {
    throw new PipelineError('UNSUPPORTED_VERSION', `order state (version ${fromVersion}) is not an object with a status and lines`);
  }
  if (fromVersion === 2) return s as OrderState;
  return { total: 0, currency: '', country: '', ...s, lines: s.lines.map((l) => ({ ...l, price: 0 })) } as OrderState;
}

/** Which time field a status sets when the order first enters it. */
const STATUS_TIME: Partial<Record<OrderStatus, 'shippedAt' | 'deliveredAt' | 'endedAt'>> = {
  shipped: 'shippedAt',
  delivered: 'deliveredAt',
  cancelled: 'endedAt',
  expired: 'endedAt',
  rejected: 'endedAt',
};

/** Notes when the order entered a new status (at event time `now`), once per status. */
function stamped(before: OrderState, t: Transition<OrderState>, now: number): Transition<OrderState> {
  const field = t.state.status === before.status ? undefined : STATUS_TIME[t.state.status];
  if (field === undefined || t.state[field] !== undefined) return t;
  return { state: { ...t.state, [field]: now }, effects: t.effects };
}

/** One step of the order saga. Pure: returns a new state (or the same one, unchanged) and effects. */
function handleOrderInput(state: OrderState, input: ActorInput, ctx: ActorContext, timeoutMs: number): Transition<OrderState> {
  switch (input.kind) {
    case 'event':
      return stamped(state, handleTransactionEvent(state, input.event as TransactionEvent, ctx, timeoutMs), ctx.now);
    case 'message':
      if (input.msg.type !== 'reservation_result') return unchanged(state);
      return applyDeferred(stamped(state, handleReservationResult(state, input.msg, ctx), ctx.now), ctx, timeoutMs);
    case 'timer':
      return applyDeferred(stamped(state, handlePaymentTimeout(state, input.timer, ctx), ctx.now), ctx, timeoutMs);
  }
}

/**
 * Most events a deferred list may hold. Shipped, delivered and a refund or two is all a real order
 * can send ahead of its reservation outcome; more is a broken producer, reported as invalid.
 */
const MAX_DEFERRED = 8;
const DEFERRABLE: ReadonlySet<string> = new Set(['order_shipped', 'order_delivered', 'refund_issued']);

/**
 * Reservation replies travel order → SKU → order through two inbox topics, so while a backlog is
 * consumed (after a crash, or a new instance taking over) an order can read its own later events
 * before the replies come back. Shipping an order whose payment is in and whose stock is still
 * being confirmed is early, not impossible: hold such events until the outcome is known.
 */
function deferWhileReserving(s: OrderState, e: TransactionEvent, ctx: ActorContext): Transition<OrderState> | undefined {
  if (s.status !== 'placed' || !DEFERRABLE.has(e.type)) return undefined;
  const deferred = s.deferred ?? [];
  if (deferred.length >= MAX_DEFERRED) return invalid(s, e, ctx, ` (already ${MAX_DEFERRED} events wait for the reservation outcome)`);
  return { state: { ...s, deferred: [...deferred, e] }, effects: [] };
}

/** Once the order has left `placed`, applies the events it held back, in arrival order, at their own event time. */
function applyDeferred(t: Transition<OrderState>, ctx: ActorContext, timeoutMs: number): Transition<OrderState> {
  const held = t.state.deferred;
  if (held === undefined || t.state.status === 'placed') return t;
  const { deferred: _applied, ...rest } = t.state;
  let state: OrderState = rest;
  const effects = [...t.effects];
  for (const e of held) {
    const next = stamped(state, handleTransactionEvent(state, e, { key: ctx.key, now: e.ts }, timeoutMs), e.ts);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

const NO_LINES: readonly OrderLine[] = Object.freeze([]);
const CANCELLABLE: ReadonlySet<OrderStatus> = new Set(['placed', 'reserved', 'paid']);

function handleTransactionEvent(s: OrderState, e: TransactionEvent, ctx: ActorContext, timeoutMs: number): Transition<OrderState> {
  const deferred = deferWhileReserving(s, e, ctx);
  if (deferred) return deferred;
  switch (e.type) {
    case 'order_placed':
      return s.status === 'new' ? place(e, ctx, timeoutMs) : invalid(s, e, ctx);
    case 'payment_authorized':
      return withPaymentFact(authorize(s, e, ctx), e);
    case 'payment_declined':
      // A decline changes nothing while the order can still be paid; fraud rules see it either way.
      return withPaymentFact(s.status === 'placed' || s.status === 'reserved' ? unchanged(s) : invalid(s, e, ctx), e);
    case 'order_shipped':
      if (s.status !== 'paid') return invalid(s, e, ctx);
      return {
        state: { ...s, status: 'shipped', lines: s.lines.map((l) => ({ ...l, status: 'committed' as const })) },
        effects: s.lines.map((l, line) => lineCommand('commit', ctx.key, l, line, e.id, e.ts)),
      };
    case 'order_delivered':
      return s.status === 'shipped' ? { state: { ...s, status: 'delivered' }, effects: [] } : invalid(s, e, ctx);
    case 'order_cancelled':
      return CANCELLABLE.has(s.status) ? applyDeferred(endReleasingGrants(s, 'cancelled', e.id, e.ts, ctx), ctx, timeoutMs) : invalid(s, e, ctx);
    case 'refund_issued':
      return s.status === 'delivered' ? { state: { ...s, refunded: s.refunded + e.data.amount }, effects: [] } : invalid(s, e, ctx);
    default:
      return unchanged(s); // not a transaction event: never routed here by a correct runtime
  }
}

function place(e: Extract<TransactionEvent, { type: 'order_placed' }>, ctx: ActorContext, timeoutMs: number): Transition<OrderState> {
  const lines = e.data.items.map((item): OrderLine => ({ sku: item.sku, qty: item.qty, status: 'pending', price: minorUnits(item.unitPrice) }));
  const effects: Effect[] = lines.map((l, line) => lineCommand('reserve', ctx.key, l, line, e.id, e.ts));
  effects.push({ kind: 'schedule', at: e.ts + timeoutMs, timer: { type: 'payment_timeout', cause: e.id } });
  const state: OrderState = {
    status: 'placed',
    userId: e.data.userId,
    placedBy: e.id,
    placedAt: e.ts,
    lines,
    paymentAuthorized: false,
    refunded: 0,
    total: lines.reduce((sum, l) => sum + l.qty * l.price, 0),
    currency: e.data.currency,
    country: e.data.country,
  };
  return { state, effects };
}

function authorize(s: OrderState, e: TransactionEvent, ctx: ActorContext): Transition<OrderState> {
  if (s.status === 'reserved') return { state: { ...s, status: 'paid', paymentAuthorized: true, authorizedAt: e.ts }, effects: [] };
  // Still reserving: remember it; the last grant turns the order paid. A second authorization
  // while reserving is as impossible as one in `paid`.
  if (s.status === 'placed' && !s.paymentAuthorized) return { state: { ...s, paymentAuthorized: true, authorizedAt: e.ts }, effects: [] };
  return invalid(s, e, ctx, s.paymentAuthorized ? ' (a payment is already authorized)' : '');
}

function handleReservationResult(s: OrderState, r: ReservationResult, ctx: ActorContext): Transition<OrderState> {
  const current = s.lines[r.line];
  // Duplicates (line already answered) and replies that do not belong to this order's lines are ignored.
  if (current === undefined || current.status !== 'pending' || current.sku !== r.sku || r.cause !== s.placedBy) return unchanged(s);
  if (s.status !== 'placed') {
    // Only cancelled/expired orders can still have pending lines: a late grant is given back at once.
    if (!r.granted) return { state: { ...s, lines: withLineStatus(s.lines, r.line, 'refused') }, effects: [] };
    return {
      state: { ...s, lines: withLineStatus(s.lines, r.line, 'released') },
      effects: [lineCommand('release', ctx.key, current, r.line, r.cause, ctx.now)],
    };
  }
  const lines = withLineStatus(s.lines, r.line, r.granted ? 'granted' : 'refused');
  if (lines.some((l) => l.status === 'pending')) return { state: { ...s, lines }, effects: [] };
  if (lines.every((l) => l.status === 'granted')) {
    return { state: { ...s, lines, status: s.paymentAuthorized ? 'paid' : 'reserved' }, effects: [] };
  }
  return endReleasingGrants({ ...s, lines }, 'rejected', r.cause, ctx.now, ctx);
}

function handlePaymentTimeout(s: OrderState, t: PaymentTimeout, ctx: ActorContext): Transition<OrderState> {
  // A payment authorized while still reserving arrived in time, so that order does not expire.
  const unpaid = s.status === 'reserved' || (s.status === 'placed' && !s.paymentAuthorized);
  if (!unpaid || t.cause !== s.placedBy) return unchanged(s);
  return endReleasingGrants(s, 'expired', t.cause, ctx.now, ctx);
}

/** Moves to a final status and gives back every granted line; pending lines are released when their grant arrives. */
function endReleasingGrants(s: OrderState, status: OrderStatus, cause: string, ts: number, ctx: ActorContext): Transition<OrderState> {
  const effects: Effect[] = [];
  s.lines.forEach((l, line) => {
    if (l.status === 'granted') effects.push(lineCommand('release', ctx.key, l, line, cause, ts));
  });
  const lines = effects.length === 0 ? s.lines : s.lines.map((l) => (l.status === 'granted' ? { ...l, status: 'released' as const } : l));
  return { state: { ...s, status, lines }, effects };
}

/**
 * When this input accepted the order's payment (payment_authorized, in `reserved` or while still
 * reserving), tells recommendations what was bought, at the payment's event time: the user its
 * SKUs, each SKU the others. At the payment, not when the order enters `paid`: whether the last
 * stock grant comes before or after a later cancellation depends on how the inbox and the source
 * interleave (a backlog differs from live), while the payment's acceptance is decided by the
 * order's own events, so every run and replay sends the same facts. An order refused stock after
 * its payment (rare: the seller oversold) still counts; a later cancellation takes nothing back.
 */
function withPurchase(before: OrderState, t: Transition<OrderState>, ctx: ActorContext): Transition<OrderState> {
  if (before.authorizedAt !== undefined || t.state.authorizedAt === undefined) return t;
  const s = t.state;
  const units = new Map<string, number>();
  for (const l of s.lines) if (units.has(l.sku) || units.size < BASKET_CAP) units.set(l.sku, (units.get(l.sku) ?? 0) + l.qty);
  const skus = [...units.keys()];
  const base = { orderId: ctx.key, cause: s.placedBy, ts: s.authorizedAt! };
  const effects: Effect[] = [...t.effects];
  for (const [sku, qty] of units) {
    const msg: BoughtTogether = { type: 'bought_together', ...base, qty, others: skus.filter((x) => x !== sku) };
    effects.push({ kind: 'send', to: { type: SKU_AFFINITY, key: sku }, msg: msg as unknown as ActorMessage });
  }
  const paid: OrderPaid = { type: 'order_paid', ...base, skus };
  effects.push({ kind: 'send', to: { type: 'user', key: s.userId }, msg: paid as unknown as ActorMessage });
  return { state: s, effects };
}

/** Every payment event reaches the user actor, valid transition or not: fraud rules must see every attempt. */
function withPaymentFact(t: Transition<OrderState>, e: TransactionEvent): Transition<OrderState> {
  if (e.type !== 'payment_authorized' && e.type !== 'payment_declined') return t;
  const d = e.data;
  const base = { type: 'payment_attempted' as const, orderId: d.orderId, amount: d.amount, cardFingerprint: d.cardFingerprint, cause: e.id, ts: e.ts };
  const msg = e.type === 'payment_authorized' ? { ...base, outcome: 'authorized' as const, country: e.data.country } : { ...base, outcome: 'declined' as const };
  // The payer named by the payment event is the user whose fraud rules must see it.
  return { state: t.state, effects: [...t.effects, { kind: 'send', to: { type: 'user', key: d.userId }, msg }] };
}

function invalid(s: OrderState, e: TransactionEvent, ctx: ActorContext, note = ''): Transition<OrderState> {
  const alert = createAlert({
    type: 'invalid_transition',
    entityType: 'order',
    entityKey: ctx.key,
    severity: 'warning',
    cause: e.id,
    ts: ctx.now,
    reasons: [e.id],
    summary: `${e.type} is not allowed while the order is '${s.status}'${note}`,
    details: { event: e.type, status: s.status },
  });
  return { state: s, effects: [{ kind: 'alert', alert }] };
}

function lineCommand(type: 'reserve' | 'release' | 'commit', orderId: string, l: OrderLine, line: number, cause: string, ts: number): Effect {
  return { kind: 'send', to: { type: 'sku', key: l.sku }, msg: { type, orderId, line, qty: l.qty, cause, ts } };
}

function withLineStatus(lines: readonly OrderLine[], index: number, status: LineStatus): readonly OrderLine[] {
  return lines.map((l, i) => (i === index ? { ...l, status } : l));
}
