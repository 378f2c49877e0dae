import type { TimerMessage } from '../schemas/index.ts';
import type { ActorAddress } from './actor.ts';
import { DueQueue } from './due-queue.ts';
import type { ScheduledTimer } from './test-driver.ts';

/**
 * The test driver's one simulated clock, following event time, and the timers of every actor on
 * it. A timer fires (through `fire`, which also delivers what it caused) before any input whose
 * time is later than its `at`; event time never moves back.
 */
export class SimulatedClock {
  private readonly timers = new DueQueue<ScheduledTimer>();
  private timerSeq = 0;

  constructor(
    /** Current event time: the latest input `ts`, `advanceTo` target or fired timer's `at`. */
    public now: number,
    private readonly fire: (t: ScheduledTimer) => void,
  ) {}

  /** Queues a timer; among timers due at the same `at`, the earlier scheduled fires first. */
  schedule(owner: ActorAddress, at: number, timer: TimerMessage): ScheduledTimer {
    const t: ScheduledTimer = { owner, at, timer, seq: this.timerSeq++ };
    this.timers.push(at, t.seq, t);
    return t;
  }

  /**
   * Timers due strictly before an input's time fire first (an input at exactly `at` is on time),
   * including timers an actor scheduled in the past; then the clock moves to the input's time.
   */
  reach(ts: number): void {
    this.fireTimers(ts, false);
    if (ts > this.now) this.now = ts;
  }

  /** Lets event time reach `toTs`: every timer with `at ≤ toTs` fires, in order of `at`, then of scheduling. */
  advanceTo(toTs: number): void {
    this.fireTimers(toTs, true);
    if (toTs > this.now) this.now = toTs;
  }

  /** Timers not fired yet, in firing order. */
  pendingTimers(): ScheduledTimer[] {
    return this.timers.sorted();
  }

  /** Fires timers due before `limit` (or at it, when `inclusive`), each followed by its cascade. */
  private fireTimers(limit: number, inclusive: boolean): void {
    for (let t = this.timers.popDueBefore(limit, inclusive); t; t = this.timers.popDueBefore(limit, inclusive)) {
      if (t.at > this.now) this.now = t.at;
      this.fire(t);
    }
  }
}
