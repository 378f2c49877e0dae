import { describe, expect, test } from 'bun:test';
import { generateEvents } from '../generator/index.ts';
import type { DomainEvent } from '../schemas/index.ts';
import { closingEvents, type Expected } from './support/oracle.ts';
import { expectCommittedEqualsOracle } from './support/expect-oracle.ts';
import { waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';
import { brokerTestRun } from './support/spawned-processors.ts';
import { throttled } from './support/intercepted-client.ts';
import { expectNoWaitTimedOut, runMergingProcessorUntilSettled } from './support/merge-run.ts';
import { validEnvelope } from '../schemas/fixtures.ts';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { scarceStockWorkload } from './support/scarce-stock.ts';

/**
 * Issue #16: with `eventTimeMerge`, SKU, user and sku_affinity shards get their inputs in the driver's
 * global order however a backlog is read — one transaction partition read far slower than the
 * others, or the processor killed and restarted. Every state and every alert id must equal the
 * driver folding the log in that order (tests/support/oracle.ts `inLogOrder`), with no tolerance:
 * fraud alerts and affinity states included.
 */
const PARTITIONS = 3;
const MERGE = { EVENT_TIME_MERGE: 'true' };
/** Every message through the inbox topics, as the merge always ran before it allowed local messages (2026-12-05): that path stays proven. */
const MERGE_KAFKA_MESSAGES = { ...MERGE, LOCAL_MESSAGES: 'false' };
const run = brokerTestRun();
const { start, stop } = run;

/** One order id whose events land in each of `partitions` of the transaction topic. */
function orderIdsIn(partitions: readonly number[]): string[] {
  return partitions.map((p) => {
    for (let i = 0; ; i++) if (partitionOf(`o-${p}-${i}`, PARTITIONS) === p) return `o-${p}-${i}`;
  });
}

function workload(seed: number, count: number): DomainEvent[] {
  const { events } = generateEvents({ seed, count, users: 400, skus: 60, minPerPattern: 2 });
  return [...events, ...closingEvents(events, PARTITIONS)];
}

/** An order_placed of one unit of each of `skus` at 5 each, by user `u-<orderId>`. */
function placed(id: string, orderId: string, ts: number, skus: readonly string[] = ['sku-last']): Record<string, unknown> {
  return validEnvelope('order_placed', { id, ts, data: { orderId, userId: `u-${orderId}`, items: skus.map((sku) => ({ sku, qty: 1, unitPrice: 5 })), currency: 'EUR', country: 'DE' } });
}

/** The statuses the driver ended `ids` in. */
function statusesOf(expected: Expected, ids: readonly string[]): string[] {
  return ids.map((id) => (expected.states.get('order')!.get(id) as { status: string }).status);
}

/** The committed result equals the driver folding the log in the merge's order, exactly; the driver's result. */
function expectExactlyTheOracle(e: PipelineEnv, events: readonly DomainEvent[]): Promise<Expected> {
  return expectCommittedEqualsOracle(e.sql, events, { exact: true, partitions: PARTITIONS });
}

/** Source records committed as consumed so far (every source record is one event, in these workloads). */
async function consumedSoFar(e: PipelineEnv): Promise<number> {
  return (await e.sql`select coalesce(sum(next_offset), 0)::int as n from input_offsets where topic not like '%.inbox'`)[0]!.n as number;
}

/**
 * Runs processors over `events` with transaction partition 1 read at `msPerRecord`, killing each
 * with SIGKILL once the checkpoints show it past another third of the log, twice, then one to the
 * end; no wait for answers may time out.
 */
async function killTwiceWhileOnePartitionIsSlow(env: PipelineEnv, events: readonly DomainEvent[], name: string, msPerRecord: number): Promise<void> {
  const slow = { ...MERGE, THROTTLE_TOPIC: env.topics.source.transaction_events, THROTTLE_PARTITION: '1', THROTTLE_MS_PER_RECORD: String(msPerRecord) };
  for (const third of [1, 2]) {
    const p = await start(env, `${name}-killed-${third}`, slow, 'tests/support/throttled-processor-main.ts');
    while ((await consumedSoFar(env)) < (events.length * third) / 3) await new Promise((r) => setTimeout(r, 20));
    await stop(p, 'SIGKILL');
  }
  const last = await start(env, `${name}-last`, slow, 'tests/support/throttled-processor-main.ts');
  await waitUntilSettled(env);
  await stop(last, 'SIGTERM');
  expectNoWaitTimedOut(last);
  expect(await consumedSoFar(env)).toBe(events.length);
}

describe('event-time merge against a real broker', () => {
  test('one transaction partition read far slower than the others: states and alert ids equal the driver', async () => {
    const env = await run.open(PARTITIONS);
    const events = workload(41, 20_000);
    await env.produce(events);
    const transactions = env.topics.source.transaction_events;
    await runMergingProcessorUntilSettled(env, { client: throttled(env.client, transactions, 1, (records) => records * 4) });
    const expected = await expectExactlyTheOracle(env, events);
    expect(expected.alerts.filter((a) => a.entityType === 'user').length).toBeGreaterThan(0);
  }, 300_000);

  test("two orders for a SKU's last unit from two order partitions, the earlier one's read slowly: the SKU grants the earlier order, as the driver", async () => {
    const env = await run.open(PARTITIONS);
    const t = 1_700_000_000_000;
    const [first, second] = orderIdsIn([0, 1]) as [string, string];
    const events = [
      validEnvelope('stock_received', { id: 'e-stock', ts: t, data: { sku: 'sku-last', qty: 1 } }),
      placed('e-first', first, t + 1000),
      placed('e-second', second, t + 2000),
    ] as unknown as DomainEvent[];
    await env.produce(events);
    // The first order's partition comes 3 s late: its reserve reaches the SKU after the second's.
    const transactions = env.topics.source.transaction_events;
    await runMergingProcessorUntilSettled(env, { client: throttled(env.client, transactions, 0, () => 3_000), checkpointIntervalMs: 100, settleTimeoutMs: 60_000 });
    const expected = await expectExactlyTheOracle(env, events);
    expect(statusesOf(expected, [first, second])).toEqual(['reserved', 'rejected']);
  }, 120_000);

  test("a cancellation held while its order awaits its stock answer, then a later order of the same partition for the same last unit: the release goes first and the later order is granted, as the driver", async () => {
    const env = await run.open(PARTITIONS);
    const t = 1_700_000_000_000;
    const ids: string[] = [];
    for (let i = 0; ids.length < 2; i++) if (partitionOf(`o-held-${i}`, PARTITIONS) === 0) ids.push(`o-held-${i}`);
    const [first, second] = ids as [string, string];
    // One backlog: the order shard reads the cancellation before the first order's answer (so it
    // holds it) and the second order's reserve leaves before the release the cancellation causes.
    const events = [
      validEnvelope('stock_received', { id: 'e-stock', ts: t, data: { sku: 'sku-last', qty: 1 } }),
      placed('e-first', first, t + 1000),
      validEnvelope('order_cancelled', { id: 'e-cancel', ts: t + 2000, data: { orderId: first, reason: 'customer_request' } }),
      placed('e-second', second, t + 3000),
    ] as unknown as DomainEvent[];
    await env.produce(events);
    await runMergingProcessorUntilSettled(env, { checkpointIntervalMs: 100, settleTimeoutMs: 60_000 });
    const expected = await expectExactlyTheOracle(env, events);
    expect(statusesOf(expected, [first, second])).toEqual(['cancelled', 'reserved']);
  }, 120_000);

  test("an order of two lines, one refused, then a later order for the other line's last unit: the release goes first and the later order is granted, as the driver", async () => {
    const env = await run.open(PARTITIONS);
    const t = 1_700_000_000_000;
    const [first, second] = orderIdsIn([0, 1]) as [string, string];
    // sku-empty has no stock, so the first order is rejected and gives its sku-last unit back. That
    // release is caused by sku-empty's answer: in a backlog it comes after sku-last has taken the
    // second order's reserve, which the driver grants from the unit given back.
    const events = [
      validEnvelope('stock_received', { id: 'e-stock', ts: t, data: { sku: 'sku-last', qty: 1 } }),
      placed('e-first', first, t + 1000, ['sku-last', 'sku-empty']),
      placed('e-second', second, t + 2000, ['sku-last']),
    ] as unknown as DomainEvent[];
    await env.produce(events);
    await runMergingProcessorUntilSettled(env, { checkpointIntervalMs: 100, settleTimeoutMs: 60_000 });
    const expected = await expectExactlyTheOracle(env, events);
    expect(statusesOf(expected, [first, second])).toEqual(['rejected', 'reserved']);
  }, 120_000);

  test('scarce stock: 300 orders of one to three lines over eight SKUs, one transaction partition read slowly; refusals, the releases after them, cancellations and expiries equal the driver', async () => {
    const env = await run.open(PARTITIONS);
    const generated = scarceStockWorkload(47, 300);
    const events = [...generated, ...closingEvents(generated, PARTITIONS)];
    await env.produce(events);
    const transactions = env.topics.source.transaction_events;
    await runMergingProcessorUntilSettled(env, { client: throttled(env.client, transactions, 2, (records) => records * 20) });
    const expected = await expectExactlyTheOracle(env, events);
    const orders = [...expected.states.get('order')!.values()] as { status: string; lines: { status: string }[] }[];
    const count = (status: string) => orders.filter((o) => o.status === status).length;
    // The driver's own count (113): orders refused a line that gave the others back.
    expect(orders.filter((o) => o.status === 'rejected' && o.lines.some((l) => l.status === 'released')).length).toBeGreaterThan(50);
    expect([count('cancelled'), count('expired')].every((n) => n > 10)).toBe(true);
  }, 300_000);

  test('messages through Kafka, killed with SIGKILL at a fifth, two fifths and three fifths of the catch-up, then restarted: states and alert ids equal the driver', async () => {
    const env = await run.open(PARTITIONS);
    const events = workload(43, 60_000);
    await env.produce(events);
    // Each process is killed as soon as the checkpoints show it got past another fifth of the log.
    for (const fifth of [1, 2, 3]) {
      const p = await start(env, `killed-${fifth}`, MERGE_KAFKA_MESSAGES);
      while ((await consumedSoFar(env)) < (events.length * fifth) / 5) await new Promise((r) => setTimeout(r, 20));
      await stop(p, 'SIGKILL');
    }
    const last = await start(env, 'last', MERGE_KAFKA_MESSAGES);
    await waitUntilSettled(env);
    await stop(last, 'SIGTERM');
    expect(last.output.join('')).toMatch(/merged in event time/);
    expect(last.output.join('')).not.toMatch(/handed over in memory/);
    expectNoWaitTimedOut(last);
    expect(await consumedSoFar(env)).toBe(events.length);
    await expectExactlyTheOracle(env, events);
  }, 300_000);

  test('one transaction partition read slowly and the process killed with SIGKILL twice, then restarted: states and alert ids equal the driver', async () => {
    const env = await run.open(PARTITIONS);
    const events = workload(53, 40_000);
    await env.produce(events);
    await killTwiceWhileOnePartitionIsSlow(env, events, 'slow', 2);
    await expectExactlyTheOracle(env, events);
  }, 300_000);

  test('scarce stock, one transaction partition read slowly and the process killed with SIGKILL twice, then restarted: refusals and the releases after them equal the driver', async () => {
    const env = await run.open(PARTITIONS);
    const generated = scarceStockWorkload(59, 300);
    const events = [...generated, ...closingEvents(generated, PARTITIONS)];
    await env.produce(events);
    await killTwiceWhileOnePartitionIsSlow(env, events, 'scarce', 10);
    const expected = await expectExactlyTheOracle(env, events);
    expect([...expected.states.get('order')!.values()].filter((o) => (o as { status: string }).status === 'rejected').length).toBeGreaterThan(100);
  }, 300_000);

  test('two processes share the shards; one is killed with SIGKILL and the other takes over after the session timeout: states and alert ids equal the driver', async () => {
    const env = await run.open(PARTITIONS);
    const events = workload(47, 60_000);
    await env.produce(events);
    const [a, b] = await Promise.all([start(env, 'proc-a', MERGE), start(env, 'proc-b', MERGE)]);
    // Both own shards (merging users on one may wait for orders on the other), then one dies:
    // its order shards have no owner for a session timeout, and the survivor's merges wait for them.
    for (let owners = 0; owners < 2; ) {
      owners = (await env.sql`select count(distinct owner_id)::int as n from shard_owners`)[0]!.n as number;
      await new Promise((r) => setTimeout(r, 50));
    }
    while ((await consumedSoFar(env)) < events.length / 3) await new Promise((r) => setTimeout(r, 20));
    await stop(a, 'SIGKILL');
    // The survivor takes every shard after the session timeout (whether or not the dead one had
    // work left: its order shards may finish first while users wait for their clocks).
    for (let owners: string[] = []; owners.join() !== 'proc-b'; await new Promise((r) => setTimeout(r, 200))) {
      owners = (await env.sql`select array_agg(distinct owner_id order by owner_id) as ids from shard_owners`)[0]!.ids as string[];
    }
    await waitUntilSettled(env);
    await stop(b, 'SIGTERM');
    expectNoWaitTimedOut(b);
    await expectExactlyTheOracle(env, events);
  }, 300_000);
});
