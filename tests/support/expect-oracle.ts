import { expect } from 'bun:test';
import type postgres from 'postgres';
import type { Processor } from '../../engine/index.ts';
import type { DomainEvent } from '../../schemas/index.ts';
import { alertComparison, committed, foldWithDriver, inLogOrder, stateDiffs, type Expected } from './oracle.ts';
import { expectAnalyticsEqualOracle } from './analytics-oracle.ts';

/**
 * What every exactly-once test asserts at its end: the states and alerts committed in `sql` equal
 * the independent oracle (the pure driver folding `events` in global event-time order) — no state
 * differs, no alert is missing, extra or doubled. Fraud alerts the backlog's reordering can shift
 * are reported, not failed — unless `exact` (a run with event_time_merge): then the oracle folds
 * the log in the merge's order (`inLogOrder`, over `partitions`) and every state, users' alert
 * history and sku_affinity included, and every alert id must be equal. The read models and
 * aggregates must equal their own folds (analytics-oracle.ts). Returns the oracle's result.
 */
export async function expectCommittedEqualsOracle(sql: postgres.Sql, events: readonly DomainEvent[], opts: { exact?: boolean; partitions?: number } = {}): Promise<Expected> {
  const expected = foldWithDriver(opts.exact ? inLogOrder(events, opts.partitions!) : events);
  const actual = await committed(sql);
  const diffs = stateDiffs(actual, expected, { exact: opts.exact });
  expect({ sku: diffs.sku!.length, order: diffs.order!.length, user: diffs.user!.length, sku_affinity: diffs.sku_affinity!.length })
    .toEqual({ sku: 0, order: 0, user: 0, sku_affinity: 0 });
  if (opts.exact) {
    const ids = (alerts: readonly { id: string }[]) => alerts.map((a) => a.id).sort();
    expect(ids(actual.alerts)).toEqual(ids(expected.alerts));
  } else {
    const alerts = alertComparison(actual, expected);
    if (alerts.missedFraud.length) console.log(`fraud alerts not raised under backlog reordering: ${alerts.missedFraud.join(', ')}`);
    expect({ exactDiff: alerts.exactDiff, unexpectedFraud: alerts.unexpectedFraud, duplicates: alerts.duplicates }).toEqual({ exactDiff: [], unexpectedFraud: [], duplicates: 0 });
  }
  await expectAnalyticsEqualOracle(sql, events, expected, actual);
  return expected;
}

/**
 * Waits until two processors own disjoint shares of `total` shards, both non-empty (acquiring
 * follows the assignment asynchronously, and an old owner lets go of a moved shard only after the
 * new one fenced it), then asserts it.
 */
export async function expectDisjointSplit(a: Processor, b: Processor, total: number, timeoutMs = 30_000): Promise<void> {
  const split = () => {
    const [x, y] = [a.ownedShards(), b.ownedShards()];
    return x.length > 0 && y.length > 0 && x.length + y.length === total && !x.some((s) => y.includes(s));
  };
  for (const end = Date.now() + timeoutMs; !split() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
  const [ownA, ownB] = [a.ownedShards(), b.ownedShards()];
  expect(ownA.length).toBeGreaterThan(0);
  expect(ownB.length).toBeGreaterThan(0);
  expect(ownA.length + ownB.length).toBe(total);
  expect(ownA.filter((s) => ownB.includes(s))).toEqual([]);
}
