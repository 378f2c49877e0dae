import { describe, expect, test } from 'bun:test';
import type { ActorMessage, Alert, DomainEvent, TimerMessage } from '../schemas/index.ts';
import type { ActorAddress, ActorDefinition, ActorInput, Effect } from './actor.ts';
import { createAlert } from './alerts.ts';
import { applyInput, declaredTargets, Quarantine, type EffectSink } from './apply-input.ts';

/** A sink that writes down every call, in order. */
function recordingSink(): { sink: EffectSink; calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    sink: {
      send: (from, to, msg) => calls.push(['send', from, to, msg]),
      alert: (from, alert) => calls.push(['alert', from, alert]),
      schedule: (from, at, timer) => calls.push(['schedule', from, at, timer]),
    },
  };
}

/** An actor whose handler returns (or throws) whatever the test gives it. */
function scripted(handle: (state: { n: number }, input: ActorInput) => { state: { n: number }; effects: Effect[] }): ActorDefinition<{ n: number }> {
  return { type: 'order', sourceTopic: 'transaction_events', eventTypes: ['order_shipped'], stateVersion: 1, initial: () => ({ n: 0 }), migrate: (s) => s as { n: number }, handle };
}

const event: DomainEvent = { id: 'e-1', type: 'order_shipped', v: 1, ts: 1_000, data: { orderId: 'o-1' } };
const input: ActorInput = { kind: 'event', event };
const ctx = { key: 'o-1', now: 1_000 };
const sku: ActorAddress = { type: 'sku', key: 's-1' };
const reserve: ActorMessage = { type: 'reserve', orderId: 'o-1', line: 0, qty: 2, cause: 'e-1', ts: 1_000 };
const timeout: TimerMessage = { type: 'payment_timeout', cause: 'e-1' };
const alert: Alert = createAlert({ type: 'invalid_transition', entityType: 'order', entityKey: 'o-1', severity: 'warning', cause: 'e-1', ts: 1_000, reasons: ['e-1'], summary: 'x' });

describe('applyInput', () => {
  test('returns the new state and hands each effect to the sink by kind, in the order returned', () => {
    const actor = scripted((s) => ({
      state: { n: s.n + 1 },
      effects: [
        { kind: 'schedule', at: 5_000, timer: timeout },
        { kind: 'send', to: sku, msg: reserve },
        { kind: 'alert', alert },
        { kind: 'send', to: sku, msg: reserve },
      ],
    }));
    const { sink, calls } = recordingSink();
    expect(applyInput(actor, { n: 41 }, input, ctx, sink)).toEqual({ n: 42 });
    const from = { type: 'order', key: 'o-1' };
    expect(calls).toEqual([
      ['schedule', from, 5_000, timeout],
      ['send', from, sku, reserve],
      ['alert', from, alert],
      ['send', from, sku, reserve],
    ]);
  });

  test('the sender address is the actor type and the context key, type first (it is serialized as is)', () => {
    const actor = scripted((s) => ({ state: s, effects: [{ kind: 'send', to: sku, msg: reserve }] }));
    const { sink, calls } = recordingSink();
    applyInput(actor, { n: 0 }, input, ctx, sink);
    expect(JSON.stringify(calls[0]![1])).toBe('{"type":"order","key":"o-1"}');
  });

  test('passes the state, input and context through to the handler unchanged', () => {
    const seen: unknown[] = [];
    const actor: ActorDefinition<{ n: number }> = { ...scripted((s) => ({ state: s, effects: [] })), handle: (s, i, c) => (seen.push(s, i, c), { state: s, effects: [] }) };
    const state = { n: 3 };
    expect(applyInput(actor, state, input, ctx, recordingSink().sink)).toBe(state);
    expect(seen[0]).toBe(state);
    expect(seen[1]).toBe(input);
    expect(seen[2]).toBe(ctx);
  });

  test('a throw is a Quarantine with reason "name: message" and the error itself, and no effect reaches the sink', () => {
    const error = new TypeError('cannot read the thing');
    const actor = scripted(() => {
      throw error;
    });
    const { sink, calls } = recordingSink();
    const out = applyInput(actor, { n: 1 }, input, ctx, sink);
    expect(out).toBeInstanceOf(Quarantine);
    expect((out as Quarantine).reason).toBe('TypeError: cannot read the thing');
    expect((out as Quarantine).error).toBe(error);
    expect(calls).toEqual([]);
  });

  test('a thrown non-Error still quarantines, as "Error: <value>"', () => {
    const { sink } = recordingSink();
    const throwing = (value: unknown) =>
      scripted(() => {
        throw value;
      });
    const thrown = (value: unknown) => applyInput(throwing(value), { n: 0 }, input, ctx, sink) as Quarantine;
    expect(thrown('boom').reason).toBe('Error: boom');
    expect(thrown(null).reason).toBe('Error: null');
    expect(thrown(undefined).reason).toBe('Error: undefined');
    expect(thrown({ name: 'Custom', message: 'why' }).reason).toBe('Custom: why');
  });
  // Each of these threw out of applyInput (or out of building the reason) before: in the engine, the
  // shard's batch failed on every retry and the partition stopped (actors/transition-checks.ts).
  test('a transition of the wrong shape, or a throw that cannot be shown the usual way, is refused like a throw, and no effect reaches the sink', () => {
    const { sink, calls } = recordingSink();
    sink.accept = () => void calls.push(['accept']);
    const returning = (t: unknown) => applyInput(scripted(() => t as never), { n: 0 }, input, ctx, sink) as Quarantine;
    expect(returning({ state: { n: 1 } }).reason).toBe('Error: handle must return { state, effects } with effects an array ([] for none), got effects: undefined');
    expect(returning({ state: { n: 1 }, effects: [{ kind: 'send', to: sku, msg: reserve }, null] }).reason).toBe('Error: effect 2 of 2: an effect must be an object { kind, … }, got null');
    const throwing = (value: unknown) => applyInput(scripted(() => { throw value; }), { n: 0 }, input, ctx, sink) as Quarantine;
    expect(throwing(Object.create(null)).reason).toBe('Error: an object');
    expect(throwing({ name: Symbol('x'), message: 'why' }).reason).toBe('Error: why');
    expect(calls).toEqual([]);
  });

  test('a send sendsOn does not name for the event type is refused like a throw, and no effect reaches the sink', () => {
    const actor = { ...scripted((s) => ({ state: { n: s.n + 1 }, effects: [{ kind: 'alert', alert }, { kind: 'send', to: sku, msg: reserve }] })), sendsOn: { order_shipped: ['user'] } };
    const { sink, calls } = recordingSink();
    const out = applyInput(actor, { n: 0 }, input, ctx, sink);
    expect(out).toBeInstanceOf(Quarantine);
    expect((out as Quarantine).reason).toBe("Error: order_shipped sent a message to 'sku', but sendsOn['order_shipped'] names only 'user'");
    expect(calls).toEqual([]);
    // Named, or an event type sendsOn leaves out: applied.
    expect(applyInput({ ...actor, sendsOn: { order_shipped: ['sku'] } }, { n: 0 }, input, ctx, sink)).toEqual({ n: 1 });
    expect(applyInput({ ...actor, sendsOn: { order_placed: ['user'] } }, { n: 0 }, input, ctx, sink)).toEqual({ n: 1 });
  });

  test('a message, alert or timer JSON cannot encode (a BigInt, a cycle) is refused like a throw, before the sink accepts; a message reaches the sink with its JSON', () => {
    const cyclic: Record<string, unknown> = { type: 'reserve', ts: 1_000 };
    cyclic.self = cyclic;
    const cases: [Effect, string][] = [
      [{ kind: 'send', to: sku, msg: { ...reserve, qty: 2n } as never }, "Error: a message to sku 's-1' cannot be encoded as JSON"],
      [{ kind: 'send', to: sku, msg: cyclic as never }, "Error: a message to sku 's-1' cannot be encoded as JSON"],
      [{ kind: 'alert', alert: { ...alert, details: { summary: 'x', n: 1n } } as never }, `Error: alert ${alert.id} cannot be encoded as JSON`],
      [{ kind: 'schedule', at: 5_000, timer: { ...timeout, n: 1n } as never }, 'Error: a timer cannot be encoded as JSON'],
    ];
    for (const [bad, reason] of cases) {
      const actor = scripted((s) => ({ state: { n: s.n + 1 }, effects: [{ kind: 'send', to: sku, msg: reserve }, bad] }));
      const { sink, calls } = recordingSink();
      sink.accept = () => void calls.push(['accept']);
      const out = applyInput(actor, { n: 0 }, input, ctx, sink);
      expect(out).toBeInstanceOf(Quarantine);
      expect((out as Quarantine).reason.startsWith(reason)).toBe(true);
      expect(calls).toEqual([]);
    }
    const json: unknown[] = [];
    applyInput(scripted((s) => ({ state: s, effects: [{ kind: 'send', to: sku, msg: reserve }] })), { n: 0 }, input, ctx, { ...recordingSink().sink, send: (_f, _t, _m, j) => void json.push(j) });
    expect(json).toEqual([JSON.stringify(reserve)]);
  });

  test("the sink accepts a transition once it passed applyInput's checks, before any effect; its throw quarantines and no effect reaches the sink", () => {
    const effects: Effect[] = [{ kind: 'alert', alert }, { kind: 'send', to: sku, msg: reserve }];
    const actor = scripted((s) => ({ state: { n: s.n + 1 }, effects }));
    const { sink, calls } = recordingSink();
    sink.accept = (i, before, t, c) => void calls.push(['accept', i, before, t, c]);
    expect(applyInput(actor, { n: 0 }, input, ctx, sink)).toEqual({ n: 1 });
    expect(calls.map((c) => c[0])).toEqual(['accept', 'alert', 'send']);
    expect(calls[0]).toEqual(['accept', input, { n: 0 }, { state: { n: 1 }, effects }, ctx]);

    calls.length = 0;
    sink.accept = () => {
      throw new RangeError('aggregate add failed');
    };
    const out = applyInput(actor, { n: 0 }, input, ctx, sink);
    expect((out as Quarantine).reason).toBe('RangeError: aggregate add failed');
    expect(calls).toEqual([]);

    // A send sendsOn refuses never reaches the sink's accept (an aggregate would count it).
    sink.accept = () => void calls.push(['accept']);
    expect(applyInput({ ...actor, sendsOn: { order_shipped: ['user'] } }, { n: 0 }, input, ctx, sink)).toBeInstanceOf(Quarantine);
    expect(calls).toEqual([]);
  });
});

describe('declaredTargets', () => {
  // An inherited member read as a declaration threw outside the handler's try (found by review).
  test("only the actor's own sendsOn entries declare: an event type named like an Object member declares nothing", () => {
    const actor = { sendsOn: { order_placed: ['sku'] } } as unknown as ActorDefinition<unknown>;
    expect(declaredTargets(actor, 'order_placed')).toEqual(['sku']);
    expect(declaredTargets(actor, 'constructor')).toBeUndefined();
    expect(declaredTargets(actor, 'toString')).toBeUndefined();
  });
});
