import { describe, expect, test } from 'bun:test';
import { mergeMaxWait } from './merge-wait.ts';

describe('mergeMaxWait', () => {
  test('by default outlasts a fail-over: 30 s at a 10 s session, longer with a longer session', () => {
    expect(mergeMaxWait(undefined, 10_000)).toEqual({ maxWaitMs: 30_000 });
    expect(mergeMaxWait(undefined, 3_000)).toEqual({ maxWaitMs: 30_000 });
    expect(mergeMaxWait(undefined, 45_000)).toEqual({ maxWaitMs: 65_000 });
  });

  test('a configured bound is kept; one shorter than a fail-over comes with a warning naming both', () => {
    expect(mergeMaxWait(60_000, 10_000)).toEqual({ maxWaitMs: 60_000 });
    const short = mergeMaxWait(30_000, 45_000);
    expect(short.maxWaitMs).toBe(30_000);
    expect(short.warning).toContain('event_time_max_wait_ms 30000 is shorter than a fail-over (session timeout 45000 ms');
  });
});
