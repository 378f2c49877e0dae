import type { ActorMessage, Alert, DomainEvent, TimerMessage } from '../schemas/index.ts';
import type { ActorAddress, ActorDefinition, ActorInput, ActorType } from './actor.ts';
import { ActorCells } from './driver-cells.ts';
import { SimulatedClock } from './driver-clock.ts';
import { RecordedEffects } from './driver-effects.ts';
import { SendQueue } from './driver-sends.ts';

/**
 * A pure, in-memory driver for any set of actor types, like Kafka Streams' TopologyTestDriver:
 * feed events, read states and effects, no broker, no wall clock. One simulated clock follows
 * event time; timers fire before any input whose time is later than their `at`. It is the oracle
 * for the runtime's tests and a benchmark driver, so storage is Maps and timers a binary heap.
 * Handler outcomes are interpreted by actors/apply-input.ts and timers queued in
 * actors/due-queue.ts, both shared with the runtime's shard: what stays here is the ordering.
 * The parts: actor states and quarantine (driver-cells.ts), event time and timers (driver-clock.ts),
 * sends waiting for delivery (driver-sends.ts) and the recorded effects (driver-effects.ts).
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

/** A source event of the contract, or of a type an actor module defines (its data as decoded). */
export type PipedEvent = DomainEvent | { id: string; type: string; v: number; ts: number; data: Record<string, unknown> };

export interface TestDriver {
  /** Current simulated event time: the latest `ts` or `advanceTime` target seen. */
  readonly clock: number;
  /** Feeds source events in order: fires due timers, routes by topic and type, applies, delivers sends. */
  pipe(events: PipedEvent | readonly PipedEvent[]): void;
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
  const clock = new SimulatedClock(opts.startTime ?? 0, fireTimer);
  const sends = new SendQueue((s) => cells.deliver(s), opts.maxCascade ?? 1_000_000);
  const effects = new RecordedEffects(opts.recordHistory !== false, sends, clock);
  const cells = new ActorCells(actors, opts.freezeStates === true, effects);

  /** Immediate mode delivers what an input caused before anything else happens; manual mode leaves it pending. */
  function settle(): void {
    if (!manual) sends.drain();
  }

  function fireTimer(t: ScheduledTimer): void {
    cells.apply(cells.cellOf(t.owner.type), t.owner.key, { kind: 'timer', at: t.at, timer: t.timer }, t.at);
    settle();
  }

  function pipeOne(event: DomainEvent): void {
    clock.reach(event.ts);
    if (cells.applyEvent(event)) settle();
  }

  return {
    get clock() {
      return clock.now;
    },
    pipe(events) {
      for (const e of Array.isArray(events) ? (events as readonly DomainEvent[]) : [events as DomainEvent]) pipeOne(e);
    },
    advanceTime(toTs) {
      clock.advanceTo(toTs);
    },
    send(from, to, msg) {
      clock.reach(msg.ts);
      const s: Send = { from, to, msg };
      effects.recordSent(s);
      cells.deliver(s);
      settle();
    },
    pendingSends: () => sends.pending(),
    deliver(index) {
      sends.deliverAt(index);
      settle();
    },
    deliverNext() {
      if (sends.size === 0) return false;
      sends.deliverAt(0);
      return true;
    },
    deliverAll: () => sends.drain(),
    redeliver(s) {
      cells.deliver({ from: s.from, to: s.to, msg: s.msg });
      settle();
    },
    seed: (type, key, state, fromVersion) => cells.seed(type, key, state, fromVersion),
    ...inspection(cells, effects, clock),
  };
}

type TestDriverInspection = Pick<TestDriver, 'state' | 'states' | 'alerts' | 'sent' | 'scheduled' | 'pendingTimers' | 'ignored' | 'undeliverable' | 'failures' | 'parked' | 'isQuarantined'>;

/** The read side of a driver: states, recorded effects, and what was not applied. */
function inspection(cells: ActorCells, effects: RecordedEffects, clock: SimulatedClock): TestDriverInspection {
  return {
    state: <S>(type: ActorType, key: string) => cells.cellOf(type).states.get(key) as S | undefined,
    states: <S>(type: ActorType) => cells.cellOf(type).states as ReadonlyMap<string, S>,
    alerts: () => effects.alerts,
    sent: () => effects.sent,
    scheduled: () => effects.scheduled,
    pendingTimers: () => clock.pendingTimers(),
    ignored: () => cells.ignored,
    undeliverable: () => cells.undeliverable,
    failures: () => cells.failures,
    parked: () => cells.parked,
    isQuarantined: (type, key) => cells.cellOf(type).quarantined.has(key),
  };
}
