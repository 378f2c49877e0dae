import { describe, expect, test } from 'bun:test';
import type { DomainEvent, EventData, SkuCommand } from '../schemas/index.ts';
import type { ActorInput, Effect, Transition } from './actor.ts';
import { availableOf, skuActor, type SkuState } from './sku.ts';
import { createTestDriver } from './test-driver.ts';

// Expected values below are worked out by hand from docs/domain-rules.md "SKU", never from the code.

const NOW = 1_700_000_000_000;
const ORDER = { type: 'order' as const, key: 'o1' };

function sku(onHand: number, reserved: number, reorderPoint = 0, lowStock = false): SkuState {
  // Frozen, so a handler that mutated its input would throw instead of passing silently.
  return Object.freeze({ onHand, reserved, reorderPoint, lowStock });
}

function event<T extends 'stock_received' | 'stock_adjusted' | 'reorder_point_set'>(type: T, id: string, data: Omit<EventData<T>, 'sku'>): ActorInput {
  return { kind: 'event', event: { id, type, v: 1, ts: NOW, data: { sku: 'A', ...data } } as unknown as DomainEvent };
}

function command(type: SkuCommand['type'], qty: number, cause = 'p1', line = 0): ActorInput {
  return { kind: 'message', from: ORDER, msg: { type, orderId: 'o1', line, qty, cause, ts: NOW } };
}

function run(state: SkuState, input: ActorInput): Transition<SkuState> {
  return skuActor.handle(state, input, { key: 'A', now: NOW });
}

/** Feeds inputs one after another (freezing each state) and returns the final state and all effects. */
function runAll(state: SkuState, inputs: ActorInput[]): { state: SkuState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const input of inputs) {
    const t = run(Object.freeze(state), input);
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
}

const alertsOf = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'alert' ? [e.alert] : []));

describe('sku actor definition', () => {
  test('owns the inventory events, state version 2, starts empty', () => {
    expect(skuActor.type).toBe('sku');
    expect(skuActor.sourceTopic).toBe('inventory_events');
    expect([...skuActor.eventTypes].sort()).toEqual(['reorder_point_set', 'stock_adjusted', 'stock_received']);
    expect(skuActor.stateVersion).toBe(2);
    expect(skuActor.initial('A')).toEqual({ onHand: 0, reserved: 0, reorderPoint: 0, lowStock: false });
  });
});

describe('inventory events', () => {
  test('stock_received adds to onHand', () => {
    const t = run(sku(10, 4), event('stock_received', 'e1', { qty: 5 }));
    expect(t.state).toEqual({ onHand: 15, reserved: 4, reorderPoint: 0, lowStock: false });
    expect(t.effects).toEqual([]);
  });

  test('stock_adjusted with a negative delta lowers onHand, even below zero', () => {
    expect(run(sku(10, 0), event('stock_adjusted', 'e1', { delta: -3, reason: 'damaged' })).state.onHand).toBe(7);
    const t = run(sku(2, 0), event('stock_adjusted', 'e2', { delta: -5, reason: 'count' }));
    expect(t.state.onHand).toBe(-3);
    expect(t.effects).toEqual([]); // reorder point 0: never alerts
  });

  test('reorder_point_set sets the reorder point', () => {
    const t = run(sku(20, 0), event('reorder_point_set', 'e1', { reorderPoint: 5 }));
    expect(t.state).toEqual({ onHand: 20, reserved: 0, reorderPoint: 5, lowStock: false });
    expect(t.effects).toEqual([]);
  });
});

describe('reserve', () => {
  test('granted when available == qty: reserved grows, a grant goes back to the order', () => {
    const t = run(sku(5, 2), command('reserve', 3)); // available 3
    expect(t.state).toEqual({ onHand: 5, reserved: 5, reorderPoint: 0, lowStock: false });
    expect(t.effects).toEqual([
      { kind: 'send', to: ORDER, msg: { type: 'reservation_result', sku: 'A', line: 0, qty: 3, granted: true, cause: 'p1', ts: NOW } },
    ]);
  });

  test('refused when qty = available + 1: state unchanged, refusal and oversell_prevented', () => {
    const before = sku(5, 2);
    const t = run(before, command('reserve', 4, 'p9', 2));
    expect(t.state).toBe(before);
    expect(t.effects[0]).toEqual({
      kind: 'send',
      to: ORDER,
      msg: { type: 'reservation_result', sku: 'A', line: 2, qty: 4, granted: false, cause: 'p9', ts: NOW },
    });
    const [alert] = alertsOf(t.effects);
    expect(alert).toMatchObject({
      id: 'sku/A/oversell_prevented/p9#2',
      type: 'oversell_prevented',
      entityType: 'sku',
      entityKey: 'A',
      severity: 'warning',
      ts: NOW,
      detectedAt: NOW,
      reasons: ['p9'],
      details: { requested: 4, available: 3 },
    });
    expect(alert!.details.summary).toBe('order o1 asked for 4 units but only 3 are available; the reservation was refused');
    expect(t.effects).toHaveLength(2);
  });

  test('invariants: reserved ≥ 0 and available ≥ 0 after every reserve', () => {
    // onHand 10: 3 ok (7 left), 4 ok (3), 4 refused, 2 ok (1), 1 ok (0), 5 refused.
    let state = sku(10, 0);
    const granted: boolean[] = [];
    for (const qty of [3, 4, 4, 2, 1, 5]) {
      const t = run(state, command('reserve', qty));
      state = Object.freeze(t.state);
      const reply = t.effects[0];
      granted.push(reply?.kind === 'send' && reply.msg.type === 'reservation_result' && reply.msg.granted);
      expect(state.reserved).toBeGreaterThanOrEqual(0);
      expect(availableOf(state)).toBeGreaterThanOrEqual(0);
    }
    expect(granted).toEqual([true, true, false, true, true, false]);
    expect(state).toEqual({ onHand: 10, reserved: 10, reorderPoint: 0, lowStock: false });
  });
});

describe('release and commit', () => {
  test('release gives reserved units back, never below 0', () => {
    expect(run(sku(10, 5), command('release', 2)).state).toEqual({ onHand: 10, reserved: 3, reorderPoint: 0, lowStock: false });
    expect(run(sku(10, 1), command('release', 4)).state.reserved).toBe(0);
  });

  test('commit takes units out of reserved and out of onHand', () => {
    const t = run(sku(10, 4), command('commit', 3));
    expect(t.state).toEqual({ onHand: 7, reserved: 1, reorderPoint: 0, lowStock: false });
    expect(t.effects).toEqual([]);
  });
});

describe('low_stock is edge-triggered', () => {
  test('fires once on crossing, not again while low, again after re-arming', () => {
    const { state, effects } = runAll(sku(10, 0, 5), [
      command('reserve', 5, 'p1'), // available 5: not below 5
      command('reserve', 1, 'p2'), // available 4: crosses → alert
      command('reserve', 1, 'p3'), // available 3: still low, no alert
      command('release', 2, 'c1'), // available 5: re-armed
      event('stock_adjusted', 'adj1', { delta: -1, reason: 'damaged' }), // available 4: crosses again
    ]);
    const alerts = alertsOf(effects);
    expect(alerts.map((a) => a.id)).toEqual(['sku/A/low_stock/p2#0', 'sku/A/low_stock/adj1']);
    expect(alerts[0]).toMatchObject({ type: 'low_stock', severity: 'warning', reasons: ['p2'], details: { available: 4, reorderPoint: 5 } });
    expect(alerts[0]!.details.summary).toBe('available stock 4 fell below the reorder point 5');
    expect(alerts[1]!.reasons).toEqual(['adj1']);
    expect(state).toEqual({ onHand: 9, reserved: 5, reorderPoint: 5, lowStock: true });
  });

  test('raising the reorder point above available is a crossing too', () => {
    const t = run(sku(3, 0), event('reorder_point_set', 'rp1', { reorderPoint: 4 }));
    expect(alertsOf(t.effects).map((a) => a.id)).toEqual(['sku/A/low_stock/rp1']);
    expect(t.state.lowStock).toBe(true);
  });

  test('stock_received back to the reorder point re-arms without alerting', () => {
    const t = run(sku(2, 0, 5, true), event('stock_received', 'e1', { qty: 3 }));
    expect(t.state).toEqual({ onHand: 5, reserved: 0, reorderPoint: 5, lowStock: false });
    expect(t.effects).toEqual([]);
  });

  test('a reorder point of 0 never alerts, even with negative availability', () => {
    const { state, effects } = runAll(sku(1, 0, 0), [
      command('reserve', 1),
      event('stock_adjusted', 'e1', { delta: -4, reason: 'count' }),
      event('stock_received', 'e2', { qty: 1 }),
    ]);
    expect(alertsOf(effects).filter((a) => a.type === 'low_stock')).toEqual([]);
    expect(state).toEqual({ onHand: -2, reserved: 1, reorderPoint: 0, lowStock: false });
  });
});

describe('other inputs', () => {
  test('timers and messages meant for orders leave the state untouched', () => {
    const before = sku(3, 1);
    const timer = run(before, { kind: 'timer', at: NOW, timer: { type: 'payment_timeout', cause: 'p1' } });
    expect(timer).toEqual({ state: before, effects: [] });
    const reply = run(before, {
      kind: 'message',
      from: { type: 'sku', key: 'B' },
      msg: { type: 'reservation_result', sku: 'B', line: 0, qty: 1, granted: true, cause: 'p1', ts: NOW },
    });
    expect(reply.state).toBe(before);
  });
});

describe('migration', () => {
  test('a v1 state { onHand, reserved } gets reorderPoint 0 and lowStock false', () => {
    expect(skuActor.migrate({ onHand: 7, reserved: 2 }, 1)).toEqual({ onHand: 7, reserved: 2, reorderPoint: 0, lowStock: false });
  });

  test('a v2 state is kept as is', () => {
    const v2 = { onHand: 7, reserved: 2, reorderPoint: 3, lowStock: false };
    expect(skuActor.migrate(v2, 2)).toEqual({ onHand: 7, reserved: 2, reorderPoint: 3, lowStock: false });
  });

  test('unknown versions and malformed states are refused with a clear error', () => {
    expect(() => skuActor.migrate({ onHand: 1, reserved: 0 }, 3)).toThrow('sku state version 3 is not supported (supported: 1, 2)');
    expect(() => skuActor.migrate({ onHand: 'x' }, 1)).toThrow('not an object with numeric onHand and reserved');
  });

  test('a migrated v1 state keeps working in the driver', () => {
    const driver = createTestDriver([skuActor], { freezeStates: true });
    driver.seed('sku', 'A', { onHand: 4, reserved: 1 }, 1);
    driver.send(ORDER, { type: 'sku', key: 'A' }, { type: 'reserve', orderId: 'o1', line: 0, qty: 3, cause: 'p1', ts: NOW });
    expect(driver.state<SkuState>('sku', 'A')).toEqual({ onHand: 4, reserved: 4, reorderPoint: 0, lowStock: false });
  });
});
