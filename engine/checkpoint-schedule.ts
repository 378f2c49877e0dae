/**
 * When checkpoint passes start (issue #19: event→durable at low and moderate load).
 *
 * A fixed timer made every record wait for the next tick, up to a whole interval, however cheap
 * passes were. Measured (bench/README "Checkpoints as often as they are cheap"), a 50 ms interval
 * halved event→durable p99 at 2,000 events/s (119 against 273 ms), but at 8,000 events/s it raised
 * it (608 against 348 ms): each pass costs the processor and Postgres a fixed share (a statement
 * per table and shard, a relay round), which at that rate took the cores the records needed. No
 * fixed interval serves both.
 *
 * So a pass starts as soon as both hold:
 *   - `minIntervalMs` has passed since the previous pass started;
 *   - as long as the previous pass took has passed since it ended (passes fill at most half the
 *     time while the schedule adapts: a pass's length is what it costs, read on the busiest
 *     resource of the moment, be it the processor, Postgres or the broker);
 * and at the latest `intervalMs` after the previous pass started (today's timer: never later).
 * A pass with nothing to commit does not speed the schedule up: when no shard applied anything
 * since, the next pass waits for the full interval, so an idle processor passes as rarely as before.
 */
export interface CheckpointSchedule {
  /** The longest from one pass's start to the next's (the configured checkpoint interval). */
  intervalMs: number;
  /** The shortest from one pass's start to the next's; `intervalMs` gives the fixed timer. */
  minIntervalMs: number;
}

/** A pass's start and end, `performance.now()` ms. */
export interface PassTimes {
  startedAt: number;
  endedAt: number;
}

/** The earliest and the latest start of the next pass (see above): the next pass starts at `earliest` if work is waiting then, else at `latest`. */
export function nextPassWindow(pass: PassTimes, s: CheckpointSchedule): { earliest: number; latest: number } {
  const latest = Math.max(pass.endedAt, pass.startedAt + s.intervalMs);
  const took = pass.endedAt - pass.startedAt;
  const cheapEnough = Math.max(pass.endedAt + took, pass.startedAt + s.minIntervalMs);
  return { earliest: Math.min(latest, cheapEnough), latest };
}

/** The default shortest interval: a quarter of the interval (50 ms at the default 200 ms). */
export function defaultMinIntervalMs(intervalMs: number): number {
  return Math.max(1, Math.floor(intervalMs / 4));
}

export interface ScheduledPasses {
  /** No pass is started from here on (one under way goes on). */
  stop(): void;
}

/** Time as the schedule reads and waits for it; the real one by default, a fake one in tests. */
export interface ScheduleClock {
  now(): number;
  after(ms: number, then: () => void): () => void;
}

const REAL_CLOCK: ScheduleClock = {
  now: () => performance.now(),
  after(ms, then) {
    const t = setTimeout(then, ms);
    return () => clearTimeout(t);
  },
};

/**
 * Runs `pass` on the schedule above until stopped, the first one an interval from now. `hasWork`
 * says whether some shard applied anything since its last checkpoint. A pass that fails is
 * reported to `onError` and the schedule goes on (the next pass retries what it left).
 */
export function schedulePasses(
  pass: () => Promise<void>,
  hasWork: () => boolean,
  s: CheckpointSchedule,
  onError: (e: unknown) => void,
  clock: ScheduleClock = REAL_CLOCK,
): ScheduledPasses {
  let cancel: (() => void) | undefined;
  let stopped = false;
  const at = (time: number, then: () => void) => {
    if (!stopped) cancel = clock.after(Math.max(0, time - clock.now()), then);
  };
  const run = async () => {
    if (stopped) return;
    const startedAt = clock.now();
    await pass().catch(onError);
    const { earliest, latest } = nextPassWindow({ startedAt, endedAt: clock.now() }, s);
    at(earliest, () => (earliest >= latest || hasWork() ? void run() : at(latest, () => void run())));
  };
  at(clock.now() + s.intervalMs, () => void run());
  return {
    stop() {
      stopped = true;
      cancel?.();
    },
  };
}
