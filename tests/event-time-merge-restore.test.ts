import { describe, expect, test } from 'bun:test';
import type { DomainEvent } from '../schemas/index.ts';
import { validEnvelope } from '../schemas/fixtures.ts';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { expectCommittedEqualsOracle } from './support/expect-oracle.ts';
import { waitUntilSettled } from './support/pipeline-env.ts';
import { brokerTestRun } from './support/spawned-processors.ts';
import { expectNoWaitTimedOut } from './support/merge-run.ts';

/**
 * Issue #16, found by a fail-over run that failed once in CI (77 s, one user different): an order
 * shard restored while its orders hold inputs for stock answers, its partition read to the end,
 * committed nothing until the answers came, and so stated no clock; its heartbeat said only
 * `alive`. SKU shards that had not heard its last clock waited for it, and answered only when the
 * orders' 60 s wait for answers ran out and applied the held payments anyway, in arrival order.
 * A restored sender now states its clock at once.
 */
const PARTITIONS = 3;
const T = 1_700_000_000_000;
const run = brokerTestRun();
const { start, stop } = run;

/** The first key of `prefix`-<i> that lands in partition `p`. */
function keyIn(prefix: string, p: number): string {
  for (let i = 0; ; i++) if (partitionOf(`${prefix}-${i}`, PARTITIONS) === p) return `${prefix}-${i}`;
}

function placed(id: string, orderId: string, sku: string, ts: number): DomainEvent {
  return validEnvelope('order_placed', { id, ts, data: { orderId, userId: `u-${orderId}`, items: [{ sku, qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' } }) as unknown as DomainEvent;
}

function paid(id: string, orderId: string, ts: number): DomainEvent {
  return validEnvelope('payment_authorized', { id, ts, data: { orderId, userId: `u-${orderId}`, amount: 5, cardFingerprint: `fp-${orderId}`, country: 'DE' } }) as unknown as DomainEvent;
}

describe('event-time merge, restored while orders await their answers', () => {
  test('order shards read to their end whose clocks nobody heard, restored after a SIGKILL: nothing waits until a bound runs out', async () => {
    const env = await run.open(PARTITIONS);
    // o0 (transaction partition 0) reserves SKU y and o1 (partition 1) SKU x, on two SKU shards;
    // each holds its payment until answered. The first process writes no clock record (as one
    // killed between committing its clocks and publishing them), so its SKUs hold the reserves.
    const [o0, o1] = [keyIn('o', 0), keyIn('o', 1)];
    const [x, y] = [keyIn('sku-x', 0), keyIn('sku-y', 1)];
    const events = [
      ...[x, y].map((sku) => validEnvelope('stock_received', { id: `e-stock-${sku}`, ts: T, data: { sku, qty: 5 } })),
      placed('e-o0', o0, y, T + 10_000),
      paid('e-o0-paid', o0, T + 11_000),
      placed('e-o1', o1, x, T + 12_000),
      paid('e-o1-paid', o1, T + 13_000),
    ] as unknown as DomainEvent[];
    await env.produce(events);
    const first = await start(env, 'first', { EVENT_TIME_MERGE: 'true' }, 'tests/support/clockless-processor-main.ts');
    const holding = async () => (await env.sql`select count(*)::int as n from actor_states where actor_type = 'order' and held_inputs is not null`)[0]!.n as number;
    for (const end = Date.now() + 60_000; (await holding()) < 2; await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > end) throw new Error(`the orders were never committed holding their payments:\n${first.output.join('')}`);
    }
    await stop(first, 'SIGKILL');

    // Restored, each order shard is at its end and holds a payment: nothing to commit until its
    // answer comes. SKU x needs order/0's promise to grant o1, and SKU y order/1's to grant o0.
    const second = await start(env, 'second', { EVENT_TIME_MERGE: 'true' });
    await waitUntilSettled(env);
    await stop(second, 'SIGTERM');
    expectNoWaitTimedOut(second); // before the fix: both orders' 60 s wait for answers ran out
    const expected = await expectCommittedEqualsOracle(env.sql, events, { exact: true, partitions: PARTITIONS });
    expect([o0, o1].map((o) => (expected.states.get('order')!.get(o) as { status: string }).status)).toEqual(['paid', 'paid']);
  }, 180_000);
});
