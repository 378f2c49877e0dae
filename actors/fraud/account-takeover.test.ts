import { describe, expect, test } from 'bun:test';
import type { ActorInput } from '../actor.ts';
import { HOUR, MINUTE, T0, accountUpdated, harness, loginFailed, loginSucceeded } from './test-inputs.ts';

// docs/domain-rules.md: account_takeover fires on account_updated (email or payment_method) when
// ≥ 3 login_failed in the 30 min before a login_succeeded from a country or device not seen in the
// user's earlier successful logins, and the update comes within 30 min after that login; severity
// critical; once per suspicious login.

const L = T0 + HOUR; // the suspicious login

/** A user known in US on d-1, then 3 failures in the 5 minutes before `L`. */
function afterFailures(failures = 3): ActorInput[] {
  const inputs = [loginSucceeded('known', T0, 'US', 'd-1')];
  for (let i = 1; i <= failures; i++) inputs.push(loginFailed(`f${i}`, L - (6 - i) * MINUTE, 'BR'));
  return inputs;
}

describe('account_takeover', () => {
  test('3 failures, a login from a new country and device, then an email change 5 minutes later', () => {
    const user = harness();
    user.feed(...afterFailures(), loginSucceeded('l1', L, 'BR', 'd-9'));
    expect(user.alerts).toEqual([]);
    const [alert, ...more] = user.feed(accountUpdated('up', L + 5 * MINUTE, 'email'));
    expect(more).toEqual([]);
    expect(alert).toEqual({
      id: 'user/u1/account_takeover/up',
      type: 'account_takeover',
      entityType: 'user',
      entityKey: 'u1',
      severity: 'critical',
      ts: L + 5 * MINUTE,
      detectedAt: L + 5 * MINUTE,
      reasons: ['f1', 'f2', 'f3', 'l1', 'up'],
      details: {
        summary:
          '3 failed logins, then a login from a new country BR and new device d-9, then email changed 5m later ' +
          '(threshold: 3 failures, 30m before and after the login)',
        failures: 3,
        loginId: 'l1',
        country: 'BR',
        deviceId: 'd-9',
        newCountry: true,
        newDevice: true,
        field: 'email',
        delayMs: 300_000,
        threshold: 3,
        windowMs: 1_800_000,
      },
    });
  });

  test('2 failures are not enough', () => {
    const user = harness();
    user.feed(...afterFailures(2), loginSucceeded('l1', L, 'BR', 'd-9'), accountUpdated('up', L + 5 * MINUTE, 'email'));
    expect(user.alerts).toEqual([]);
  });

  test('3 failures then a login from a known country and device do not alert', () => {
    const user = harness();
    user.feed(...afterFailures(), loginSucceeded('l1', L, 'US', 'd-1'), accountUpdated('up', L + 5 * MINUTE, 'email'));
    expect(user.alerts).toEqual([]);
  });

  test('3 failures then a new device in a known country alert, on payment_method too', () => {
    const user = harness();
    user.feed(...afterFailures(), loginSucceeded('l1', L, 'US', 'd-9'));
    const [alert] = user.feed(accountUpdated('up', L + 10 * MINUTE, 'payment_method'));
    expect(alert?.details.summary).toBe(
      '3 failed logins, then a login from a new device d-9 (known country US), then payment method changed 10m later ' +
        '(threshold: 3 failures, 30m before and after the login)',
    );
  });

  test('3 failures then a new country on a known device alert', () => {
    const user = harness();
    user.feed(...afterFailures(), loginSucceeded('l1', L, 'BR', 'd-1'));
    const [alert] = user.feed(accountUpdated('up', L + MINUTE, 'email'));
    expect(alert?.details.newCountry).toBe(true);
    expect(alert?.details.newDevice).toBe(false);
  });

  // The rules page: "within W" means `t' − t < W` unless a rule says ≤, and this one does not.
  test('an update 30 minutes minus 1 ms after the login is within (update.ts − login.ts < 30m)', () => {
    const user = harness();
    user.feed(...afterFailures(), loginSucceeded('l1', L, 'BR', 'd-9'));
    const [alert] = user.feed(accountUpdated('up', L + 30 * MINUTE - 1, 'email'));
    expect(alert?.id).toBe('user/u1/account_takeover/up');
    expect(alert?.details.summary).toContain('then email changed 29m59.999s later');
  });

  test('an update exactly 30 minutes after the login is too late (not < 30m)', () => {
    const user = harness();
    user.feed(...afterFailures(), loginSucceeded('l1', L, 'BR', 'd-9'), accountUpdated('up', L + 30 * MINUTE, 'email'));
    expect(user.alerts).toEqual([]);
    expect(user.state.suspect).toBeUndefined();
  });

  test('a failure exactly 30 minutes before the login is outside its window; at 30m − 1 ms it is inside', () => {
    const failures = (oldest: number): ActorInput[] => [
      loginSucceeded('known', T0, 'US', 'd-1'),
      loginFailed('f1', oldest),
      loginFailed('f2', L - 2 * MINUTE),
      loginFailed('f3', L - MINUTE),
    ];
    const outside = harness();
    outside.feed(...failures(L - 30 * MINUTE), loginSucceeded('l1', L, 'BR', 'd-9'), accountUpdated('up', L + MINUTE, 'email'));
    expect(outside.alerts).toEqual([]);

    const inside = harness();
    inside.feed(...failures(L - 30 * MINUTE + 1), loginSucceeded('l1', L, 'BR', 'd-9'), accountUpdated('up', L + MINUTE, 'email'));
    expect(inside.alerts.map((a) => a.reasons)).toEqual([['f1', 'f2', 'f3', 'l1', 'up']]);
  });

  test('address and password changes do not complete it; a later email change still does, once', () => {
    const user = harness();
    user.feed(...afterFailures(), loginSucceeded('l1', L, 'BR', 'd-9'));
    user.feed(accountUpdated('u-addr', L + MINUTE, 'address'), accountUpdated('u-pw', L + 2 * MINUTE, 'password'));
    expect(user.alerts).toEqual([]);
    user.feed(accountUpdated('u-mail', L + 3 * MINUTE, 'email'), accountUpdated('u-pay', L + 4 * MINUTE, 'payment_method'));
    expect(user.alerts.map((a) => a.id)).toEqual(['user/u1/account_takeover/u-mail']);
  });

  test("a user's very first login after 3 failures is from a country and device not seen before", () => {
    const user = harness();
    user.feed(loginFailed('f1', L - 3 * MINUTE), loginFailed('f2', L - 2 * MINUTE), loginFailed('f3', L - MINUTE));
    user.feed(loginSucceeded('l1', L, 'US', 'd-1'), accountUpdated('up', L + MINUTE, 'email'));
    expect(user.alerts.map((a) => a.id)).toEqual(['user/u1/account_takeover/up']);
  });

  test('only the last 4 countries are remembered: a fifth-last country is new again', () => {
    const user = harness();
    const countries = ['DE', 'FR', 'IT', 'ES', 'NL'];
    countries.forEach((c, i) => user.feed(loginSucceeded(`k${i}`, T0 + i * MINUTE, c, 'd-1')));
    expect(user.state.countries).toBe('FR IT ES NL');
    expect(user.state.devices).toBe('d-1');
    user.feed(loginFailed('f1', L - 3 * MINUTE), loginFailed('f2', L - 2 * MINUTE), loginFailed('f3', L - MINUTE));
    user.feed(loginSucceeded('l1', L, 'DE', 'd-1'), accountUpdated('up', L + MINUTE, 'email'));
    expect(user.alerts.map((a) => a.details.summary)).toEqual([
      '3 failed logins, then a login from a new country DE (known device d-1), then email changed 1m later ' +
        '(threshold: 3 failures, 30m before and after the login)',
    ]);
  });
});
