import { isEventType, keyOf, topicOf, type ActorMessage, type Alert, type DomainEvent, type TimerMessage } from '../schemas/index.ts';
import type { ActorAddress, ActorDefinition, ActorInput, ActorType } from './actor.ts';
import { applyInput, Quarantine, type EffectSink } from './apply-input.ts';
import { DueQueue } from './due-queue.ts';

/**
 * A pure, in-memory driver for any set of actor types, like Kafka Streams' TopologyTestDriver:
 * feed events, read states and effects, no broker, no wall clock. One simulated clock follows
 * event time; timers fire before any input whose time is later than their `at`. It is the oracle
 * for the runtime's tests and a benchmark driver, so storage is Maps and timers a binary heap.
 * Handler outcomes are interpreted by actors/apply-input.ts and timers queued in
 * actors/due-queue.ts, both shared with the runtime's shard: what stays here is the ordering.
 */
export interface TestDriverOptions {
  /** 'immediate' (default): sends are delivered breadth-first until quiescent after each input.
   * 'manual': sends wait in `pendingSends()` until the test delivers, reorders or duplicates them. */
  deliverSends?: 'immediate' | 'manual';
  /** Initial clock (event time, ms); default 0. */
  startTime?: number;
  /** Keep every send and schedule for `sent()` / `scheduled()`; default true. Benchmarks turn it off. */
  recordHistory?: boolean;
  /** Deep-freeze every state the driver hands to an actor, so a handler that mutates its input throws. */
  freezeStates?: boolean;
  /** Deliveries one drain may make before the driver calls it a message loop; default 1,000,000. */
  maxCascade?: number;
}

export interface Send {
  readonly from: ActorAddress;
  readonly to: ActorAddress;
  readonly msg: ActorMessage;
}

export interface ScheduledTimer {
  readonly owner: ActorAddress;
  readonly at: number;
  readonly timer: TimerMessage;
  /** Scheduling order, the tie-break between timers due at the same `at`. */
  readonly seq: number;
}

export interface ParkedInput {
  readonly actor: ActorAddress;
  readonly input: ActorInput;
}

export interface Failure extends ParkedInput {
  readonly error: unknown;
}

export interface TestDriver {
  /** Current simulated event time: the latest `ts` or `advanceTime` target seen. */
  readonly clock: number;
  /** Feeds source events in order: fires due timers, routes by topic and type, applies, delivers sends. */
  pipe(events: DomainEvent | readonly DomainEvent[]): void;
  /** Lets event time reach `toTs`: every timer with `at ≤ toTs` fires, in order of `at`, then of scheduling. */
  advanceTime(toTs: number): void;
  /** Delivers a message now as if `from` had sent it (recorded in `sent()`), e.g. to drive one actor alone. */
  send(from: ActorAddress, to: ActorAddress, msg: ActorMessage): void;
  /** Sends not yet delivered (manual mode), oldest first. */
  pendingSends(): readonly Send[];
  /** Delivers the pending send at `index` (0 = oldest); its own sends join the end of the queue. */
  deliver(index: number): void;
  /** Delivers the oldest pending send; false when none was pending. */
  deliverNext(): boolean;
  /** Delivers pending sends, and the sends they cause, until none is left; returns how many. */
  deliverAll(): number;
  /** Delivers a copy of a send again (a duplicate, as a broker redelivery would). */
  redeliver(send: Send): void;
  /** Loads a checkpointed state, migrating it when `fromVersion` differs from the actor's `stateVersion`. */
  seed(type: ActorType, key: string, state: unknown, fromVersion?: number): void;
  state<S = unknown>(type: ActorType, key: string): S | undefined;
  states<S = unknown>(type: ActorType): ReadonlyMap<string, S>;
  alerts(): readonly Alert[];
  sent(): readonly Send[];
  scheduled(): readonly ScheduledTimer[];
  /** Timers not fired yet, in firing order. */
  pendingTimers(): ScheduledTimer[];
  /** How many piped events no actor type consumes. */
  ignored(): number;
  /** Sends addressed to an actor type this driver does not run. */
  undeliverable(): readonly Send[];
  /** Handler exceptions; each quarantines its actor (type + key). */
  failures(): readonly Failure[];
  /** Inputs that reached a quarantined actor and were not applied. */
  parked(): readonly ParkedInput[];
  isQuarantined(type: ActorType, key: string): boolean;
}

/**
 * Creates a driver over any list of actor types (one definition per type).
 *
 * @example
 * const d = createTestDriver([skuActor, orderActor]);
 * d.pipe([stockReceived, orderPlaced]);
 * d.state<OrderState>('order', 'o-1')?.status; // 'reserved'
 */
export function createTestDriver(actors: readonly ActorDefinition<any>[], opts: TestDriverOptions = {}): TestDriver {
  const manual = opts.deliverSends === 'manual';
  const record = opts.recordHistory !== false;
  const freeze = opts.freezeStates === true;
  const maxCascade = opts.maxCascade ?? 1_000_000;
  const { cells, routes } = buildRouting(actors);
  const timers = new DueQueue<ScheduledTimer>();
  const queue: Send[] = [];
  let head = 0; // immediate mode consumes the queue by index: no O(n) shift per delivery
  const alerts: Alert[] = [], sent: Send[] = [], scheduled: ScheduledTimer[] = [];
  const failures: Failure[] = [], parked: ParkedInput[] = [], undeliverable: Send[] = [];
  let clock = opts.startTime ?? 0;
  let timerSeq = 0;
  let ignored = 0;

  function cellOf(type: ActorType): Cell {
    const cell = cells.get(type);
    if (!cell) throw new Error(`no actor of type '${type}' in this driver (it runs: ${[...cells.keys()].join(', ')})`);
    return cell;
  }

  /** Sends queue for delivery, alerts and timers are kept; each is recorded when history is on. */
  const effects: EffectSink = {
    send(from, to, msg) {
      const s: Send = { from, to, msg };
      if (record) sent.push(s);
      queue.push(s);
    },
    alert(_from, alert) {
      // detectedAt equals ts inside the driver (schemas/alert.ts); the runtime restamps it.
      alerts.push(alert.detectedAt === alert.ts ? alert : { ...alert, detectedAt: alert.ts });
    },
    schedule(owner, at, timer) {
      const t: ScheduledTimer = { owner, at, timer, seq: timerSeq++ };
      if (record) scheduled.push(t);
      timers.push(at, t.seq, t);
    },
  };

  function apply(cell: Cell, key: string, input: ActorInput, now: number): void {
    if (cell.quarantined.has(key)) {
      parked.push({ actor: { type: cell.def.type, key }, input });
      return;
    }
    let before = cell.states.get(key);
    if (before === undefined) before = freeze ? deepFreeze(cell.def.initial(key)) : cell.def.initial(key);
    const after = applyInput(cell.def, before, input, { key, now }, effects);
    if (after instanceof Quarantine) {
      cell.quarantined.add(key);
      failures.push({ actor: { type: cell.def.type, key }, input, error: after.error });
      return;
    }
    cell.states.set(key, freeze ? deepFreeze(after) : after);
  }

  function deliverOne(s: Send): void {
    const cell = cells.get(s.to.type);
    if (!cell) undeliverable.push(s);
    else apply(cell, s.to.key, { kind: 'message', from: s.from, msg: s.msg }, s.msg.ts);
  }

  /** Breadth-first: sends caused by a delivery queue behind every send already waiting. */
  function drain(): number {
    let n = 0;
    while (head < queue.length) {
      if (++n > maxCascade) throw new Error(`sends did not settle after ${maxCascade} deliveries: a message loop between actors?`);
      deliverOne(queue[head++]!);
    }
    queue.length = 0;
    head = 0;
    return n;
  }

  /** Fires timers due before `limit` (or at it, when `inclusive`), each followed by its cascade. */
  function fireTimers(limit: number, inclusive: boolean): void {
    for (let t = timers.popDueBefore(limit, inclusive); t; t = timers.popDueBefore(limit, inclusive)) {
      if (t.at > clock) clock = t.at;
      apply(cellOf(t.owner.type), t.owner.key, { kind: 'timer', at: t.at, timer: t.timer }, t.at);
      if (!manual) drain();
    }
  }

  /**
   * Timers due strictly before an input's time fire first (an input at exactly `at` is on time),
   * including timers an actor scheduled in the past; then the clock moves to the input's time.
   */
  function reach(ts: number): void {
    fireTimers(ts, false);
    if (ts > clock) clock = ts;
  }

  function pipeOne(event: DomainEvent): void {
    reach(event.ts);
    const targets = routes.get(event.type);
    if (!targets) {
      ignored++;
      return;
    }
    const key = keyOf(event);
    for (const cell of targets) apply(cell, key, { kind: 'event', event }, event.ts);
    if (!manual) drain();
  }

  function deliverAt(index: number): void {
    const s = queue[head + index];
    if (s === undefined) throw new RangeError(`no pending send at index ${index} (${queue.length - head} pending)`);
    queue.splice(head + index, 1);
    deliverOne(s);
  }

  return {
    get clock() {
      return clock;
    },
    pipe(events) {
      for (const e of Array.isArray(events) ? (events as readonly DomainEvent[]) : [events as DomainEvent]) pipeOne(e);
    },
    advanceTime(toTs) {
      fireTimers(toTs, true);
      if (toTs > clock) clock = toTs;
    },
    send(from, to, msg) {
      reach(msg.ts);
      const s: Send = { from, to, msg };
      if (record) sent.push(s);
      deliverOne(s);
      if (!manual) drain();
    },
    pendingSends: () => queue.slice(head),
    deliver(index) {
      deliverAt(index);
      if (!manual) drain();
    },
    deliverNext() {
      if (head === queue.length) return false;
      deliverAt(0);
      return true;
    },
    deliverAll: drain,
    redeliver(s) {
      deliverOne({ from: s.from, to: s.to, msg: s.msg });
      if (!manual) drain();
    },
    seed(type, key, state, fromVersion) {
      const cell = cellOf(type);
      const v = fromVersion ?? cell.def.stateVersion;
      const s = v === cell.def.stateVersion ? state : cell.def.migrate(state, v);
      cell.states.set(key, freeze ? deepFreeze(s) : s);
    },
    state: <S>(type: ActorType, key: string) => cellOf(type).states.get(key) as S | undefined,
    states: <S>(type: ActorType) => cellOf(type).states as ReadonlyMap<string, S>,
    alerts: () => alerts,
    sent: () => sent,
    scheduled: () => scheduled,
    pendingTimers: () => timers.sorted(),
    ignored: () => ignored,
    undeliverable: () => undeliverable,
    failures: () => failures,
    parked: () => parked,
    isQuarantined: (type, key) => cellOf(type).quarantined.has(key),
  };
}

interface Cell {
  def: ActorDefinition<unknown>;
  states: Map<string, unknown>;
  quarantined: Set<string>;
}

/** One cell per actor type, and the cells each event type goes to (checked against the registry). */
function buildRouting(actors: readonly ActorDefinition<any>[]): { cells: Map<ActorType, Cell>; routes: Map<string, Cell[]> } {
  const cells = new Map<ActorType, Cell>();
  const routes = new Map<string, Cell[]>();
  for (const def of actors) {
    if (cells.has(def.type)) throw new Error(`two actor definitions of type '${def.type}'`);
    const cell: Cell = { def, states: new Map(), quarantined: new Set() };
    cells.set(def.type, cell);
    for (const type of def.eventTypes) {
      if (!isEventType(type)) throw new Error(`actor '${def.type}' lists unknown event type '${type}'`);
      if (topicOf(type) !== def.sourceTopic) {
        throw new Error(`actor '${def.type}' lists '${type}' of topic '${topicOf(type)}', but its source topic is '${def.sourceTopic}'`);
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
