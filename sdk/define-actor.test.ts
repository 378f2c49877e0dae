import { describe, expect, test } from 'bun:test';
import { defineActor } from './define-actor.ts';

const base = { type: 'cart_watch', source: { topic: 'user_events', events: [] }, initial: () => ({}), handle: (state: object) => ({ state, effects: [] }) };

describe('defineActor: eventTimeSenders', () => {
  test('is carried onto the definition', () => {
    expect(defineActor({ ...base, eventTimeSenders: ['order'] }).eventTimeSenders).toEqual(['order']);
    expect(defineActor(base).eventTimeSenders).toBeUndefined();
  });

  test('refuses a name that is no actor type, and the actor itself', () => {
    expect(() => defineActor({ ...base, eventTimeSenders: ['Order!'] })).toThrow(/not an actor type name/);
    expect(() => defineActor({ ...base, eventTimeSenders: ['cart_watch'] })).toThrow(/cannot name the actor itself/);
  });
});

describe('defineActor: sendsOn', () => {
  const watching = { ...base, source: { topic: 'user_events', events: ['cart_item_added'] } };

  test('is carried onto the definition', () => {
    expect(defineActor({ ...watching, sendsOn: { cart_item_added: ['sku'] } }).sendsOn).toEqual({ cart_item_added: ['sku'] });
    expect(defineActor(watching).sendsOn).toBeUndefined();
  });

  test('refuses an event type the actor does not handle, and a name that is no actor type', () => {
    expect(() => defineActor({ ...watching, sendsOn: { page_viewed: ['sku'] } })).toThrow(/sendsOn names 'page_viewed', which it does not handle/);
    expect(() => defineActor({ ...watching, sendsOn: { cart_item_added: ['Sku!'] } })).toThrow(/names 'Sku!', which is not an actor type name/);
  });
});

describe('defineActor fields', () => {
  // From plain JS a typo, or one of the engine's own hooks, was dropped without a word (found by review).
  test('a field it does not take is refused, naming it and the ones it takes', () => {
    expect(() => defineActor({ type: 'zz_fields', source: { topic: 'cart_events', events: [] }, initial: () => ({}), handle: (s: unknown) => ({ state: s, effects: [] }), awaitingTargets: () => [] } as never)).toThrow(
      "actor 'zz_fields': 'awaitingTargets' is not a field of defineActor (it takes type, source, stateVersion, initial, handle, migrate, view, readModel, aggregates, eventTimeSenders, awaiting, heldInOrder, sendsOn)",
    );
  });
});
