import { describe, expect, test } from 'bun:test';
import { shown, thrownText, transitionProblem } from './transition-checks.ts';

const alert = { id: 'a-1', type: 'velocity', entityType: 'user', entityKey: 'u-1', severity: 'warning', ts: 1_000, detectedAt: 1_000, reasons: ['e-1'], details: { summary: 'x' } };
const send = { kind: 'send', to: { type: 'sku', key: 's-1' }, msg: { type: 'reserve', ts: 1_000 } };
const timer = { kind: 'schedule', at: 2_000, timer: { type: 'payment_timeout' } };

describe('what a handler may return', () => {
  test('a well-formed transition, with or without effects, passes', () => {
    expect(transitionProblem({ state: undefined, effects: [] })).toBeUndefined();
    expect(transitionProblem({ state: { n: 1 }, effects: [send, { kind: 'alert', alert }, timer] })).toBeUndefined();
  });

  // Each of these failed downstream, on every retry: the partition stopped (see the module's comment).
  test.each([
    ['nothing', undefined, 'handle must return { state, effects }, got undefined'],
    ['a state alone, no effects', { state: 1 }, 'handle must return { state, effects } with effects an array ([] for none), got effects: undefined'],
    ['a null effect', { state: 1, effects: [send, null] }, 'effect 2 of 2: an effect must be an object { kind, … }, got null'],
    ['an unknown kind', { state: 1, effects: [{ kind: 'emit' }] }, 'effect 1 of 1: unknown effect kind "emit" (send, alert or schedule)'],
    ['a timer due at undefined', { state: 1, effects: [{ ...timer, at: undefined }] }, "effect 1 of 1: a timer's at must be epoch milliseconds (a whole number), got undefined"],
    ['a timer due at a fraction', { state: 1, effects: [{ ...timer, at: 1000.5 }] }, "a timer's at must be epoch milliseconds (a whole number), got 1000.5"],
    ['a timer that is a function', { state: 1, effects: [{ ...timer, timer: () => 1 }] }, 'a timer must be an object (what the actor is given when it fires), got a function'],
    ['a message to no key', { state: 1, effects: [{ ...send, to: { type: 'sku' } }] }, "a message's to must be { type, key } (two non-empty strings), got an object"],
    ['a message to a key the receiver would refuse', { state: 1, effects: [{ ...send, to: { type: 'sku', key: 'has space' } }] }, `a message's to.key must be an entity key (1–128 printable ASCII characters, no spaces), got "has space"`],
    ['a message that is a string', { state: 1, effects: [{ ...send, msg: 'reserve' }] }, `a message to sku 's-1' must be an object, got "reserve"`],
    ['a message without ts', { state: 1, effects: [{ ...send, msg: { type: 'reserve' } }] }, "a message to sku 's-1' must carry ts, the event time in epoch milliseconds (a whole number), got undefined"],
    ['an alert without ts', { state: 1, effects: [{ kind: 'alert', alert: { ...alert, ts: undefined } }] }, 'alert a-1: ts must be the event time in epoch milliseconds (a whole number), got undefined'],
    ['an alert without an id', { state: 1, effects: [{ kind: 'alert', alert: { ...alert, id: '' } }] }, `an alert's id must be a non-empty string, got ""`],
    ['an alert of no known severity', { state: 1, effects: [{ kind: 'alert', alert: { ...alert, severity: 'high' } }] }, 'alert a-1: severity must be info, warning or critical, got "high"'],
    ['an alert whose reasons are not ids', { state: 1, effects: [{ kind: 'alert', alert: { ...alert, reasons: 'e-1' } }] }, 'alert a-1: reasons must be an array of event ids, got "e-1"'],
    ['an alert without details', { state: 1, effects: [{ kind: 'alert', alert: { ...alert, details: null } }] }, 'alert a-1: details must be an object ({ summary, … }), got null'],
  ])('%s: refused with a reason that says what to return', (_: string, t: unknown, reason: string) => {
    expect(transitionProblem(t)).toContain(reason);
  });
});

describe('a thrown value as a quarantine reason', () => {
  test('errors and plain values read as before', () => {
    expect(thrownText(new TypeError('bad'))).toBe('TypeError: bad');
    expect(thrownText('boom')).toBe('Error: boom');
    expect(thrownText(42)).toBe('Error: 42');
  });

  // Each of these made building the reason throw, outside the handler's try: the partition stopped.
  test('values that cannot be shown the usual way still give a reason, and never throw', () => {
    expect(thrownText(Object.create(null))).toBe('Error: an object');
    expect(thrownText({ name: Symbol('n'), message: 'm' })).toBe('Error: m');
    expect(thrownText(Symbol('s'))).toBe('Error: a symbol');
    const hostile = Object.defineProperty({}, 'message', { get: () => { throw new Error('no'); } });
    expect(thrownText(hostile)).toBe('Error: a thrown object whose name or message cannot be read');
    expect(thrownText(new Proxy({}, { get: () => { throw new Error('no'); } }))).toBe('Error: a thrown object whose name or message cannot be read');
  });

  test('shown never calls the value', () => {
    expect(shown({ toString: () => { throw new Error('called'); } })).toBe('an object');
    expect(shown('x'.repeat(50))).toBe(`"${'x'.repeat(40)}…"`);
    expect(shown(3n)).toBe('the BigInt 3n');
  });
});
