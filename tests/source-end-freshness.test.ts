import { afterEach, describe, expect, test } from 'bun:test';
import { startProcessor, type Processor } from '../engine/processor.ts';
import type { DomainEvent } from '../schemas/index.ts';
import { validEnvelope } from '../schemas/fixtures.ts';
import { committed, foldWithDriver, stateDiffs } from './support/oracle.ts';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';
import type { LogClient } from '../engine/log-client.ts';
import { intercepted } from './support/intercepted-client.ts';

/**
 * The inbox gate's "caught up with the source" against a real broker (engine/shard/inbox-gate.ts,
 * engine/source-ends.ts). A SKU shard is taken while its source partition is still empty, so the
 * end it learns is 0. Then stock and an order for it are written together, and the stock is not
 * fetched for 3 s (its batches are given back to the client as they come). The reserve the order
 * sends must still be applied after the stock, as the driver applies it: granted. Before the end
 * was measured again for it, the reserve passed at once by the old end of 0 and was refused.
 * The same holds for a shard that merges in event time (engine/shard/merged-inputs.ts): a user's
 * payment fact must not pass its own source, taken as read to an end learned before the fact came.
 */
const UNFETCHED_MS = 3_000;

/**
 * The client, with the batches of `topic` given back unapplied (sought back to, so fetched again)
 * until `fetchedAfter` ms after the first one came: as if the partition were not fetched meanwhile.
 * A slow handler would not do: the client fetches nothing else until a fetch's batches are handled.
 */
function unfetchedFor(client: LogClient, topic: string, fetchedAfter: number): LogClient {
  let firstSeen: number | undefined;
  return intercepted(client, async (batch, _control, source, deliver) => {
    if (batch.topic !== topic || Date.now() - (firstSeen ??= Date.now()) >= fetchedAfter) return deliver();
    source.seek(batch, batch.records[0]!.offset);
    await new Promise((r) => setTimeout(r, 50));
  });
}

let env: PipelineEnv | undefined;

afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('a source end older than the inbox records', () => {
  test('a SKU taken with an empty source, whose stock arrives after the reserve: the reserve waits for it and is granted, as the driver does', async () => {
    env = await createPipelineEnv(1);
    const p = await startTakenWithout(env, env.topics.source.inventory_events, {});
    try {
      const t = 1_700_000_000_000;
      const events = [
        validEnvelope('stock_received', { id: 'e-stock', ts: t, data: { sku: 'sku-1', qty: 2 } }),
        validEnvelope('order_placed', { id: 'e-order', ts: t + 1000, data: { orderId: 'o-1', userId: 'u-1', items: [{ sku: 'sku-1', qty: 2, unitPrice: 5 }], currency: 'EUR', country: 'DE' } }),
      ] as unknown as DomainEvent[];
      await env.produce(events);
      await waitUntilSettled(env, 60_000);
      const expected = foldWithDriver(events);
      const actual = await committed(env.sql);
      expect(expected.states.get('order')!.get('o-1')).toMatchObject({ status: 'reserved', lines: [{ status: 'granted' }] });
      const diffs = stateDiffs(actual, expected);
      expect({ sku: diffs.sku, order: diffs.order }).toEqual({ sku: [], order: [] });
      expect(actual.alerts.filter((a) => a.type === 'oversell_prevented')).toEqual([]);
    } finally {
      await p.stop();
    }
  }, 120_000);

  test('with event-time merge: a user taken with an empty source, whose login arrives after the payment fact, hears the login first and raises impossible travel, as the driver does', async () => {
    env = await createPipelineEnv(1);
    const p = await startTakenWithout(env, env.topics.source.user_events, { eventTimeMerge: true });
    try {
      const t = 1_700_000_000_000;
      const events = [
        validEnvelope('login_succeeded', { id: 'e-login', ts: t, data: { userId: 'u-1', country: 'DE', ip: '10.0.0.1', deviceId: 'd-1' } }),
        validEnvelope('payment_authorized', { id: 'e-pay', ts: t + 1000, data: { orderId: 'o-1', userId: 'u-1', amount: 50, cardFingerprint: 'card-1', country: 'BR' } }),
      ] as unknown as DomainEvent[];
      await env.produce(events);
      await waitUntilSettled(env, 60_000);
      const expected = foldWithDriver(events);
      expect(expected.alerts.map((a) => a.type)).toContain('impossible_travel');
      const actual = await committed(env.sql);
      expect(stateDiffs(actual, expected, { exact: true }).user).toEqual([]);
      expect(actual.alerts.map((a) => a.id).sort()).toEqual(expected.alerts.map((a) => a.id).sort());
    } finally {
      await p.stop();
    }
  }, 120_000);
});

/**
 * A processor whose client does not deliver `topic` for UNFETCHED_MS, once it holds every shard:
 * each measured its source's end (nothing yet) before anything is written.
 */
async function startTakenWithout(e: PipelineEnv, topic: string, opts: { eventTimeMerge?: boolean }): Promise<Processor> {
  const p = await startProcessor({
    client: unfetchedFor(e.client, topic, UNFETCHED_MS),
    databaseUrl: e.db.url, app: e.app, groupId: `${e.app}-group`, topics: e.topics, partitions: 1,
    checkpointIntervalMs: 200, ownerId: 'p', workers: 0, ...opts,
    onFatal: (err) => {
      throw err;
    },
  });
  for (let held = 0; held < 4; ) {
    held = (await e.sql`select count(*)::int as n from shard_owners where owner_id = 'p'`)[0]!.n as number;
    await new Promise((r) => setTimeout(r, 50));
  }
  return p;
}
