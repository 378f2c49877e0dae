/**
 * The tutorial's actor (docs/writing-actors.md): a shopping cart that holds stock for what is in it
 * and, when nothing happens for 30 minutes of event time, is abandoned — its holds go back to the
 * SKUs and an alert names the user. It uses only actorstream/sdk: its own events on its own topic,
 * messages to a built-in actor (the SKU) and the SKU's answers back, and a durable timer.
 */
import { alert, defineActor, defineEvent, schedule, send, Type, type Effect, type Input, type Transition } from '../../sdk/index.ts';

/** Event time without activity after which an open cart is abandoned. */
export const ABANDON_AFTER_MS = 30 * 60_000;

export const cartUpdated = defineEvent({
  type: 'cart_updated',
  topic: 'cart_events',
  key: 'cartId',
  schema: Type.Object({
    cartId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[!-~]+$' }),
    userId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[!-~]+$' }),
    sku: Type.String({ minLength: 1, maxLength: 128, pattern: '^[!-~]+$' }),
    /** The quantity of `sku` in the cart from now on (0 removes it). */
    qty: Type.Integer({ minimum: 0, maximum: 1000 }),
  }),
});

export const cartCheckedOut = defineEvent({
  type: 'cart_checked_out',
  topic: 'cart_events',
  key: 'cartId',
  schema: Type.Object({ cartId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[!-~]+$' }), orderId: Type.String({ minLength: 1, maxLength: 128 }) }),
});

type CartEvent = typeof cartUpdated.$event | typeof cartCheckedOut.$event;

export interface CartState {
  userId: string | null;
  status: 'open' | 'checked_out' | 'abandoned';
  /** Quantity per SKU in the cart, and how many of them the SKU holds for us (its answers). */
  items: Record<string, { qty: number; held: number }>;
  /** Event time and id of the last cart event: a timer set before it finds the cart active. */
  lastActivity: number;
  lastEventId: string | null;
}

export const cart = defineActor<CartState, CartEvent>({
  type: 'cart',
  source: { topic: 'cart_events', events: [cartUpdated, cartCheckedOut] },
  initial: () => ({ userId: null, status: 'open', items: {}, lastActivity: 0, lastEventId: null }),
  handle(state, input, ctx) {
    if (input.kind === 'event') return onEvent(state, input.event, ctx.key);
    if (input.kind === 'message') return onAnswer(state, input.msg, ctx.key);
    return onTimer(state, input, ctx.key, ctx.now);
  },
});

function onEvent(state: CartState, event: CartEvent, key: string): Transition<CartState> {
  if (state.status !== 'open') return { state, effects: [] };
  if (event.type === 'cart_checked_out') {
    // The order reserves its own lines: give back what the cart held.
    return { state: { ...state, status: 'checked_out', items: withoutHolds(state.items), lastActivity: event.ts, lastEventId: event.id }, effects: releaseHolds(state, key, event.id, event.ts) };
  }
  const { sku, qty, userId } = event.data;
  const before = state.items[sku] ?? { qty: 0, held: 0 };
  const items = { ...state.items, [sku]: { ...before, qty } };
  if (qty === 0) delete items[sku];
  const effects: Effect[] = [schedule(event.ts + ABANDON_AFTER_MS, { type: 'abandon_check', since: event.ts })];
  // Ask the SKU to hold what was added; what was removed goes back at once.
  if (qty > before.qty) effects.push(send({ type: 'sku', key: sku }, { type: 'reserve', orderId: key, line: 0, qty: qty - before.qty, cause: event.id, ts: event.ts }));
  if (qty < before.held) {
    effects.push(send({ type: 'sku', key: sku }, { type: 'release', orderId: key, line: 0, qty: before.held - qty, cause: event.id, ts: event.ts }));
    if (items[sku]) items[sku] = { qty, held: qty };
  }
  return { state: { ...state, userId, items, lastActivity: event.ts, lastEventId: event.id }, effects };
}

/**
 * The SKU's answer to a hold. Answers may come back after later cart events (they travel through the
 * SKU's inbox and back), so the cart keeps what still fits and gives the rest back: the outcome is
 * the same whichever arrives first.
 */
function onAnswer(state: CartState, msg: Extract<Input, { kind: 'message' }>['msg'], key: string): Transition<CartState> {
  if (msg.type !== 'reservation_result' || !msg.granted) return { state, effects: [] };
  const item = state.status === 'open' ? state.items[msg.sku] : undefined;
  const keep = item ? Math.min(item.qty - item.held, msg.qty) : 0;
  const effects = keep < msg.qty ? [send({ type: 'sku', key: msg.sku }, { type: 'release', orderId: key, line: 0, qty: msg.qty - keep, cause: msg.cause, ts: msg.ts })] : [];
  if (!item || keep === 0) return { state, effects };
  return { state: { ...state, items: { ...state.items, [msg.sku]: { ...item, held: item.held + keep } } }, effects };
}

function onTimer(state: CartState, input: Extract<Input, { kind: 'timer' }>, key: string, now: number): Transition<CartState> {
  const since = Number(input.timer.since);
  // Only the newest timer decides: any cart event since then moved lastActivity past it.
  if (state.status !== 'open' || state.lastActivity !== since || Object.keys(state.items).length === 0) return { state, effects: [] };
  const cause = `abandoned-${since}`;
  const units = Object.values(state.items).reduce((n, i) => n + i.qty, 0);
  const abandoned = alert({
    type: 'cart_abandoned', entityType: 'cart', entityKey: key, severity: 'info', cause, ts: now, reasons: state.lastEventId ? [state.lastEventId] : [],
    summary: `cart of ${state.userId} left with ${units} unit(s) for ${ABANDON_AFTER_MS / 60_000} minutes`,
    details: { userId: state.userId, units: Object.fromEntries(Object.entries(state.items).map(([sku, i]) => [sku, i.qty])) },
  });
  return { state: { ...state, status: 'abandoned', items: withoutHolds(state.items) }, effects: [...releaseHolds(state, key, cause, now), abandoned] };
}

function withoutHolds(items: CartState['items']): CartState['items'] {
  return Object.fromEntries(Object.entries(items).map(([sku, i]) => [sku, { qty: i.qty, held: 0 }]));
}

function releaseHolds(state: CartState, key: string, cause: string, ts: number): Effect[] {
  return Object.entries(state.items)
    .filter(([, i]) => i.held > 0)
    .map(([sku, i]) => send({ type: 'sku', key: sku }, { type: 'release', orderId: key, line: 0, qty: i.held, cause, ts }));
}
