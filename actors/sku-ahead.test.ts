import { describe, expect, test } from 'bun:test';
import type { DomainEvent } from '../schemas/index.ts';
import type { ActorInput, Effect } from './actor.ts';
import { skuActor, type SkuState } from './sku.ts';
import { skuAheadOfNotices } from './sku-ahead.ts';

const NOW = 1_700_000_000_000;

/** A small deterministic PRNG (mulberry32): the same cases on every run. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function message(type: 'reserve' | 'release' | 'commit', orderId: string, qty: number): ActorInput {
  return { kind: 'message', from: { type: 'order', key: orderId }, msg: { type, orderId, line: 0, qty, cause: `p-${orderId}`, ts: NOW } };
}

function event(type: string, data: Record<string, unknown>): ActorInput {
  return { kind: 'event', event: { id: `e-${type}`, type, v: 1, ts: NOW, data: { sku: 'A', ...data } } as unknown as DomainEvent };
}

/** A state the SKU could be in: `lowStock` as its rule leaves it after every step. */
function stateOf(onHand: number, reserved: number, reorderPoint: number): SkuState {
  return { onHand, reserved, reorderPoint, lowStock: reorderPoint > 0 && onHand - reserved < reorderPoint };
}

/** Applies `inputs` in turn; the effects of each, as JSON. */
function fold(state: SkuState, inputs: readonly ActorInput[]): { state: SkuState; effects: string[] } {
  const effects: string[] = [];
  for (const input of inputs) {
    const t = skuActor.handle(state, input, { key: 'A', now: NOW });
    state = t.state;
    effects.push(JSON.stringify(t.effects as Effect[]));
  }
  return { state, effects };
}

/** One case: a state, what open notices may still bring (units reserved here, given back or shipped), and an input. */
function randomCase(r: (n: number) => number): { state: SkuState; pending: ActorInput[]; input: ActorInput } {
  const reserved = r(8);
  const state = stateOf(reserved + r(8) - 2, reserved, r(3) === 0 ? 0 : r(9));
  let left = reserved;
  const pending: ActorInput[] = [];
  for (let i = r(4); i > 0 && left > 0; i--) {
    const qty = 1 + r(left);
    left -= qty;
    pending.push(message(r(2) === 0 ? 'release' : 'commit', `pending-${i}`, qty));
  }
  const inputs: ActorInput[] = [
    message('reserve', 'later', 1 + r(6)),
    event('stock_received', { qty: 1 + r(5) }),
    event('stock_adjusted', { delta: r(11) - 5, reason: 'count' }),
    event('reorder_point_set', { reorderPoint: r(10) }),
  ];
  // A later release or commit gives back units of its own, not those the notices may bring.
  if (left > 0) inputs.push(message(r(2) === 0 ? 'release' : 'commit', 'other', 1 + r(left)));
  return { state, pending, input: inputs[r(inputs.length)]! };
}

describe('skuAheadOfNotices: an input it lets go ahead does the same whatever the notices bring before it', () => {
  test('20,000 random cases: the same final state and the same effects, whether the pending messages come before or after', () => {
    const r = prng(16);
    let ahead = 0;
    let heldThatDiffer = 0;
    for (let i = 0; i < 20_000; i++) {
      const { state, pending, input } = randomCase(r);
      const inOrder = fold(state, [...pending, input]);
      const first = fold(state, [input, ...pending]);
      const same = JSON.stringify(inOrder.state) === JSON.stringify(first.state)
        && inOrder.effects.at(-1) === first.effects[0]
        && JSON.stringify(inOrder.effects.slice(0, -1)) === JSON.stringify(first.effects.slice(1));
      if (skuAheadOfNotices(state, input)) {
        ahead++;
        if (!same) throw new Error(`went ahead but differs: ${JSON.stringify({ state, pending, input, inOrder, first })}`);
      } else if (!same) heldThatDiffer++;
    }
    // Most inputs go ahead, and the cases generated do reach the worlds where going ahead would be wrong.
    expect(ahead).toBeGreaterThan(10_000);
    expect(heldThatDiffer).toBeGreaterThan(500);
  });

  test('a reserve that would be refused waits: a unit given back may let the driver grant it', () => {
    const state = stateOf(1, 1, 0);
    expect(skuAheadOfNotices(state, message('reserve', 'later', 1))).toBe(false);
    expect(fold(state, [message('release', 'earlier', 1), message('reserve', 'later', 1)]).effects[1]).toContain('"granted":true');
  });

  test('a grant that crosses below the reorder point waits; one that stays above goes ahead', () => {
    expect(skuAheadOfNotices(stateOf(10, 2, 5), message('reserve', 'later', 4))).toBe(false);
    expect(skuAheadOfNotices(stateOf(10, 2, 5), message('reserve', 'later', 3))).toBe(true);
  });

  test('a reserve of no units or fewer, and quantities that are not whole numbers, wait', () => {
    const state = stateOf(5, 2, 0);
    expect(skuAheadOfNotices(state, message('reserve', 'later', -3))).toBe(false);
    expect(skuAheadOfNotices(state, message('reserve', 'later', 0))).toBe(false);
    expect(skuAheadOfNotices(state, message('reserve', 'later', 0.5))).toBe(false);
    expect(skuAheadOfNotices(state, event('stock_adjusted', { delta: 0.1, reason: 'count' }))).toBe(false);
  });

  test('a state whose lowStock disagrees with its numbers waits for everything', () => {
    expect(skuAheadOfNotices({ onHand: 10, reserved: 0, reorderPoint: 0, lowStock: true }, event('stock_received', { qty: 1 }))).toBe(false);
  });
});
