import { describe, expect, test } from 'bun:test';
import { HOUR, T0, authorized, declined, harness } from './test-inputs.ts';

// docs/domain-rules.md: amount_anomaly fires on an authorized attempt when amount > 5 × the mean of
// the user's earlier authorized amounts (at least one earlier) and amount > 500; severity warning;
// once per triggering payment. Payments here are an hour apart so velocity stays out of the way.

describe('amount_anomaly', () => {
  test('a payment 13 times the average raises a warning naming that payment', () => {
    const user = harness();
    user.feed(authorized('p1', T0, { amount: 150 }), authorized('p2', T0 + HOUR, { amount: 250 }));
    const [alert, ...more] = user.feed(authorized('p3', T0 + 2 * HOUR, { amount: 2600, orderId: 'o-9' }));
    expect(more).toEqual([]);
    expect(alert).toEqual({
      id: 'user/u1/amount_anomaly/p3',
      type: 'amount_anomaly',
      entityType: 'user',
      entityKey: 'u1',
      severity: 'warning',
      ts: T0 + 2 * HOUR,
      detectedAt: T0 + 2 * HOUR,
      reasons: ['p3'],
      details: {
        summary: "payment of 2600.00 is 13.0x this user's average of 200.00 (threshold: 5x and over 500)",
        amount: 2600,
        average: 200,
        ratio: 13,
        earlierPayments: 2,
        threshold: { factor: 5, minAmount: 500 },
        orderId: 'o-9',
      },
    });
  });

  test('exactly 5 times the average does not alert; just above does', () => {
    const exact = harness();
    exact.feed(authorized('p1', T0, { amount: 200 }), authorized('p2', T0 + HOUR, { amount: 1000 }));
    expect(exact.alerts).toEqual([]);

    const above = harness();
    above.feed(authorized('p1', T0, { amount: 200 }), authorized('p2', T0 + HOUR, { amount: 1000.01 }));
    expect(above.alerts.map((a) => a.id)).toEqual(['user/u1/amount_anomaly/p2']);
  });

  test('more than 5 times the average but not over 500 does not alert; just over 500 does', () => {
    const at500 = harness();
    at500.feed(authorized('p1', T0, { amount: 50 }), authorized('p2', T0 + HOUR, { amount: 500 }));
    expect(at500.alerts).toEqual([]);

    const over = harness();
    over.feed(authorized('p1', T0, { amount: 50 }), authorized('p2', T0 + HOUR, { amount: 500.01 }));
    expect(over.alerts.map((a) => a.id)).toEqual(['user/u1/amount_anomaly/p2']);
  });

  test('a first authorized payment has no average to compare with', () => {
    const user = harness();
    user.feed(authorized('p1', T0, { amount: 100_000 }));
    expect(user.alerts).toEqual([]);
    expect(user.state.authCount).toBe(1);
    expect(user.state.authCents).toBe(10_000_000);
  });

  test('declined payments are not part of the average', () => {
    const user = harness();
    // With the decline counted the mean would be 2600 and 1500 would be unremarkable.
    user.feed(authorized('p1', T0, { amount: 200 }), declined('d2', T0 + HOUR, { amount: 5000 }));
    const [alert] = user.feed(authorized('p3', T0 + 2 * HOUR, { amount: 1500 }));
    expect(alert?.id).toBe('user/u1/amount_anomaly/p3');
    expect(alert?.details.average).toBe(200);
  });

  test('an anomalous payment joins the average of later ones', () => {
    const user = harness();
    user.feed(authorized('p1', T0, { amount: 200 }), authorized('p2', T0 + HOUR, { amount: 2600 }));
    // Mean of 200 and 2600 is 1400: 2600 again is under 5x.
    user.feed(authorized('p3', T0 + 2 * HOUR, { amount: 2600 }));
    expect(user.alerts.map((a) => a.id)).toEqual(['user/u1/amount_anomaly/p2']);
    expect(user.state.authCount).toBe(3);
    expect(user.state.authCents).toBe(540_000);
  });
});
