// The SDK's first user: a built-in actor imports only what any module's actor can.
import {
  alertCauseOfLine, createAlert, PipelineError, unchanged,
  type ActorAddress, type ActorContext, type ActorDefinition, type ActorInput, type DomainEvent, type Effect, type ReserveStock, type SkuCommand, type Transition,
} from '../sdk/core.ts';
import { skuAheadOfNotices } from './sku-ahead.ts';

/**
 * The SKU actor (docs/domain-rules.md "SKU"): stock on hand, units held for orders, and the
 * edge-triggered low-stock flag. Plain numbers and one boolean, because up to a million SKUs stay
 * in memory; `available` is derived (`availableOf`), never stored, so it can never disagree.
 */
export interface SkuState {
  readonly onHand: number;
  readonly reserved: number;
  readonly reorderPoint: number;
  /** True while `available < reorderPoint` has been alerted and not yet re-armed. */
  readonly lowStock: boolean;
}

/** The SKU actor type: keyed by sku, fed by inventory_events and by order → SKU commands. */
export const skuActor: ActorDefinition<SkuState> = {
  type: 'sku',
  sourceTopic: 'inventory_events',
  eventTypes: ['stock_received', 'stock_adjusted', 'reorder_point_set'],
  // v2 added reorderPoint and lowStock; v1 states are migrated by migrateSkuState.
  stateVersion: 2,
  initial: initialSkuState,
  handle: handleSkuInput,
  migrate: migrateSkuState,
  // Reserves, releases and commits, sent by orders on their own events and timers: merged with
  // inventory events in event time, so stock is promised in the order the events happened.
  eventTimeSenders: ['order'],
  // Behind an open hold notice, what decides the same whatever releases and commits it may still
  // bring goes on at once (sku-ahead.ts): only refusals and low-stock edges wait.
  aheadOfNotices: (state, input) => skuAheadOfNotices(state, input),
  // The contract's SKU state has `available`; it is derived here, once, for every reader.
  view: (state) => ({ ...state, available: availableOf(state) }),
};

/** Units that can still be promised to an order: `onHand − reserved`. */
export function availableOf(state: SkuState): number {
  return state.onHand - state.reserved;
}

/** A SKU nobody has told us about: nothing on hand, nothing reserved, no reorder point. */
export function initialSkuState(): SkuState {
  return { onHand: 0, reserved: 0, reorderPoint: 0, lowStock: false };
}

/**
 * One step of the SKU actor: applies an inventory event or an order's command and returns the new
 * state (a new object; the input is never mutated) and its effects.
 *
 * @example
 * handleSkuInput({ onHand: 3, reserved: 0, reorderPoint: 0, lowStock: false },
 *   { kind: 'message', from: { type: 'order', key: 'o1' }, msg: reserve }, { key: 'A', now: 0 });
 * // → reserved 3 (if reserve.qty = 3) and a reservation_result { granted: true } to order o1
 */
export function handleSkuInput(state: SkuState, input: ActorInput, ctx: ActorContext): Transition<SkuState> {
  if (input.kind === 'event') return handleInventoryEvent(state, input.event, ctx);
  if (input.kind === 'message') {
    const msg = input.msg;
    if (msg.type === 'reserve' || msg.type === 'release' || msg.type === 'commit') return handleCommand(state, msg, input.from, ctx);
  }
  // A SKU schedules no timers and answers no other message kind.
  return unchanged(state);
}

/**
 * Lifts a checkpointed state to version 2. Version 1 states were `{ onHand, reserved }`; they get
 * no reorder point (0, which never alerts) and are not low.
 */
export function migrateSkuState(state: unknown, fromVersion: number): SkuState {
  const s = state as Partial<SkuState> | null;
  if (typeof s !== 'object' || s === null || typeof s.onHand !== 'number' || typeof s.reserved !== 'number') {
    throw new PipelineError('UNSUPPORTED_VERSION', `sku state (version ${fromVersion}) is not an object with numeric onHand and reserved`);
  }
  if (fromVersion === 1) return { onHand: s.onHand, reserved: s.reserved, reorderPoint: 0, lowStock: false };
  if (fromVersion === 2) return s as SkuState;
  throw new PipelineError('UNSUPPORTED_VERSION', `sku state version ${fromVersion} is not supported (supported: 1, 2)`);
}

function handleInventoryEvent(state: SkuState, event: DomainEvent, ctx: ActorContext): Transition<SkuState> {
  switch (event.type) {
    case 'stock_received':
      return settle({ ...state, onHand: state.onHand + event.data.qty }, event.id, event.id, ctx, []);
    case 'stock_adjusted':
      // A stock count is a fact: onHand may go negative, the actor records it.
      return settle({ ...state, onHand: state.onHand + event.data.delta }, event.id, event.id, ctx, []);
    case 'reorder_point_set':
      return settle({ ...state, reorderPoint: event.data.reorderPoint }, event.id, event.id, ctx, []);
    default:
      return unchanged(state);
  }
}

function handleCommand(state: SkuState, msg: SkuCommand, from: ActorAddress, ctx: ActorContext): Transition<SkuState> {
  const cause = alertCauseOfLine(msg);
  switch (msg.type) {
    case 'reserve':
      return reserve(state, msg, from, ctx);
    case 'release':
      return settle({ ...state, reserved: Math.max(0, state.reserved - msg.qty) }, cause, msg.cause, ctx, []);
    case 'commit':
      // The units leave the warehouse. reserved is clamped like release so the invariant holds
      // even if a commit ever arrived without its reservation.
      return settle(
        { ...state, reserved: Math.max(0, state.reserved - msg.qty), onHand: state.onHand - msg.qty },
        cause,
        msg.cause,
        ctx,
        [],
      );
  }
}

/**
 * Holds units for whoever asked and answers the sender: an order for its line, or any actor a
 * module defines (a cart holding stock), which names itself in `orderId` and `line`.
 */
function reserve(state: SkuState, msg: ReserveStock, from: ActorAddress, ctx: ActorContext): Transition<SkuState> {
  const available = availableOf(state);
  const granted = available >= msg.qty;
  const reply: Effect = {
    kind: 'send',
    to: from,
    msg: { type: 'reservation_result', sku: ctx.key, line: msg.line, qty: msg.qty, granted, cause: msg.cause, ts: msg.ts },
  };
  if (granted) return settle({ ...state, reserved: state.reserved + msg.qty }, alertCauseOfLine(msg), msg.cause, ctx, [reply]);
  const alert = createAlert({
    type: 'oversell_prevented',
    entityType: 'sku',
    entityKey: ctx.key,
    severity: 'warning',
    cause: alertCauseOfLine(msg),
    ts: ctx.now,
    reasons: [msg.cause],
    summary: `order ${msg.orderId} asked for ${msg.qty} units but only ${available} are available; the reservation was refused`,
    details: { orderId: msg.orderId, line: msg.line, requested: msg.qty, available, onHand: state.onHand, reserved: state.reserved },
  });
  return { state, effects: [reply, { kind: 'alert', alert }] };
}

/**
 * Applies the edge-triggered low-stock rule to a successor state: alert once when it crosses
 * below the reorder point, re-arm once it is back at or above it. A reorder point of 0 is "not
 * watched", so even negative availability does not alert.
 */
function settle(next: SkuState, alertCause: string, reason: string, ctx: ActorContext, effects: Effect[]): Transition<SkuState> {
  const available = availableOf(next);
  const low = next.reorderPoint > 0 && available < next.reorderPoint;
  if (low === next.lowStock) return { state: next, effects };
  if (!low) return { state: { ...next, lowStock: false }, effects };
  effects.push({
    kind: 'alert',
    alert: createAlert({
      type: 'low_stock',
      entityType: 'sku',
      entityKey: ctx.key,
      severity: 'warning',
      cause: alertCause,
      ts: ctx.now,
      reasons: [reason],
      summary: `available stock ${available} fell below the reorder point ${next.reorderPoint}`,
      details: { available, reorderPoint: next.reorderPoint, onHand: next.onHand, reserved: next.reserved },
    }),
  });
  return { state: { ...next, lowStock: true }, effects };
}
