import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startInstance, type Instance } from '../instance/start-instance.ts';
import { eventually, freePort } from './support/instance-process.ts';

/**
 * Dead letters as an operation, end to end on the embedded default: records a producer wrote past
 * the API are dead-lettered by the processor, listed over the admin route with their reason and
 * source coordinates, and one sent back after its cause went away (an event time too far ahead of
 * its record's timestamp) is applied — once, however often it is sent back.
 */
describe('dead letters: list and redrive over HTTP', () => {
  let instance: Instance;
  const MAX_FUTURE_MS = 2_000;
  beforeAll(async () => {
    instance = await startInstance(
      {
        mode: 'embedded',
        processor: { brokers: [], databaseUrl: '', app: 'dlq', groupId: 'dlq-processor', partitions: 1, checkpointIntervalMs: 100, ownerId: 'dlq-1', workers: 0, maxFutureMs: MAX_FUTURE_MS },
        http: { port: await freePort() },
        generatorRate: 0,
      },
      () => {},
    );
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
  });

  type Listed = { deadLetters: { partition: number; offset: number; code: string; reason: string; source: { topic: string }; notRedrivable?: string }[] };
  const list = async (): Promise<Listed> => (await (await fetch(`${instance.url}/v1/admin/dead-letters?topic=inventory_events`)).json()) as Listed;
  const redrive = (positions: { partition: number; offset: number }[]) =>
    fetch(`${instance.url}/v1/admin/dead-letters/redrive`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'inventory_events', positions }) });
  const onHand = async () => ((await (await fetch(`${instance.url}/v1/skus/sku-dl`)).json()) as { state?: { onHand: number } }).state?.onHand;

  test('listed with code and source, redriven once fixed, applied once', async () => {
    const ahead = Date.now() + MAX_FUTURE_MS + 1_500;
    const sink = await instance.client.sink();
    await sink.send([
      { topic: 'inventory_events', key: 'sku-dl', value: JSON.stringify({ id: 'e-dl-1', type: 'stock_received', v: 1, ts: ahead, data: { sku: 'sku-dl', qty: 7 } }) },
      { topic: 'inventory_events', key: 'sku-dl', value: '{"id": "e-dl-2", not json' },
    ]);
    await sink.disconnect();
    const listed = await eventually(async () => {
      const l = await list();
      return l.deadLetters.length === 2 ? l : undefined;
    }, 20_000, 'two dead letters');
    const [future, broken] = listed.deadLetters;
    expect([future!.code, broken!.code, future!.source.topic]).toEqual(['FUTURE_TIMESTAMP', 'INVALID_JSON', 'inventory_events']);
    expect(future!.notRedrivable).toBeUndefined();

    // Its event time is no longer ahead of a record written now: send it back.
    await eventually(async () => (Date.now() + MAX_FUTURE_MS > ahead + 100 ? true : undefined), 10_000, 'the clock to catch up');
    const res = await redrive([{ partition: future!.partition, offset: future!.offset }]);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { redriven: unknown[] }).redriven).toHaveLength(1);
    await eventually(async () => ((await onHand()) === 7 ? true : undefined), 20_000, 'the redriven stock to be applied');

    // Sent back again: the event id is in the SKU's dedup window, so nothing changes.
    await redrive([{ partition: future!.partition, offset: future!.offset }]);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await onHand()).toBe(7);
    expect((await list()).deadLetters).toHaveLength(2);
  }, 60_000);

  test('unknown topics, malformed positions and positions with no dead letter are refused with the reason', async () => {
    const bad = await fetch(`${instance.url}/v1/admin/dead-letters?topic=nope`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("input topics (inventory_events, transaction_events, user_events, recommendation_events, dlq.sku.inbox, dlq.order.inbox, dlq.user.inbox, dlq.sku_affinity.inbox)");
    expect((await redrive([{ partition: -1, offset: 0 }])).status).toBe(400);
    const none = (await (await redrive([{ partition: 0, offset: 999 }])).json()) as { refused: { why: string }[] };
    expect(none.refused[0]!.why).toBe('no dead letter at inventory_events.dlq partition 0 offset 999');
  });
});
