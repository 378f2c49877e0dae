import { describe, expect, test } from 'bun:test';
import { ConfigError, PipelineError } from '../schemas/index.ts';
import type { ActorInput } from './actor.ts';
import {
  MINUTE,
  SECOND,
  T0,
  accountUpdated,
  authorized,
  cartItemAdded,
  declined,
  harness,
  loginFailed,
  loginSucceeded,
  pageViewed,
  timeOf,
} from './fraud/test-inputs.ts';
import { DEFAULT_FRAUD_RULES, createUserActor, userActor, type UserState } from './user.ts';

describe('user actor', () => {
  test('is keyed by userId on user_events and starts empty at state version 4', () => {
    expect(userActor.type).toBe('user');
    expect(userActor.sourceTopic).toBe('user_events');
    expect([...userActor.eventTypes].sort()).toEqual(['account_updated', 'cart_item_added', 'login_failed', 'login_succeeded', 'page_viewed']);
    expect(userActor.stateVersion).toBe(4);
    expect(JSON.stringify(userActor.initial('u1'))).toBe('{}');
  });

  test('has the default thresholds of docs/domain-rules.md', () => {
    expect(DEFAULT_FRAUD_RULES).toEqual({
      velocity: { attempts: 5, windowMs: 600_000 },
      cardTesting: { declines: 3, distinctCards: 3, windowMs: 600_000 },
      amountAnomaly: { factor: 5, minAmount: 500 },
      impossibleTravel: { windowMs: 3_600_000 },
      accountTakeover: { failures: 3, windowMs: 1_800_000 },
    });
  });

  test('views of pages other than products, and cart additions, change nothing: the same state object, no effects', () => {
    const state: UserState = { authCount: 1, authCents: 1000 };
    for (const input of [pageViewed('v1', T0), cartItemAdded('c1', T0)]) {
      const next = userActor.handle(state, input, { key: 'u1', now: T0 });
      expect(next.state).toBe(state);
      expect(next.effects).toEqual([]);
    }
  });

  test('product pages join recentViews (newest first, once each); other pages and bad paths do not', () => {
    const view = (id: string, ts: number, path: string) => ({ kind: 'event' as const, event: { id, type: 'page_viewed' as const, v: 1, ts, data: { userId: 'u1', path } } });
    let state: UserState = userActor.initial('u1');
    const paths = ['/products/A', '/products/B?ref=home', '/products/A/reviews', '/products/', '/product/C', `/products/${'x'.repeat(129)}`, '/'];
    paths.forEach((path, i) => (state = userActor.handle(state, view(`v${i}`, T0 + i, path), { key: 'u1', now: T0 + i }).state));
    expect(state.recentViews).toEqual(['A', T0 + 2, 'B', T0 + 1]);
    const off = createUserActor({}, { recommendations: false });
    const s0 = off.initial('u1');
    expect(off.handle(s0, view('v', T0, '/products/A'), { key: 'u1', now: T0 }).state).toBe(s0);
  });

  test('one payment can raise several alerts, in the order of the rule table', () => {
    const user = harness();
    user.feed(loginSucceeded('l1', T0, 'US'), authorized('p1', T0 + MINUTE, { amount: 100 }));
    user.feed(authorized('p2', T0 + 2 * MINUTE, { amount: 100 }), declined('p3', T0 + 3 * MINUTE), declined('p4', T0 + 4 * MINUTE));
    const alerts = user.feed(authorized('p5', T0 + 5 * MINUTE, { amount: 2600, country: 'FR' }));
    expect(alerts.map((a) => a.id)).toEqual([
      'user/u1/velocity/p5',
      'user/u1/amount_anomaly/p5',
      'user/u1/impossible_travel/p5',
    ]);
  });

  test('overrides replace the defaults field by field', () => {
    const user = harness(createUserActor({ cardTesting: { declines: 2, distinctCards: 2, windowMs: MINUTE } }));
    user.feed(declined('d1', T0, { card: 'c1' }), declined('d2', T0 + MINUTE, { card: 'c2' }));
    expect(user.alerts).toEqual([]);
    const [alert] = user.feed(declined('d3', T0 + MINUTE + SECOND, { card: 'c3' }));
    expect(alert?.id).toBe('user/u1/card_testing/d3');
    expect(alert?.reasons).toEqual(['d2', 'd3']);
  });

  test('thresholds that cannot work are refused with a ConfigError', () => {
    expect(() => createUserActor({ velocity: { attempts: 0, windowMs: MINUTE } })).toThrow(ConfigError);
    expect(() => createUserActor({ velocity: { attempts: 2.5, windowMs: MINUTE } })).toThrow(/velocity\.attempts must be a positive integer/);
    expect(() => createUserActor({ impossibleTravel: { windowMs: -1 } })).toThrow(/impossibleTravel\.windowMs/);
    expect(() => createUserActor({ amountAnomaly: { factor: 5, minAmount: 0 } })).not.toThrow();
  });

  test('migrate lifts a version 1 state (float sum) to cents, keeps v2 (no alert history yet), v3 and v4, refuses unknown versions clearly', () => {
    const v1 = { authCount: 3, authSum: 227.94000000000003, loginCountry: 'GB' };
    expect(userActor.migrate(v1, 1)).toMatchObject({ authCount: 3, authCents: 22794, loginCountry: 'GB' });
    expect(userActor.migrate(v1, 1)).not.toHaveProperty('authSum', expect.anything());
    const v2 = { authCount: 2, authCents: 30000 };
    expect(userActor.migrate(v2, 2)).toBe(v2);
    expect(userActor.migrate(v2, 3)).toBe(v2);
    expect(userActor.migrate(v2, 4)).toBe(v2); // v4 added the viewed/bought lists: older states simply have none
    expect(() => userActor.migrate(v2, 5)).toThrow(/user state version 5 is not supported \(supported: 1, 2, 3, 4\)/);
    expect(() => userActor.migrate(v2, 5)).toThrow(PipelineError);
    expect(() => userActor.migrate('nonsense', 1)).toThrow(/not a JSON object/);
  });

  test('a state checkpointed as JSON and restored mid-stream gives the same alerts as an uninterrupted run', () => {
    const inputs = mixedInputs(2_000);
    const straight = harness();
    straight.feed(...inputs);
    expect(new Set(straight.alerts.map((a) => a.type)).size).toBe(5);

    const first = harness();
    first.feed(...inputs.slice(0, 1_000));
    const restored = userActor.migrate(JSON.parse(JSON.stringify(first.state)), 3);
    const second = harness(userActor, 'u1', restored);
    second.feed(...inputs.slice(1_000));
    expect([...first.alerts, ...second.alerts]).toEqual(straight.alerts);
    expect(JSON.stringify(second.state)).toBe(JSON.stringify(straight.state));
  });

  test('is deterministic: the same inputs give identical alerts and state', () => {
    const a = harness();
    const b = harness();
    a.feed(...mixedInputs(2_000));
    b.feed(...mixedInputs(2_000));
    expect(a.alerts).toEqual(b.alerts);
    expect(new Set(a.alerts.map((x) => x.id)).size).toBe(a.alerts.length);
    expect(JSON.stringify(a.state)).toBe(JSON.stringify(b.state));
  });

  test('the state records how many alerts each rule raised and the latest one (the user_risk read model)', () => {
    const user = harness();
    user.feed(...mixedInputs(2_000));
    const byType: Record<string, number> = {};
    for (const a of user.alerts) byType[a.type] = (byType[a.type] ?? 0) + 1;
    const latest = user.alerts.reduce((m, a) => (a.ts >= m.ts ? a : m));
    expect(user.alerts.length).toBeGreaterThan(3);
    expect(user.state.alertCounts).toEqual(byType);
    expect([user.state.lastAlertType, user.state.lastAlertAt]).toEqual([latest.type, latest.ts]);
  });

  test('state stays bounded under 100,000 payment attempts and 100,000 logins within 3 hours', () => {
    // Straight through `handle`, without the harness's deep-freeze: 200,000 inputs, timed in seconds.
    let s: UserState = userActor.initial('u1');
    const types = new Set<string>();
    const most = { json: 0, attempts: 0, declines: 0, failures: 0, countries: 0, devices: 0, suspectFailures: 0 };
    for (const input of mixedInputs(200_000)) {
      const next = userActor.handle(s, input, { key: 'u1', now: timeOf(input) });
      for (const effect of next.effects) if (effect.kind === 'alert') types.add(effect.alert.type);
      s = next.state;
      most.json = Math.max(most.json, JSON.stringify(s).length);
      most.attempts = Math.max(most.attempts, s.attempts?.length ?? 0);
      most.declines = Math.max(most.declines, s.declines?.length ?? 0);
      most.failures = Math.max(most.failures, s.failures?.length ?? 0);
      most.countries = Math.max(most.countries, s.countries?.split(' ').length ?? 0);
      most.devices = Math.max(most.devices, s.devices?.split(' ').length ?? 0);
      most.suspectFailures = Math.max(most.suspectFailures, s.suspect?.failureIds.length ?? 0);
    }
    expect(most.json).toBeLessThan(4096);
    // Caps of docs/domain-rules.md: 2 × the largest threshold per window (cells: 2 per attempt or
    // failure, 3 per decline), the last 4 countries and devices. The stream fills every one of them.
    expect(most).toMatchObject({ attempts: 10 * 2, declines: 6 * 3, failures: 6 * 2, countries: 4, devices: 4, suspectFailures: 6 });
    expect([...types].sort()).toEqual(['account_takeover', 'amount_anomaly', 'card_testing', 'impossible_travel', 'velocity']);
  });

  test('a realistic user (3 logins, 2 payments, 1 decline in the last hour) stays under 512 bytes of JSON', () => {
    const user = harness();
    user.feed(
      loginSucceeded('evt-01HZX3K7Q2M4', T0, 'US', 'dev-7f3a9c2e'),
      loginSucceeded('evt-01HZX3K7Q2M5', T0 + 20 * MINUTE, 'US', 'dev-7f3a9c2e'),
      loginSucceeded('evt-01HZX3K7Q2M6', T0 + 40 * MINUTE, 'US', 'dev-7f3a9c2e'),
      declined('evt-01HZX3K7Q2M7', T0 + 41 * MINUTE, { card: 'fp-9b1c44d0e2', amount: 80 }),
      authorized('evt-01HZX3K7Q2M8', T0 + 42 * MINUTE, { card: 'fp-3d7e11a0c5', amount: 80 }),
      authorized('evt-01HZX3K7Q2M9', T0 + 50 * MINUTE, { card: 'fp-3d7e11a0c5', amount: 35.5 }),
    );
    expect(user.alerts).toEqual([]);
    expect(JSON.stringify(user.state).length).toBeLessThan(512);
  });
});

/**
 * `n` inputs alternating a payment attempt (every 3rd declined, 7 cards, 3 countries, amounts up
 * to 170 with an occasional 5000) and a user event (mostly failed logins, logins from 6 countries
 * on 9 devices, an email change every 50th), 100 ms apart: bursts for every rule.
 */
function mixedInputs(n: number): ActorInput[] {
  const inputs: ActorInput[] = [];
  const countries = ['US', 'FR', 'DE', 'BR', 'JP', 'IN'];
  for (let i = 0; i < n; i++) {
    const ts = T0 + i * 50;
    const k = i >> 1;
    if (i % 2 === 0) {
      const options = { card: `card-${k % 7}`, amount: k % 997 === 0 ? 5000 : 50 + (k % 13) * 10, country: countries[k % 3]! };
      inputs.push(k % 3 === 0 ? declined(`p${k}`, ts, options) : authorized(`p${k}`, ts, options));
    } else if (k % 50 === 0) {
      inputs.push(accountUpdated(`u${k}`, ts, 'email'));
    } else if (k % 4 === 0) {
      inputs.push(loginSucceeded(`l${k}`, ts, countries[(k / 4) % 6]!, `d-${k % 9}`));
    } else {
      inputs.push(loginFailed(`f${k}`, ts));
    }
  }
  return inputs;
}
