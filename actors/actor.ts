import type { ActorMessage, Alert, DomainEvent, EntityType, EventType, SourceTopic, TimerMessage } from '../schemas/index.ts';
import type { Aggregate, ReadModel } from './projection.ts';

/**
 * The actor contract. An actor type is a plain module of pure functions: it never imports kafkajs,
 * postgres, hono or the clock, never draws random numbers, and never mutates its input state.
 * The runtime (or the pure test driver) feeds it inputs in key order and carries out the effects
 * it returns after the resulting state is durable.
 */

export type ActorType = EntityType;

/** What an actor can receive: a source event, a message from another actor, or its own timer. */
export type ActorInput<E extends DomainEvent = DomainEvent, M extends ActorMessage = ActorMessage, T extends TimerMessage = TimerMessage> =
  | { kind: 'event'; event: E }
  | { kind: 'message'; from: ActorAddress; msg: M }
  | { kind: 'timer'; at: number; timer: T };

export interface ActorAddress {
  type: ActorType;
  key: string;
}

/** Effects are data. The runtime runs them in order, after commit, at most once. */
export type Effect =
  | { kind: 'send'; to: ActorAddress; msg: ActorMessage }
  | { kind: 'alert'; alert: Alert }
  | { kind: 'schedule'; at: number; timer: TimerMessage };

export interface Transition<S> {
  state: S;
  effects: Effect[];
}

/**
 * The narrow context of one handler call. `now` is event time: the `ts` of the event, of the
 * event behind a message, or the timer's due time. There is no wall clock in an actor.
 */
export interface ActorContext {
  key: string;
  now: number;
}

/**
 * One actor type. `stateVersion` is written beside every checkpointed state; `migrate` lifts a
 * state written by an older version to the current shape when it is loaded.
 */
export interface ActorDefinition<S = unknown> {
  readonly type: ActorType;
  /** The source topic whose events this actor type owns (keyed by its entity key): a contract topic or one a module defines. */
  readonly sourceTopic: SourceTopic | (string & {});
  /** Source event types it handles; other types on its topic are not routed to it. */
  readonly eventTypes: readonly (EventType | (string & {}))[];
  readonly stateVersion: number;
  initial(key: string): S;
  handle(state: S, input: ActorInput, ctx: ActorContext): Transition<S>;
  migrate(state: unknown, fromVersion: number): S;
  /**
   * The state as the HTTP API answers it, when it differs from what is stored: fields the contract
   * names that are derived rather than kept (a SKU's `available`). Pure. Default: the state itself.
   */
  view?(state: S): unknown;
  /** The typed table its states are projected to (actors/projection.ts); written with each checkpoint. */
  readonly readModel?: ReadModel<S>;
  /** The per-minute aggregates its inputs add to; written with each checkpoint. */
  readonly aggregates?: readonly Aggregate<S>[];
  /**
   * The actor types whose messages this one is given in event-time order, merged with its own
   * source events, as the test driver gives them (docs/determinism.md), when the processor merges
   * (`eventTimeMerge`). What they send while handling their own source events and timers takes its
   * place; a send caused by a message is applied on arrival, unless the sender names its receiver
   * in `awaitingTargets` (the order does, for its release after a refused line). They must not
   * merge their own inputs from this type: the merge waits for its senders and would deadlock on a
   * cycle.
   */
  readonly eventTimeSenders?: readonly ActorType[];
  /**
   * True while the entity waits for answers to messages it sent (an order for its stock
   * reservations). Meanwhile the engine holds its source events and timers, applies only its
   * messages, and applies what it held, in order and each at its own place, once this is false —
   * as the test driver sees it, where answers come before anything later (docs/determinism.md
   * "Entities that await answers"). Pure; it must turn false only on a message. Default: never.
   * A shard's messages to types that merge in event time (`eventTimeSenders`) must leave in its
   * source partition's order: name the event types that send to them in `heldInOrder`.
   */
  awaiting?(state: S): boolean;
  /**
   * Event types held like the rest while the entity awaits, and also kept in their partition's
   * order among all entities: while one is held, every later one is held too and they apply in the
   * order they came (an order's payments, whose facts go to the user and sku_affinity merges).
   */
  readonly heldInOrder?: readonly string[];
  /**
   * For source event types that send to some actor types only: the types each may send to (an
   * order's payments go to users and sku_affinity, never to SKUs). An input held while its entity
   * awaits answers will send under its own key once applied, so it stops its shard's promise to
   * the merging types it may send to — and only to those: a held payment must not stop the SKUs'
   * merge behind it. A send outside what is named fails the input. Event types not named, and
   * timers, may send to any type.
   */
  readonly sendsOn?: Readonly<Record<string, readonly ActorType[]>>;
  /**
   * The entities an input held while this entity awaits answers may send to once it is applied (an
   * order's cancellation, shipment or timer: its lines' SKUs). The engine tells those of types
   * that merge in event time to hold what comes after the input until it is applied, and then hands
   * them what it sent at its place (docs/determinism.md "Built: hold notices"): without this, a
   * later message of the same shard (another order's reserve) can reach them first. Pure. Naming
   * more than it sends costs a short wait; naming fewer lets those receivers apply later inputs
   * first, as before. Default: none.
   */
  heldInputTargets?(state: S, input: ActorInput): readonly ActorAddress[];
  /**
   * The entities the answers this entity now awaits may still make it send to (an order of several
   * lines: its lines' SKUs, since a refused line makes it give the others back). Asked when an input
   * makes the entity start awaiting. The engine tells those of types that merge in event time to
   * hold what comes after that input until the wait ends, and hands them what the message that ends
   * it sent them at that input's place — as the test driver has it, where the answers come before
   * anything later (docs/determinism.md "Built: answer notices"). Pure. Default: none.
   */
  awaitingTargets?(state: S): readonly ActorAddress[];
  /**
   * A receiver's way past its hold notices: true when `input`'s effects, and what it changes of the
   * state, are the same whether or not the messages an open notice may still bring come before it
   * (for a SKU: releases and commits of units it holds). The engine then applies it at once rather
   * than holding it until the notice settles, as long as the entity holds nothing yet (what is held
   * keeps its order). Pure. Answering true where it is not so makes runs differ from the driver;
   * false only waits. Default: always wait.
   */
  aheadOfNotices?(state: S, input: ActorInput): boolean;
}

/** A transition that changes nothing. */
export function unchanged<S>(state: S): Transition<S> {
  return { state, effects: [] };
}
