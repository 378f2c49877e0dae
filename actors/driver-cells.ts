import { eventSpecOf, keyOf, type DomainEvent } from '../schemas/index.ts';
import type { ActorDefinition, ActorInput, ActorType } from './actor.ts';
import { applyInput, Quarantine, type EffectSink } from './apply-input.ts';
import type { Failure, ParkedInput, Send } from './test-driver.ts';

/** One actor type in the driver: its definition, the states of its keys, its quarantined keys and what its awaiting keys hold. */
export interface Cell {
  def: ActorDefinition<unknown>;
  states: Map<string, unknown>;
  quarantined: Set<string>;
  /** Events and timers of keys awaiting answers (ActorDefinition.awaiting), in arrival order, with their `now`. */
  held: Map<string, HeldInput[]>;
  /** The held inputs of `heldInOrder` types, over all keys, in arrival order. */
  inOrder: HeldInput[];
}

interface HeldInput {
  input: ActorInput;
  now: number;
}

function inOrder(cell: Cell, input: ActorInput): boolean {
  return input.kind === 'event' && cell.def.heldInOrder?.includes(input.event.type) === true;
}

/**
 * The test driver's actors: routes inputs to them, applies each to its key's state (its effects go
 * to `effects`), and keeps what could not be applied: handler failures (each quarantines its
 * actor), inputs parked at a quarantined actor, events no actor consumes, sends to no actor run here.
 */
export class ActorCells {
  readonly failures: Failure[] = [];
  readonly parked: ParkedInput[] = [];
  readonly undeliverable: Send[] = [];
  /** How many events no actor type consumes. */
  ignored = 0;
  private readonly cells: Map<ActorType, Cell>;
  private readonly routes: Map<string, Cell[]>;

  constructor(
    actors: readonly ActorDefinition<any>[],
    /** Deep-freeze every state handed to an actor, so a handler that mutates its input throws. */
    private readonly freeze: boolean,
    private readonly effects: EffectSink,
  ) {
    const { cells, routes } = buildRouting(actors);
    this.cells = cells;
    this.routes = routes;
  }

  cellOf(type: ActorType): Cell {
    const cell = this.cells.get(type);
    if (!cell) throw new Error(`no actor of type '${type}' in this driver (it runs: ${[...this.cells.keys()].join(', ')})`);
    return cell;
  }

  /** Applies a source event to every actor type consuming it; false when none does. */
  applyEvent(event: DomainEvent): boolean {
    const targets = this.routes.get(event.type);
    if (!targets) {
      this.ignored++;
      return false;
    }
    const key = keyOf(event);
    for (const cell of targets) this.apply(cell, key, { kind: 'event', event }, event.ts);
    return true;
  }

  /** Delivers a send to its addressee, or keeps it as undeliverable when no such actor type runs here. */
  deliver(s: Send): void {
    const cell = this.cells.get(s.to.type);
    if (!cell) this.undeliverable.push(s);
    else this.apply(cell, s.to.key, { kind: 'message', from: s.from, msg: s.msg }, s.msg.ts);
  }

  apply(cell: Cell, key: string, input: ActorInput, now: number): void {
    if (input.kind !== 'message' && this.mustHold(cell, key, input)) {
      const h = { input, now };
      cell.held.get(key)?.push(h) ?? cell.held.set(key, [h]);
      if (inOrder(cell, input)) cell.inOrder.push(h);
      return;
    }
    this.applyNow(cell, key, input, now);
    if (input.kind === 'message') this.applyHeld(cell, key);
  }

  private applyNow(cell: Cell, key: string, input: ActorInput, now: number): void {
    if (cell.quarantined.has(key)) {
      this.parked.push({ actor: { type: cell.def.type, key }, input });
      return;
    }
    let before = cell.states.get(key);
    if (before === undefined) before = this.freeze ? deepFreeze(cell.def.initial(key)) : cell.def.initial(key);
    const after = applyInput(cell.def, before, input, { key, now }, this.effects);
    if (after instanceof Quarantine) {
      cell.quarantined.add(key);
      this.failures.push({ actor: { type: cell.def.type, key }, input, error: after.error });
      return;
    }
    cell.states.set(key, this.freeze ? deepFreeze(after) : after);
  }

  /**
   * As the engine does (ActorDefinition.awaiting, engine/shard/awaiting-holds.ts): an entity
   * awaiting answers gets only messages, and inputs of `heldInOrder` types keep their order among
   * all entities. Delivering immediately, the driver answers within the cascade, so only manual
   * delivery (or an answer that never comes) makes it hold anything.
   */
  private mustHold(cell: Cell, key: string, input: ActorInput): boolean {
    if (!cell.def.awaiting || cell.quarantined.has(key)) return false;
    if (cell.held.has(key) || cell.def.awaiting(this.stateOf(cell, key))) return true;
    return inOrder(cell, input) && cell.inOrder.length > 0;
  }

  /** Applies what `key` holds while it does not await, then whatever the in-order queue lets go after it. */
  private applyHeld(cell: Cell, key: string): void {
    for (let next: string | undefined = key; next !== undefined; ) {
      let applied = 0;
      for (let list = cell.held.get(next); list && !cell.def.awaiting!(this.stateOf(cell, next)); list = cell.held.get(next)) {
        const h = list[0]!;
        if (inOrder(cell, h.input)) {
          if (cell.inOrder[0] !== h) break;
          cell.inOrder.shift();
        }
        list.shift();
        if (list.length === 0) cell.held.delete(next);
        this.applyNow(cell, next, h.input, h.now);
        applied++;
      }
      const head = cell.inOrder[0];
      const following = head === undefined ? undefined : [...cell.held].find(([, l]) => l.includes(head))?.[0];
      if (following === undefined || (following === next && applied === 0)) return;
      next = following;
    }
  }

  private stateOf(cell: Cell, key: string): unknown {
    const state = cell.states.get(key);
    return state === undefined ? cell.def.initial(key) : state;
  }

  /** Loads a checkpointed state, migrating it when `fromVersion` differs from the actor's `stateVersion`. */
  seed(type: ActorType, key: string, state: unknown, fromVersion?: number): void {
    const cell = this.cellOf(type);
    const v = fromVersion ?? cell.def.stateVersion;
    const s = v === cell.def.stateVersion ? state : cell.def.migrate(state, v);
    cell.states.set(key, this.freeze ? deepFreeze(s) : s);
  }
}

/** One cell per actor type, and the cells each event type goes to (checked against the registry). */
function buildRouting(actors: readonly ActorDefinition<any>[]): { cells: Map<ActorType, Cell>; routes: Map<string, Cell[]> } {
  const cells = new Map<ActorType, Cell>();
  const routes = new Map<string, Cell[]>();
  for (const def of actors) {
    if (cells.has(def.type)) throw new Error(`two actor definitions of type '${def.type}'`);
    const cell: Cell = { def, states: new Map(), quarantined: new Set(), held: new Map(), inOrder: [] };
    cells.set(def.type, cell);
    for (const type of def.eventTypes) {
      const spec = eventSpecOf(type);
      if (!spec) throw new Error(`actor '${def.type}' lists unknown event type '${type}'`);
      if (spec.topic !== def.sourceTopic) {
        throw new Error(`actor '${def.type}' lists '${type}' of topic '${spec.topic}', but its source topic is '${def.sourceTopic}'`);
      }
      const list = routes.get(type);
      if (list) list.push(cell);
      else routes.set(type, [cell]);
    }
  }
  return { cells, routes };
}

/** Freezes children before parents, so a frozen object met again (a state part carried over unchanged) is frozen throughout. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
