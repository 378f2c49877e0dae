import { describe, expect, test } from 'bun:test';
import { createUserActor } from '../user.ts';
import { MINUTE, SECOND, T0, authorized, declined, harness } from './test-inputs.ts';

// docs/domain-rules.md: velocity fires on a payment attempt when ≥ 5 attempts have ts in
// (now − 10 min, now]; severity warning; once per burst.

describe('velocity', () => {
  test('the 5th attempt within 10 minutes raises one alert naming all five', () => {
    const user = harness();
    const early = user.feed(
      authorized('p1', T0),
      declined('p2', T0 + 63 * SECOND),
      authorized('p3', T0 + 126 * SECOND),
      declined('p4', T0 + 189 * SECOND),
    );
    expect(early).toEqual([]);
    const [alert, ...more] = user.feed(authorized('p5', T0 + 252 * SECOND));
    expect(more).toEqual([]);
    expect(alert).toEqual({
      id: 'user/u1/velocity/p5',
      type: 'velocity',
      entityType: 'user',
      entityKey: 'u1',
      severity: 'warning',
      ts: T0 + 252 * SECOND,
      detectedAt: T0 + 252 * SECOND,
      reasons: ['p1', 'p2', 'p3', 'p4', 'p5'],
      details: {
        summary: '5 payment attempts within 4m12s (threshold: 5 within 10m)',
        count: 5,
        spanMs: 252_000,
        threshold: 5,
        windowMs: 600_000,
      },
    });
  });

  test('4 attempts within 10 minutes do not alert', () => {
    const user = harness();
    user.feed(authorized('p1', T0), authorized('p2', T0 + MINUTE), authorized('p3', T0 + 2 * MINUTE), authorized('p4', T0 + 3 * MINUTE));
    expect(user.alerts).toEqual([]);
  });

  test('an attempt exactly 10 minutes before now is outside the window', () => {
    const user = harness();
    user.feed(
      authorized('p1', T0),
      authorized('p2', T0 + MINUTE),
      authorized('p3', T0 + 2 * MINUTE),
      authorized('p4', T0 + 3 * MINUTE),
      authorized('p5', T0 + 10 * MINUTE),
    );
    expect(user.alerts).toEqual([]);
  });

  test('an attempt 10 minutes minus 1 ms before now is inside the window', () => {
    const user = harness();
    user.feed(authorized('p1', T0), authorized('p2', T0 + MINUTE), authorized('p3', T0 + 2 * MINUTE), authorized('p4', T0 + 3 * MINUTE));
    const [alert] = user.feed(authorized('p5', T0 + 10 * MINUTE - 1));
    expect(alert?.reasons).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(alert?.details.summary).toBe('5 payment attempts within 9m59.999s (threshold: 5 within 10m)');
  });

  test('a burst of 8 attempts raises one alert; after the window drains, a new burst alerts again', () => {
    const user = harness();
    for (let i = 1; i <= 8; i++) user.feed(authorized(`a${i}`, T0 + i * 30 * SECOND));
    expect(user.alerts.map((a) => a.id)).toEqual(['user/u1/velocity/a5']);
    // The first burst ends at T0 + 4m; 20 minutes later its attempts have all left the window.
    for (let i = 1; i <= 6; i++) user.feed(authorized(`b${i}`, T0 + 24 * MINUTE + i * SECOND));
    expect(user.alerts.map((a) => a.id)).toEqual(['user/u1/velocity/a5', 'user/u1/velocity/b5']);
    expect(user.alerts[1]?.reasons).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
  });

  test('a burst alerts again once the window held fewer than 5 and reaches 5 again', () => {
    const user = harness();
    for (let i = 0; i < 5; i++) user.feed(authorized(`p${i}`, T0 + i * MINUTE));
    // At T0 + 10m30s p0 has left: the window holds p1..p4 (4), and the new attempt makes 5 again.
    user.feed(authorized('p5', T0 + 10 * MINUTE + 30 * SECOND));
    expect(user.alerts.map((a) => a.id)).toEqual(['user/u1/velocity/p4', 'user/u1/velocity/p5']);
    expect(user.alerts[1]?.reasons).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  test('an attempt that arrives after a later one is counted in its window, once, under the id event-time order gives', () => {
    const user = harness();
    // Payments reach the user from many order partitions: p4 arrives after p5.
    user.feed(authorized('p1', T0 + MINUTE), authorized('p2', T0 + 2 * MINUTE), authorized('p3', T0 + 3 * MINUTE));
    user.feed(authorized('p5', T0 + 5 * MINUTE));
    expect(user.alerts).toEqual([]);
    const [alert] = user.feed(authorized('p4', T0 + 4 * MINUTE));
    // In event-time order p5 is the attempt that completes the burst (p1..p5 is the first set of 5
    // within 10m): the id must not depend on which partition delivered first.
    expect(alert?.id).toBe('user/u1/velocity/p5');
    expect(alert?.reasons).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    // Another late attempt of the same burst does not alert it a second time.
    user.feed(authorized('p4b', T0 + 4 * MINUTE + SECOND), authorized('p6', T0 + 6 * MINUTE));
    expect(user.alerts).toHaveLength(1);
  });

  test('thresholds are configurable', () => {
    const user = harness(createUserActor({ velocity: { attempts: 3, windowMs: 2 * MINUTE } }));
    user.feed(authorized('p1', T0), authorized('p2', T0 + MINUTE), authorized('p3', T0 + 2 * MINUTE));
    expect(user.alerts).toEqual([]);
    const [alert] = user.feed(authorized('p4', T0 + 2 * MINUTE + SECOND));
    expect(alert?.reasons).toEqual(['p2', 'p3', 'p4']);
    expect(alert?.details.summary).toBe('3 payment attempts within 1m1s (threshold: 3 within 2m)');
  });
});
