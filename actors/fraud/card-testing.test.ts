import { describe, expect, test } from 'bun:test';
import { MINUTE, SECOND, T0, authorized, declined, harness } from './test-inputs.ts';

// docs/domain-rules.md: card_testing fires on a declined attempt when ≥ 3 declines in
// (now − 10 min, now] use ≥ 3 distinct card fingerprints; severity critical; once per burst (not
// again until the window holds fewer than 3 declines and then reaches it again).

const cardTestingIds = (alerts: { type: string; id: string }[]) => alerts.filter((a) => a.type === 'card_testing').map((a) => a.id);

describe('card_testing', () => {
  test('3 declines with 3 different cards within 2 minutes raise a critical alert', () => {
    const user = harness();
    user.feed(declined('d1', T0, { card: 'c1' }), declined('d2', T0 + MINUTE, { card: 'c2' }));
    expect(user.alerts).toEqual([]);
    const [alert, ...more] = user.feed(declined('d3', T0 + 2 * MINUTE, { card: 'c3' }));
    expect(more).toEqual([]);
    expect(alert).toEqual({
      id: 'user/u1/card_testing/d3',
      type: 'card_testing',
      entityType: 'user',
      entityKey: 'u1',
      severity: 'critical',
      ts: T0 + 2 * MINUTE,
      detectedAt: T0 + 2 * MINUTE,
      reasons: ['d1', 'd2', 'd3'],
      details: {
        summary: '3 declined payments with 3 different cards within 2m (threshold: 3 declines, 3 cards, 10m)',
        count: 3,
        distinctCards: 3,
        cards: ['c1', 'c2', 'c3'],
        spanMs: 120_000,
        threshold: { declines: 3, distinctCards: 3 },
        windowMs: 600_000,
      },
    });
  });

  test('declines with only 2 distinct cards do not alert; a third card then does', () => {
    const user = harness();
    user.feed(declined('d1', T0, { card: 'c1' }), declined('d2', T0 + MINUTE, { card: 'c2' }), declined('d3', T0 + 2 * MINUTE, { card: 'c1' }));
    expect(user.alerts).toEqual([]);
    const [alert] = user.feed(declined('d4', T0 + 3 * MINUTE, { card: 'c3' }));
    expect(alert?.id).toBe('user/u1/card_testing/d4');
    expect(alert?.reasons).toEqual(['d1', 'd2', 'd3', 'd4']);
    expect(alert?.details.summary).toBe('4 declined payments with 3 different cards within 3m (threshold: 3 declines, 3 cards, 10m)');
  });

  test('authorized payments are not declines', () => {
    const user = harness();
    user.feed(declined('d1', T0, { card: 'c1' }), declined('d2', T0 + MINUTE, { card: 'c2' }), authorized('p3', T0 + 2 * MINUTE, { card: 'c3' }));
    expect(user.alerts).toEqual([]);
  });

  test('a decline exactly 10 minutes before now is outside the window', () => {
    const user = harness();
    user.feed(declined('d1', T0, { card: 'c1' }), declined('d2', T0 + MINUTE, { card: 'c2' }), declined('d3', T0 + 10 * MINUTE, { card: 'c3' }));
    expect(cardTestingIds(user.alerts)).toEqual([]);
  });

  test('a decline 10 minutes minus 1 ms before now is inside the window', () => {
    const user = harness();
    user.feed(declined('d1', T0, { card: 'c1' }), declined('d2', T0 + MINUTE, { card: 'c2' }));
    const [alert] = user.feed(declined('d3', T0 + 10 * MINUTE - 1, { card: 'c3' }));
    expect(alert?.id).toBe('user/u1/card_testing/d3');
    expect(alert?.reasons).toEqual(['d1', 'd2', 'd3']);
  });

  test('one burst of 6 declines on 6 cards raises one alert; after the window drains, a new burst alerts again', () => {
    const user = harness();
    for (let i = 1; i <= 6; i++) user.feed(declined(`a${i}`, T0 + i * 10 * SECOND, { card: `c${i}` }));
    expect(cardTestingIds(user.alerts)).toEqual(['user/u1/card_testing/a3']);
    for (let i = 1; i <= 3; i++) user.feed(declined(`b${i}`, T0 + 30 * MINUTE + i * SECOND, { card: `k${i}` }));
    expect(cardTestingIds(user.alerts)).toEqual(['user/u1/card_testing/a3', 'user/u1/card_testing/b3']);
  });

  test('an authorized payment lets time pass over the declines and re-arms the rule', () => {
    const user = harness();
    user.feed(declined('d1', T0, { card: 'c1' }), declined('d2', T0 + MINUTE, { card: 'c2' }), declined('d3', T0 + 2 * MINUTE, { card: 'c3' }));
    expect(user.state.cardTestingAlerted).toBe(true);
    // At T0 + 11m30s, d1 and d2 have left the window: one decline remains, fewer than 3.
    user.feed(authorized('p1', T0 + 11 * MINUTE + 30 * SECOND));
    expect(user.state.declines).toEqual([T0 + 2 * MINUTE, 'd3', 'c3']);
    expect(user.state.cardTestingAlerted).toBeUndefined();
    user.feed(declined('d4', T0 + 11 * MINUTE + 45 * SECOND, { card: 'c4' }));
    const [alert] = user.feed(declined('d5', T0 + 11 * MINUTE + 50 * SECOND, { card: 'c5' }));
    expect(alert?.id).toBe('user/u1/card_testing/d5');
    expect(alert?.reasons).toEqual(['d3', 'd4', 'd5']);
  });

  test('while the window keeps 3 or more declines, the burst does not alert again', () => {
    const user = harness();
    for (let i = 1; i <= 3; i++) user.feed(declined(`d${i}`, T0 + i * MINUTE, { card: `c${i}` }));
    // One decline every 2 minutes on a new card: the window never drops below 3 declines.
    for (let i = 4; i <= 12; i++) user.feed(declined(`d${i}`, T0 + i * 2 * MINUTE, { card: `k${i}` }));
    expect(cardTestingIds(user.alerts)).toEqual(['user/u1/card_testing/d3']);
  });

  test('a card hammered many times does not push the other cards of the window out of sight', () => {
    const user = harness();
    user.feed(declined('d1', T0, { card: 'c1' }), declined('d2', T0 + SECOND, { card: 'c2' }));
    for (let i = 3; i <= 12; i++) user.feed(declined(`d${i}`, T0 + i * SECOND, { card: 'c1' }));
    expect(cardTestingIds(user.alerts)).toEqual([]);
    // At most 2 × 3 declines are kept, 3 cells each.
    expect(user.state.declines?.length).toBeLessThanOrEqual(18);
    const [alert] = user.feed(declined('d13', T0 + 13 * SECOND, { card: 'c3' }));
    expect(alert?.id).toBe('user/u1/card_testing/d13');
    expect(alert?.details.cards).toEqual(['c2', 'c1', 'c3']);
    expect(alert?.reasons).toContain('d2');
  });
});
