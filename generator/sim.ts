import type { DomainEvent, EventData, EventOfType, EventType } from '../schemas/index.ts';
import type { FraudPattern } from './ground-truth.ts';
import type { ResolvedOptions } from './options.ts';
import type { Rng } from './random.ts';
import type { World } from './world.ts';

/**
 * The simulation's building block. Every behaviour (a customer session, an order's life, a fraud
 * pattern, a restock) is a generator function, a "process" in the discrete-event sense:
 * it yields an event to emit it now, or a number of milliseconds to sleep. The scheduler resumes
 * whichever process is due next, so the stream comes out in event-time order however many
 * behaviours overlap. After an emitted event the process is resumed with that event (id and ts set).
 * Any object with that `next` is a process too: the ones an order outlives its checkout with, held
 * by the thousand for hours, are small state machines (order-life.ts), since a suspended generator
 * keeps its whole frame.
 */
export interface Process {
  next(last: DomainEvent): IteratorResult<Step, void>;
}
export type Step = number | DomainEvent | Trigger;

/** Emits `event` and records it as the trigger of an expected fraud alert. */
export class Trigger {
  constructor(
    readonly event: DomainEvent,
    readonly pattern: FraudPattern,
    readonly userKey: string,
    /** Event time of the pattern's first event. */
    readonly fromTs: number,
  ) {}
}

/** What a process may use: randomness, the world, the current event time, and spawning. */
export interface Sim {
  readonly rng: Rng;
  readonly world: World;
  readonly opts: ResolvedOptions;
  /** Event time at which the running process was resumed. */
  readonly now: number;
  /** Starts `process` at event time `at` (default: now). */
  spawn(process: Process, at?: number): void;
  /** A new unique order id. */
  nextOrderId(): string;
}

/**
 * An event of the newest version, with id and ts left for the scheduler to stamp at emission.
 * @example yield draft('page_viewed', { userId: 'u-000001', path: '/' });
 */
export function draft<T extends EventType>(type: T, data: EventData<T>): EventOfType<T> {
  return { id: '', type, v: type === 'order_placed' ? 2 : 1, ts: 0, data } as EventOfType<T>;
}

/** A think time between two clicks: log-normal around `median` ms, clamped to [min, max]. */
export function think(rng: Rng, median = 15_000, min = 2_000, max = 120_000): number {
  return Math.round(Math.min(max, Math.max(min, rng.lognormal(median, 0.7))));
}

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Default payment timeout of the order actor (docs/domain-rules.md). */
export const PAYMENT_TIMEOUT = 15 * MINUTE;
