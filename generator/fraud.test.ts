import { describe, expect, test } from 'bun:test';
import { createGenerator, generateEvents } from './generator.ts';
import { FRAUD_PATTERNS } from './ground-truth.ts';
import { replay } from './testing/oracle.ts';

// 60k events at 20 events/s cover 50 minutes of event time: every forced pattern completes (the
// longest, impossible travel, waits up to 40 minutes between login and payment).
const K = 2;
const run = generateEvents({ seed: 11, count: 60_000, eventsPerSecond: 20, minPerPattern: K });

describe('injected fraud', () => {
  test('each of the five patterns is in the ground truth at least K times when forced', () => {
    for (const pattern of FRAUD_PATTERNS) {
      expect(run.groundTruth.filter((a) => a.pattern === pattern).length).toBeGreaterThanOrEqual(K);
    }
  });

  test('the reference rules raise exactly the expected alerts: no pattern missed, no background false positive', () => {
    const alerts = replay(run.events).alerts;
    expect(alerts.map((a) => a.id).sort()).toEqual(run.groundTruth.map((a) => a.expectedAlertId).sort());
  });

  test('ground truth points at emitted trigger events with the documented id scheme', () => {
    const byId = new Map(run.events.map((e) => [e.id, e]));
    const severity = { velocity: 'warning', amount_anomaly: 'warning', card_testing: 'critical', impossible_travel: 'critical', account_takeover: 'critical' };
    for (const a of run.groundTruth) {
      const trigger = byId.get(a.triggerEventId)!;
      expect(trigger).toBeDefined();
      expect(a.type).toBe(a.pattern);
      expect(a.entityType).toBe('user');
      expect(a.severity).toBe(severity[a.pattern] as never);
      expect(a.expectedAlertId).toBe(`user/${a.entityKey}/${a.pattern}/${a.triggerEventId}`);
      expect(a.toTs).toBe(trigger.ts);
      expect(a.fromTs).toBeLessThanOrEqual(a.toTs);
      expect((trigger.data as { userId: string }).userId).toBe(a.entityKey);
      const kind = { account_takeover: ['account_updated'], card_testing: ['payment_declined'] } as Record<string, string[]>;
      const allowed = kind[a.pattern] ?? ['payment_authorized', 'payment_declined'];
      expect(allowed).toContain(trigger.type);
    }
  });

  test('each pattern runs on its own user, never a background one', () => {
    const users = run.groundTruth.map((a) => a.entityKey);
    expect(new Set(users).size).toBe(users.length);
    for (const u of users) expect(Number(u.slice(2))).toBeGreaterThan(10_000);
  });

  test('fraudRate injects about fraudRate patterns per 10k events, cycling through all five', () => {
    // One injection each time 2,000 more events have been emitted: at 2,000, 4,000, … 100,000.
    const gen = createGenerator({ seed: 12, count: 100_001, fraudRate: 5 });
    for (const _ of gen);
    const injected = gen.stats().patternsInjected;
    for (const p of FRAUD_PATTERNS) expect(injected[p]).toBe(10);
  });

  test('without injection, background traffic alone raises no fraud alert', () => {
    const quiet = generateEvents({ seed: 13, count: 150_000, fraudRate: 0 });
    expect(quiet.groundTruth).toEqual([]);
    expect(replay(quiet.events).alerts).toEqual([]);
  });

  test('a stream cut short expects no alert whose trigger it did not emit', () => {
    const short = generateEvents({ seed: 11, count: 8_000, eventsPerSecond: 20, minPerPattern: K });
    const ids = new Set(short.events.map((e) => e.id));
    expect(short.groundTruth.length).toBeLessThan(run.groundTruth.length);
    for (const a of short.groundTruth) expect(ids.has(a.triggerEventId)).toBe(true);
    expect(replay(short.events).alerts.map((a) => a.id).sort()).toEqual(short.groundTruth.map((a) => a.expectedAlertId).sort());
  });
});
