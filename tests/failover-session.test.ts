import { describe, expect, test } from 'bun:test';
import { generateEvents } from '../generator/index.ts';
import type { DomainEvent } from '../schemas/index.ts';
import { alertComparison, closingEvents, committed, foldWithDriver, ORACLE_TYPES, stateDiffs } from './support/oracle.ts';
import { expectAnalyticsEqualOracle } from './support/analytics-oracle.ts';
import { waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';
import type { ProcessorProcess } from './support/processor-process.ts';
import { brokerTestRun } from './support/spawned-processors.ts';

/**
 * Fail-over with a short consumer-group session (issue #17), against a real broker and Postgres: the
 * broker must allow it (group.min.session.timeout.ms ≤ 3000; the local broker of scripts/kafka/
 * allows 1000). With KAFKA_SESSION_TIMEOUT_MS=3000 the survivor of a SIGKILL owns every shard in
 * well under the default 10 s session, and the committed result equals the independent oracle.
 * A session the broker refuses stops the start with a configuration error naming the settings.
 */
const PARTITIONS = 3;
const SESSION_MS = 3000;
const run = brokerTestRun();
const processes = run.processes;

function start(e: PipelineEnv, owner: string, extra: Record<string, string> = {}): Promise<ProcessorProcess> {
  return processes.start(e, owner, { KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS), ...extra });
}

describe('fail-over with a short session timeout', () => {
  test(`SIGKILL one of two processes under load: the survivor owns every shard within ${SESSION_MS} ms + restore, equal to the oracle`, async () => {
    const env = await run.open(PARTITIONS);
    const { events: generated } = generateEvents({ seed: 23, count: 16_000, users: 1500, skus: 200, minPerPattern: 2 });
    const events: DomainEvent[] = [...generated, ...closingEvents(generated, PARTITIONS)];
    const a = await start(env, 'proc-a');
    const b = await start(env, 'proc-b');
    await env.produce(events.slice(0, 8_000));
    await waitFor(async () => {
      const [r] = await env.sql`select count(distinct owner_id)::int as n, count(*)::int as shards from shard_owners`;
      return r!.n === 2 && r!.shards === ORACLE_TYPES.length * PARTITIONS;
    }, 30_000, 'both processes to own shards');
    const mark = b.output.join('').length;
    const producing = env.produce(events.slice(8_000)); // the rest arrives while a dies and b takes over
    const killedAt = performance.now();
    a.kill('SIGKILL');
    // The survivor keeps the shards it held (no restore) and acquires the dead member's.
    await waitFor(() => new Set([...b.output.join('').slice(mark).matchAll(/(?:acquired|kept) (\S+) at epoch/g)].map((m) => m[1])).size === ORACLE_TYPES.length * PARTITIONS, 30_000, 'the survivor to hold every shard');
    const takeoverMs = performance.now() - killedAt;
    console.log(`survivor owned and restored every shard ${Math.round(takeoverMs)} ms after the SIGKILL (session ${SESSION_MS} ms)`);
    // Detection needs the session to lapse; the default session alone would take 10 s.
    expect(takeoverMs).toBeGreaterThan(SESSION_MS - 1000);
    expect(takeoverMs).toBeLessThan(8_000);
    await producing;
    await waitUntilSettled(env);
    const [owners] = await env.sql`select array_agg(distinct owner_id) as ids from shard_owners`;
    expect(owners!.ids).toEqual(['proc-b']);
    await processes.stop(b, 'SIGTERM');

    const expected = foldWithDriver(events);
    const actual = await committed(env.sql);
    const diffs = stateDiffs(actual, expected);
    expect({ sku: diffs.sku!.slice(0, 5), order: diffs.order!.slice(0, 5), user: diffs.user!.slice(0, 5), sku_affinity: diffs.sku_affinity!.slice(0, 5) })
    .toEqual({ sku: [], order: [], user: [], sku_affinity: [] });
    const alerts = alertComparison(actual, expected);
    expect({ exactDiff: alerts.exactDiff, unexpectedFraud: alerts.unexpectedFraud, duplicates: alerts.duplicates }).toEqual({ exactDiff: [], unexpectedFraud: [], duplicates: 0 });
    await expectAnalyticsEqualOracle(env.sql, events, expected, actual);
  }, 120_000);

  for (const client of ['kafkajs', 'platformatic']) {
    test(`${client}: a session timeout below the broker's minimum stops the start with an error naming the settings`, async () => {
      const env = await run.open(1);
      const extra = { KAFKA_SESSION_TIMEOUT_MS: '500', KAFKA_HEARTBEAT_INTERVAL_MS: '100', ...(client === 'platformatic' ? { KAFKA_CLIENT: 'platformatic' } : {}) };
      const started = performance.now();
      const failure = await start(env, `refused-${client}`, extra).then(() => 'started', (e: Error) => e.message);
      expect(failure).toMatch(/refused the consumer-group session timeout of 500 ms \(INVALID_SESSION_TIMEOUT\)/);
      expect(failure).toMatch(/group\.min\.session\.timeout\.ms/);
      expect(failure).toMatch(/KAFKA_SESSION_TIMEOUT_MS/);
      // No retry loop: one refused join ends the start.
      expect(performance.now() - started).toBeLessThan(20_000);
    }, 60_000);
  }
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
