import { describe, expect, test } from 'bun:test';
import type { DomainEvent, EventData, EventType } from '../schemas/index.ts';
import type { ActorDefinition, Effect } from './actor.ts';
import { orderActor } from './order.ts';
import { skuActor } from './sku.ts';
import { createTestDriver } from './test-driver.ts';

/**
 * A toy actor standing in for any actor type (here on the user topic): it logs what it handles,
 * and a page_viewed path is its script: "schedule 300 A,100 B" schedules timers, "throw" throws,
 * "mutate" mutates its input state.
 */
interface ToyState {
  log: string[];
}
const toy: ActorDefinition<ToyState> = {
  type: 'user',
  sourceTopic: 'user_events',
  eventTypes: ['page_viewed'],
  stateVersion: 1,
  initial: () => ({ log: [] }),
  migrate: (s) => s as ToyState,
  handle(state, input, ctx) {
    if (input.kind === 'timer') return { state: { log: [...state.log, `timer ${input.timer.cause}@${input.at} now=${ctx.now}`] }, effects: [] };
    if (input.kind !== 'event' || input.event.type !== 'page_viewed') return { state, effects: [] };
    const path = input.event.data.path;
    if (path === 'throw') throw new Error('boom');
    if (path === 'mutate') state.log.push('mutated');
    const effects: Effect[] = [];
    if (path.startsWith('schedule ')) {
      for (const spec of path.slice(9).split(',')) {
        const [at, label] = spec.split(' ');
        effects.push({ kind: 'schedule', at: Number(at), timer: { type: 'payment_timeout', cause: label! } });
      }
    }
    return { state: { log: [...state.log, `event ${input.event.id} now=${ctx.now}`] }, effects };
  },
};

function ev<T extends EventType>(type: T, id: string, ts: number, data: EventData<T>): DomainEvent {
  return { id, type, v: 1, ts, data } as unknown as DomainEvent;
}
const view = (id: string, ts: number, path: string, userId = 'u1') => ev('page_viewed', id, ts, { userId, path });
const logOf = (d: ReturnType<typeof createTestDriver>, key = 'u1') => d.state<ToyState>('user', key)?.log;
const stock = (sku: string, qty: number, ts = 0) => ev('stock_received', `r-${sku}`, ts, { sku, qty });
const place = (orderId: string, ts: number, items: [string, number][]) =>
  ev('order_placed', `p-${orderId}`, ts, { orderId, userId: 'u1', items: items.map(([sku, qty]) => ({ sku, qty, unitPrice: 1 })), currency: 'EUR', country: 'DE' });

describe('timers', () => {
  test('fire in order of due time, then of scheduling, with now = their due time', () => {
    const d = createTestDriver([toy]);
    d.pipe(view('e1', 10, 'schedule 300 A,100 B,300 C,200 D'));
    expect(d.pendingTimers().map((t) => t.timer.cause)).toEqual(['B', 'D', 'A', 'C']);
    d.advanceTime(1_000);
    expect(logOf(d)).toEqual(['event e1 now=10', 'timer B@100 now=100', 'timer D@200 now=200', 'timer A@300 now=300', 'timer C@300 now=300']);
    expect(d.clock).toBe(1_000);
  });

  test('an input at exactly the due time is on time; one later comes after the timer', () => {
    const d = createTestDriver([toy]);
    d.pipe([view('e1', 10, 'schedule 100 X'), view('e2', 100, '/'), view('e3', 101, '/')]);
    expect(logOf(d)).toEqual(['event e1 now=10', 'event e2 now=100', 'timer X@100 now=100', 'event e3 now=101']);
  });

  test('a timer scheduled in the past fires before the next input', () => {
    const d = createTestDriver([toy]);
    d.pipe([view('e1', 10, 'schedule 5 P'), view('e2', 10, '/')]);
    expect(logOf(d)).toEqual(['event e1 now=10', 'timer P@5 now=5', 'event e2 now=10']);
  });

  test('advanceTime fires timers due at or before its target, and the clock never goes back', () => {
    const d = createTestDriver([toy]);
    d.pipe(view('e1', 10, 'schedule 100 X,101 Y'));
    d.advanceTime(100);
    expect(d.pendingTimers().map((t) => t.timer.cause)).toEqual(['Y']);
    d.pipe(view('e2', 50, '/')); // late event: handled at its own time
    expect(d.clock).toBe(100);
    expect(logOf(d)).toEqual(['event e1 now=10', 'timer X@100 now=100', 'event e2 now=50']);
  });
});

describe('sends', () => {
  test('are delivered breadth-first across the whole cascade', () => {
    const d = createTestDriver([skuActor, orderActor]);
    d.pipe([stock('A', 5), stock('B', 5), place('o1', 1, [['A', 1], ['B', 1]])]);
    expect(d.sent().map((s) => `${s.from.key}→${s.to.key} ${s.msg.type}`)).toEqual([
      'o1→A reserve',
      'o1→B reserve',
      'A→o1 reservation_result',
      'B→o1 reservation_result',
    ]);
  });

  test('manual mode: the test picks the order of deliveries', () => {
    const d = createTestDriver([skuActor, orderActor], { deliverSends: 'manual' });
    d.pipe([stock('A', 5), stock('B', 5), place('o1', 1, [['A', 1], ['B', 1]])]);
    expect(d.pendingSends().map((s) => s.to.key)).toEqual(['A', 'B']);
    d.deliver(1); // B first
    expect(d.pendingSends().map((s) => `${s.to.key} ${s.msg.type}`)).toEqual(['A reserve', 'o1 reservation_result']);
    d.deliver(1); // B's grant overtakes A's reserve
    expect(d.state<{ lines: { status: string }[] }>('order', 'o1')!.lines.map((l) => l.status)).toEqual(['pending', 'granted']);
    expect(d.deliverAll()).toBe(2);
    expect(d.deliverNext()).toBe(false);
    expect(d.state<{ status: string }>('order', 'o1')!.status).toBe('reserved');
    expect(() => d.deliver(0)).toThrow(RangeError);
  });

  test('redeliver applies a send a second time (the receiver sees a duplicate)', () => {
    const d = createTestDriver([skuActor, orderActor]);
    d.pipe([stock('A', 5), place('o1', 1, [['A', 2]])]);
    const reserve = d.sent()[0]!;
    d.redeliver(reserve);
    expect(d.state<{ reserved: number }>('sku', 'A')!.reserved).toBe(4); // SKUs rely on the runtime to drop duplicates
  });

  test('a message loop is reported, not spun forever', () => {
    const echo: ActorDefinition<null> = {
      type: 'sku',
      sourceTopic: 'inventory_events',
      eventTypes: ['stock_received'],
      stateVersion: 1,
      initial: () => null,
      migrate: () => null,
      handle: (state, _input, ctx) => ({
        state,
        effects: [{ kind: 'send', to: { type: 'sku', key: ctx.key }, msg: { type: 'release', orderId: 'o', line: 0, qty: 1, cause: 'c', ts: 0 } }],
      }),
    };
    const d = createTestDriver([echo], { maxCascade: 50 });
    expect(() => d.pipe(stock('A', 1))).toThrow('sends did not settle after 50 deliveries');
  });
});

describe('routing', () => {
  test('events no actor consumes are counted and ignored', () => {
    const d = createTestDriver([skuActor]);
    d.pipe([ev('login_failed', 'l1', 5, { userId: 'u1', country: 'DE', ip: '10.0.0.1' }), place('o1', 6, [['A', 1]]), stock('A', 3)]);
    expect(d.ignored()).toBe(2);
    expect([...d.states('sku').keys()]).toEqual(['A']);
    expect(() => d.state('order', 'o1')).toThrow("no actor of type 'order' in this driver");
  });

  test('definitions are checked: topic/type mismatch and duplicate types are refused', () => {
    expect(() => createTestDriver([{ ...toy, eventTypes: ['stock_received'] }])).toThrow(
      "actor 'user' lists 'stock_received' of topic 'inventory_events', but its source topic is 'user_events'",
    );
    expect(() => createTestDriver([toy, toy])).toThrow("two actor definitions of type 'user'");
  });
});

describe('failures', () => {
  test('a throwing handler quarantines that actor only; its later inputs and timers are parked', () => {
    const d = createTestDriver([toy]);
    d.pipe([view('e1', 1, 'schedule 50 T'), view('e2', 2, 'throw'), view('e3', 3, '/', 'u2'), view('e4', 4, '/')]);
    d.advanceTime(100);
    expect(d.failures()).toHaveLength(1);
    expect(d.failures()[0]!.actor).toEqual({ type: 'user', key: 'u1' });
    expect((d.failures()[0]!.error as Error).message).toBe('boom');
    expect(d.isQuarantined('user', 'u1')).toBe(true);
    expect(d.parked().map((p) => (p.input.kind === 'event' ? p.input.event.id : p.input.kind))).toEqual(['e4', 'timer']);
    expect(logOf(d)).toEqual(['event e1 now=1']); // state as it was before the throwing input
    expect(logOf(d, 'u2')).toEqual(['event e3 now=3']);
  });

  test('freezeStates turns a mutation of the input state into a recorded failure', () => {
    const d = createTestDriver([toy], { freezeStates: true });
    d.pipe([view('e1', 1, '/'), view('e2', 2, 'mutate')]);
    expect(d.failures()[0]!.error).toBeInstanceOf(TypeError);
    expect(logOf(d)).toEqual(['event e1 now=1']);
  });
});

describe('determinism and history', () => {
  const input: DomainEvent[] = [
    stock('A', 3, 0),
    stock('B', 1, 0),
    ev('reorder_point_set', 'rp', 1, { sku: 'A', reorderPoint: 2 }),
    place('o1', 10, [['A', 2], ['B', 1]]),
    place('o2', 11, [['A', 2]]),
    place('o3', 12, [['B', 1], ['A', 1]]),
    ev('payment_authorized', 'pay1', 20, { orderId: 'o1', userId: 'u1', amount: 3, cardFingerprint: 'f', country: 'DE' }),
    ev('order_cancelled', 'c3', 30, { orderId: 'o3', reason: 'r' }),
    ev('order_shipped', 'sh2', 40, { orderId: 'o2' }),
    ev('stock_received', 'r2', 2_000_000, { sku: 'B', qty: 1 }),
  ];
  const run = () => {
    const d = createTestDriver([skuActor, orderActor], { freezeStates: true });
    d.pipe(input);
    return JSON.stringify([d.alerts(), d.sent(), d.scheduled(), [...d.states('sku')], [...d.states('order')], d.clock]);
  };

  test('the same input twice gives identical states, sends, timers and alerts', () => {
    expect(run()).toBe(run());
  });

  test('recordHistory: false keeps states and alerts but not the send/timer history', () => {
    const d = createTestDriver([skuActor, orderActor], { recordHistory: false });
    d.pipe([stock('A', 1), place('o1', 1, [['A', 1]])]);
    expect(d.sent()).toEqual([]);
    expect(d.scheduled()).toEqual([]);
    expect(d.pendingTimers()).toHaveLength(1);
    expect(d.state<{ status: string }>('order', 'o1')!.status).toBe('reserved');
  });
});
