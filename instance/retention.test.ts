import { describe, expect, test } from 'bun:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRetention, type RetentionRule } from './retention.ts';

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;

/** A rule that records the cut-off it was asked for and answers `deleted` (or throws `fail`). */
function rule(name: string, days: number, answer: { deleted?: number; fail?: string } = {}) {
  const cutoffs: number[] = [];
  const r: RetentionRule = {
    name, rows: 'row', days,
    async deleteBefore(before) {
      cutoffs.push(before);
      if (answer.fail) throw new Error(answer.fail);
      return answer.deleted ?? 0;
    },
  };
  return { r, cutoffs };
}

describe('startRetention', () => {
  test('sweeps at once, each rule with its own cut-off (now − days), and logs what went', async () => {
    const alerts = rule('alerts', 7, { deleted: 3 });
    const analytics = rule('analytics', 30);
    const lines: string[] = [];
    const stop = startRetention([alerts.r, analytics.r], (l) => lines.push(l), { now: () => NOW, intervalMs: 60_000 });
    await sleep(10);
    await stop();
    expect(alerts.cutoffs).toEqual([NOW - 7 * DAY]);
    expect(analytics.cutoffs).toEqual([NOW - 30 * DAY]);
    // Nothing deleted, nothing said.
    expect(lines).toEqual(['[alerts] retention: deleted 3 row(s) older than 7 day(s)']);
  });

  test('a failing rule is logged and the next one still runs; the next sweep tries again', async () => {
    const broken = rule('alerts', 7, { fail: 'connection reset' });
    const fine = rule('analytics', 30);
    const lines: string[] = [];
    const stop = startRetention([broken.r, fine.r], (l) => lines.push(l), { now: () => NOW, intervalMs: 20 });
    await sleep(70);
    await stop();
    expect(fine.cutoffs.length).toBeGreaterThanOrEqual(2);
    expect(broken.cutoffs.length).toBe(fine.cutoffs.length);
    expect(lines[0]).toStartWith('[alerts] retention sweep failed');
    expect(lines[0]).toContain('connection reset');
  });

  test('stop waits for the rule in progress; no rule or sweep starts after it', async () => {
    let finished = false;
    let calls = 0;
    const slow: RetentionRule = {
      name: 'alerts', rows: 'alert', days: 1,
      async deleteBefore() {
        calls++;
        await sleep(50);
        finished = true;
        return 0;
      },
    };
    const next = rule('analytics', 30);
    const stop = startRetention([slow, next.r], () => {}, { intervalMs: 10 });
    await stop();
    expect(finished).toBe(true);
    expect(next.cutoffs).toEqual([]);
    const after = calls;
    await sleep(40);
    expect(calls).toBe(after);
  });

  test('a tick while a sweep is still running is skipped, not queued', async () => {
    let inFlight = 0;
    let most = 0;
    const slow: RetentionRule = {
      name: 'alerts', rows: 'alert', days: 1,
      async deleteBefore() {
        most = Math.max(most, ++inFlight);
        await sleep(60);
        inFlight--;
        return 0;
      },
    };
    const stop = startRetention([slow], () => {}, { intervalMs: 10 });
    await sleep(100);
    await stop();
    expect(most).toBe(1);
  });
});
