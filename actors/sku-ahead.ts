import type { ActorInput } from '../sdk/core.ts';
import { availableOf, type SkuState } from './sku.ts';

/**
 * Which inputs a SKU may apply ahead of its open hold notices (ActorDefinition.aheadOfNotices,
 * docs/determinism.md "Built: answer notices").
 *
 * A notice holds what comes after it because its settle may still bring messages that belong
 * before: an order's releases (a refused line, a cancellation, a payment timeout) and commits (a
 * shipment). Each gives back or ships units reserved *here*, so together they take at most
 * `reserved` units off `reserved` (and, for commits, as many off `onHand`). Whatever they bring, the
 * SKU is in one of these worlds: `available` somewhere in [a, a + reserved], where a is what it is
 * now (a release raises it, a commit leaves it).
 *
 * An input may go ahead when it does the same in every such world:
 * - its state change adds to `onHand`, `reserved` or `reorderPoint` alike everywhere, so the
 *   messages still to come add theirs after it to the same result (no clamp at 0 is reached: a
 *   release or commit only gives back units it was granted, so `reserved` covers them all);
 * - its effects are equal: a reserve granted now is granted in every world (none has less
 *   available), and no world crosses below the reorder point — a low-stock alert would carry that
 *   world's numbers, and the edge would fall on another input.
 * A refusal never goes ahead: a world with units given back may grant it, and its alert names the
 * numbers seen. A reserve of no units or fewer (a module's mistake), and quantities that are not
 * whole numbers, wait too. `lowStock` is the edge's memory; it equals "available < reorder point"
 * after every step, which the check relies on (a state where it does not waits).
 */
export function skuAheadOfNotices(state: SkuState, input: ActorInput): boolean {
  if (state.lowStock !== isLow(availableOf(state), state.reorderPoint)) return false;
  if (input.kind === 'event') {
    const e = input.event;
    switch (e.type) {
      case 'stock_received':
        return whole(e.data.qty) && lowersAvailableSafely(state, -e.data.qty);
      case 'stock_adjusted':
        return whole(e.data.delta) && lowersAvailableSafely(state, -e.data.delta);
      case 'reorder_point_set':
        return whole(e.data.reorderPoint) && movesReorderPointSafely(state, e.data.reorderPoint);
      default:
        return true; // the SKU ignores it
    }
  }
  if (input.kind !== 'message') return true; // a SKU has no timers: ignored
  const msg = input.msg;
  switch (msg.type) {
    case 'reserve':
      return whole(msg.qty) && msg.qty > 0 && availableOf(state) >= msg.qty && lowersAvailableSafely(state, msg.qty);
    case 'release':
    case 'commit':
      // Raise `available` or leave it; only the clamp could differ, and it cannot (above).
      return whole(msg.qty) && msg.qty >= 0 && state.reserved >= msg.qty;
    default:
      return true; // answered by no one: ignored
  }
}

/** Low as the SKU's rule has it: a reorder point of 0 is not watched. */
function isLow(available: number, reorderPoint: number): boolean {
  return reorderPoint > 0 && available < reorderPoint;
}

/** True when taking `drop` units off `available` alerts in no world (a negative drop raises it, which never alerts). */
function lowersAvailableSafely(state: SkuState, drop: number): boolean {
  if (drop <= 0) return true;
  const a = availableOf(state);
  const rp = state.reorderPoint;
  // Never watched; or not low afterwards even in the world with least; or low before even in the world with most.
  return rp <= 0 || a - drop >= rp || a + state.reserved < rp;
}

/** True when a new reorder point alerts in no world: not low under it anywhere, or low under the old one everywhere. */
function movesReorderPointSafely(state: SkuState, next: number): boolean {
  const a = availableOf(state);
  return next <= 0 || a >= next || (state.reorderPoint > 0 && a + state.reserved < state.reorderPoint);
}

/**
 * Whole numbers only: the argument adds and compares quantities in any order, which fractions do
 * not survive exactly (0.1 + 0.2 − 0.2 ≠ 0.1). Anything else waits.
 */
function whole(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}
