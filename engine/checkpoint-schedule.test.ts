import { describe, expect, test } from 'bun:test';
import { defaultMinIntervalMs, nextPassWindow, schedulePasses, type ScheduleClock } from './checkpoint-schedule.ts';

const S = { intervalMs: 200, minIntervalMs: 50 };

describe('nextPassWindow', () => {
  test('a cheap pass: the next may start once the shortest interval has passed since it started', () => {
    expect(nextPassWindow({ startedAt: 1_000, endedAt: 1_010 }, S)).toEqual({ earliest: 1_050, latest: 1_200 });
  });

  test('a dearer pass: the next waits as long again as it took, after it ended', () => {
    expect(nextPassWindow({ startedAt: 1_000, endedAt: 1_060 }, S)).toEqual({ earliest: 1_120, latest: 1_200 });
  });

  test('never later than an interval after the start, as the fixed timer', () => {
    expect(nextPassWindow({ startedAt: 1_000, endedAt: 1_150 }, S)).toEqual({ earliest: 1_200, latest: 1_200 });
  });

  test('a pass longer than the interval (a backlog) is followed at once, as before', () => {
    expect(nextPassWindow({ startedAt: 1_000, endedAt: 3_500 }, S)).toEqual({ earliest: 3_500, latest: 3_500 });
  });

  test('the shortest interval equal to the interval is the fixed timer', () => {
    expect(nextPassWindow({ startedAt: 1_000, endedAt: 1_010 }, { intervalMs: 200, minIntervalMs: 200 })).toEqual({ earliest: 1_200, latest: 1_200 });
  });

  test('the default shortest interval is a quarter of the interval', () => {
    expect(defaultMinIntervalMs(200)).toBe(50);
    expect(defaultMinIntervalMs(4_000)).toBe(1_000);
    expect(defaultMinIntervalMs(2)).toBe(1);
  });
});

/** A clock that moves only when told: timers fire in time order as it advances. */
function fakeClock(): ScheduleClock & { advance(ms: number): Promise<void> } {
  let now = 0;
  let timers: { at: number; then: () => void }[] = [];
  return {
    now: () => now,
    after(ms, then) {
      const t = { at: now + ms, then };
      timers.push(t);
      return () => void (timers = timers.filter((x) => x !== t));
    },
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((t) => t !== next);
        now = next.at;
        next.then();
        // Let the pass's promise chain run before the next timer.
        for (let i = 0; i < 10; i++) await Promise.resolve();
      }
      now = end;
    },
  };
}

describe('schedulePasses', () => {
  /** Passes that take `tookMs` on the fake clock; returns their start times. */
  function passesOf(clock: ReturnType<typeof fakeClock>, tookMs: number) {
    const starts: number[] = [];
    const pass = async () => {
      starts.push(clock.now());
      await new Promise<void>((resolve) => clock.after(tookMs, resolve));
    };
    return { starts, pass };
  }

  test('with work waiting, cheap passes run every shortest interval; the first one an interval after start', async () => {
    const clock = fakeClock();
    const { starts, pass } = passesOf(clock, 10);
    const s = schedulePasses(pass, () => true, S, () => {}, clock);
    await clock.advance(500);
    s.stop();
    expect(starts).toEqual([200, 250, 300, 350, 400, 450, 500]);
  });

  test('with nothing applied since, a pass waits for the full interval (an idle processor passes as rarely as before)', async () => {
    const clock = fakeClock();
    const { starts, pass } = passesOf(clock, 10);
    const s = schedulePasses(pass, () => false, S, () => {}, clock);
    await clock.advance(700);
    s.stop();
    expect(starts).toEqual([200, 400, 600]);
  });

  test('work that comes in after the earliest start waits for the latest (today\'s tick), not longer', async () => {
    const clock = fakeClock();
    let work = false;
    const { starts, pass } = passesOf(clock, 10);
    const s = schedulePasses(pass, () => work, S, () => {}, clock);
    await clock.advance(260); // the pass at 200; at 250 nothing waits
    work = true;
    await clock.advance(240);
    s.stop();
    expect(starts).toEqual([200, 400, 450, 500]);
  });

  test('a failed pass is reported and the schedule goes on; stop ends it', async () => {
    const clock = fakeClock();
    const errors: unknown[] = [];
    let calls = 0;
    const s = schedulePasses(async () => {
      calls++;
      throw new Error('Postgres went away');
    }, () => true, S, (e) => errors.push(e), clock);
    await clock.advance(300);
    expect(calls).toBe(3); // 200, 250, 300
    s.stop();
    await clock.advance(1_000);
    expect(calls).toBe(3);
    expect((errors[0] as Error).message).toBe('Postgres went away');
  });
});
