import type { ActorAddress, ActorContext, ActorDefinition, Transition } from '../actors/actor.ts';
import type { Aggregate, ReadModel } from '../actors/projection.ts';
import { eventSpecOf } from '../schemas/index.ts';
import type { EventDefinition } from './define-event.ts';
import { NAME_PATTERN, SdkError } from './sdk-error.ts';

/** An event as an actor sees it: validated, upcast to its newest version. */
export interface AnyEvent {
  id: string;
  type: string;
  v: number;
  ts: number;
  data: any;
}

/** What a module's actor receives: `E` its events (`typeof x.$event` unions), `M` its messages, `T` its timers. */
export type Input<E = AnyEvent, M = { type: string; cause: string; ts: number } & Record<string, any>, T = { type: string } & Record<string, any>> =
  | { kind: 'event'; event: E }
  | { kind: 'message'; from: ActorAddress; msg: M }
  | { kind: 'timer'; at: number; timer: T };

/** What a module writes to define an actor type; `E` is the union of its events (`typeof x.$event`). */
export interface ActorDeclaration<S, E = AnyEvent> {
  /** The entity type: lower_snake_case, unique; its inbox is `<app>.<type>.inbox`, its HTTP route /v1/entities/<type>/:key. */
  type: string;
  /** The source topic it owns and the event types it handles there (all on that topic, keyed by the entity key). */
  source: { topic: string; events: readonly (EventDefinition | string)[] };
  /** Bump when the state's shape changes, and lift older states in `migrate`. Default 1. */
  stateVersion?: number;
  initial(key: string): S;
  /** Pure: no I/O, no clock (use ctx.now, event time), no randomness, never mutating `state`. */
  handle(state: S, input: Input<E>, ctx: ActorContext): Transition<S>;
  /** Lifts a state written by version `fromVersion`; required once `stateVersion` > 1. */
  migrate?(state: unknown, fromVersion: number): S;
  /** The state as HTTP answers it, when that differs from what is stored. */
  view?(state: S): unknown;
  readModel?: ReadModel<S>;
  aggregates?: readonly Aggregate<S>[];
  /** See ActorDefinition.eventTimeSenders. */
  eventTimeSenders?: readonly string[];
  /** See ActorDefinition.awaiting: while true, its events and timers wait for its answers. */
  awaiting?(state: S): boolean;
  /** See ActorDefinition.heldInOrder. */
  heldInOrder?: readonly string[];
  /** See ActorDefinition.sendsOn: which actor types each named event type may send to. */
  sendsOn?: Readonly<Record<string, readonly string[]>>;
}

const DECLARATION_FIELDS: ReadonlySet<string> = new Set(['type', 'source', 'stateVersion', 'initial', 'handle', 'migrate', 'view', 'readModel', 'aggregates', 'eventTimeSenders', 'awaiting', 'heldInOrder', 'sendsOn']);

/**
 * Defines an actor type for the engine: checked here, so a module that cannot run fails at start-up
 * with the reason, never on the first event.
 *
 * @example
 * export const cart = defineActor<CartState>({ type: 'cart', source: { topic: 'cart_events', events: [cartUpdated] },
 *   initial: () => ({ items: 0 }), handle: (s, input, ctx) => ({ state: s, effects: [] }) });
 */
export function defineActor<S, E = AnyEvent>(d: ActorDeclaration<S, E>): ActorDefinition<S> {
  if (!NAME_PATTERN.test(d.type)) throw new SdkError(`actor type '${d.type}' must be lower_snake_case (a letter, then letters, digits or _; at most 64)`);
  // A field the SDK does not carry (a typo, or one of the engine's own hooks from plain JS) would
  // be dropped without a word, and the actor run without it.
  const unknown = Object.keys(d).filter((k) => !DECLARATION_FIELDS.has(k));
  if (unknown.length > 0) throw new SdkError(`actor '${d.type}': ${unknown.map((k) => `'${k}'`).join(', ')} ${unknown.length === 1 ? 'is not a field' : 'are not fields'} of defineActor (it takes ${[...DECLARATION_FIELDS].join(', ')})`);
  const stateVersion = d.stateVersion ?? 1;
  if (!Number.isInteger(stateVersion) || stateVersion < 1) throw new SdkError(`actor '${d.type}': stateVersion must be a positive integer`);
  if (stateVersion > 1 && !d.migrate) throw new SdkError(`actor '${d.type}': stateVersion ${stateVersion} needs migrate() for older states`);
  const eventTypes = d.source.events.map((e) => (typeof e === 'string' ? e : e.type));
  for (const t of eventTypes) {
    const spec = eventSpecOf(t);
    if (!spec) throw new SdkError(`actor '${d.type}' handles '${t}', which no module or the contract defines`);
    if (spec.topic !== d.source.topic) throw new SdkError(`actor '${d.type}' reads topic '${d.source.topic}', but '${t}' is produced to '${spec.topic}'`);
  }
  for (const s of d.eventTimeSenders ?? []) {
    if (!NAME_PATTERN.test(s)) throw new SdkError(`actor '${d.type}': eventTimeSenders names '${s}', which is not an actor type name`);
    if (s === d.type) throw new SdkError(`actor '${d.type}': eventTimeSenders cannot name the actor itself (a merge would wait for its own clock)`);
  }
  for (const [event, types] of Object.entries(d.sendsOn ?? {})) {
    if (!eventTypes.includes(event)) throw new SdkError(`actor '${d.type}': sendsOn names '${event}', which it does not handle`);
    for (const t of types) if (!NAME_PATTERN.test(t)) throw new SdkError(`actor '${d.type}': sendsOn['${event}'] names '${t}', which is not an actor type name`);
  }
  const migrate = d.migrate ?? ((state: unknown, from: number) => {
    if (from === stateVersion) return state as S;
    throw new SdkError(`actor '${d.type}' has no migrate() for state version ${from}`);
  });
  return {
    type: d.type, sourceTopic: d.source.topic, eventTypes, stateVersion,
    initial: d.initial, handle: d.handle as unknown as ActorDefinition<S>['handle'], migrate,
    ...(d.view ? { view: d.view } : {}), ...(d.readModel ? { readModel: d.readModel } : {}), ...(d.aggregates ? { aggregates: d.aggregates } : {}),
    ...(d.eventTimeSenders ? { eventTimeSenders: d.eventTimeSenders } : {}),
    ...(d.awaiting ? { awaiting: d.awaiting } : {}),
    ...(d.heldInOrder ? { heldInOrder: d.heldInOrder } : {}),
    ...(d.sendsOn ? { sendsOn: d.sendsOn } : {}),
  };
}
