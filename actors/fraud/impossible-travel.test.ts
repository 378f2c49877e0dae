import { describe, expect, test } from 'bun:test';
import { MINUTE, T0, authorized, declined, harness, loginSucceeded } from './test-inputs.ts';

// docs/domain-rules.md: impossible_travel fires on an authorized attempt when the most recent
// login_succeeded with ts in (now − 60 min, now] has a country ≠ the payment's country; severity
// critical; once per triggering payment.

const travelIds = (alerts: { type: string; id: string }[]) => alerts.filter((a) => a.type === 'impossible_travel').map((a) => a.id);

describe('impossible_travel', () => {
  test('a payment from FR 14 minutes after a login from US raises a critical alert', () => {
    const user = harness();
    user.feed(loginSucceeded('l1', T0, 'US'));
    const [alert, ...more] = user.feed(authorized('p1', T0 + 14 * MINUTE, { country: 'FR', orderId: 'o-1' }));
    expect(more).toEqual([]);
    expect(alert).toEqual({
      id: 'user/u1/impossible_travel/p1',
      type: 'impossible_travel',
      entityType: 'user',
      entityKey: 'u1',
      severity: 'critical',
      ts: T0 + 14 * MINUTE,
      detectedAt: T0 + 14 * MINUTE,
      reasons: ['l1', 'p1'],
      details: {
        summary: 'payment from FR 14m after a login from US (window 60m)',
        loginCountry: 'US',
        paymentCountry: 'FR',
        countries: ['US', 'FR'],
        gapMs: 840_000,
        windowMs: 3_600_000,
        orderId: 'o-1',
      },
    });
  });

  test('a payment from the login country does not alert', () => {
    const user = harness();
    user.feed(loginSucceeded('l1', T0, 'US'), authorized('p1', T0 + 14 * MINUTE, { country: 'US' }));
    expect(user.alerts).toEqual([]);
  });

  test('59m59.999s after the login is inside the window', () => {
    const user = harness();
    user.feed(loginSucceeded('l1', T0, 'US'));
    const [alert] = user.feed(authorized('p1', T0 + 60 * MINUTE - 1, { country: 'FR' }));
    expect(alert?.details.summary).toBe('payment from FR 59m59.999s after a login from US (window 60m)');
  });

  test('exactly 60 minutes after the login is outside the window', () => {
    const user = harness();
    user.feed(loginSucceeded('l1', T0, 'US'), authorized('p1', T0 + 60 * MINUTE, { country: 'FR' }));
    expect(user.alerts).toEqual([]);
  });

  test('only the most recent login counts', () => {
    const fromUs = harness();
    fromUs.feed(loginSucceeded('l1', T0, 'FR'), loginSucceeded('l2', T0 + 10 * MINUTE, 'US'));
    const [alert] = fromUs.feed(authorized('p1', T0 + 20 * MINUTE, { country: 'FR' }));
    expect(alert?.reasons).toEqual(['l2', 'p1']);

    const fromFr = harness();
    fromFr.feed(loginSucceeded('l1', T0, 'US'), loginSucceeded('l2', T0 + 10 * MINUTE, 'FR'));
    fromFr.feed(authorized('p1', T0 + 20 * MINUTE, { country: 'FR' }));
    expect(fromFr.alerts).toEqual([]);
  });

  test('no login, no alert; declines carry no country and never alert', () => {
    const user = harness();
    user.feed(authorized('p1', T0, { country: 'FR' }));
    user.feed(loginSucceeded('l1', T0 + MINUTE, 'US'), declined('d2', T0 + 2 * MINUTE));
    expect(user.alerts).toEqual([]);
  });

  test('each foreign payment alerts on its own', () => {
    const user = harness();
    user.feed(loginSucceeded('l1', T0, 'US'));
    user.feed(authorized('p1', T0 + MINUTE, { country: 'FR' }), authorized('p2', T0 + 2 * MINUTE, { country: 'DE' }));
    expect(travelIds(user.alerts)).toEqual(['user/u1/impossible_travel/p1', 'user/u1/impossible_travel/p2']);
  });

  test('a payment older than the most recent login is not compared with it', () => {
    const user = harness();
    // The payment message arrives after a login that happened later than the payment.
    user.feed(loginSucceeded('l1', T0 + 10 * MINUTE, 'US'), authorized('p1', T0 + 5 * MINUTE, { country: 'FR' }));
    expect(user.alerts).toEqual([]);
  });
});
