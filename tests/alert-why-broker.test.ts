import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { kafkajsClusterClient } from '../adapters/kafkajs/index.ts';
import { platformaticLogClient } from '../adapters/platformatic/index.ts';
import { brokerFixture, type BrokerFixture, uniquePrefix } from '../adapters/platformatic/test-helpers.ts';
import { explainAlert } from '../engine/alert-causes.ts';
import { readPartitionRange } from '../engine/partition-range.ts';
import type { LogClient } from '../engine/index.ts';
import type { Alert } from '../schemas/index.ts';

/**
 * Reading the log back against a real broker, with both Kafka clients: a range of one partition
 * (a tail from an offset), and an alert's causes found from its entity's partitions — an event on
 * the entity's own source topic, and a message on its inbox followed to the sender's source event.
 */
let fixture: BrokerFixture;
const prefix = uniquePrefix('w');
const topics = { userSource: `${prefix}user_events`, userInbox: `${prefix}app.user.inbox`, orderSource: `${prefix}transaction_events` };
const clients: Record<string, () => LogClient> = {
  kafkajs: () => kafkajsClusterClient(`${prefix}kafkajs`, fixture.broker.brokers),
  platformatic: () => platformaticLogClient(`${prefix}platformatic`, fixture.broker.brokers),
};

beforeAll(async () => {
  fixture = await brokerFixture(prefix);
  const { admin, sink, client } = fixture;
  await admin.ensureSourceTopics(Object.values(topics), 3);
  const at = (topic: string, key: string, value: unknown, headers?: Record<string, string>) => ({ topic, key, value: JSON.stringify(value), ...(headers ? { headers } : {}) });
  const p = client.partitionOf('u-why', 3);
  // Filler on the user's partitions before and after, so the scan has more than the causes to read.
  const filler = (n: number, tag: string) => Array.from({ length: n }, (_, i) => at(topics.userSource, 'u-why', { id: `${tag}-${i}`, type: 'page_viewed', v: 1, ts: 1, data: { userId: 'u-why', path: '/' } }));
  await sink.send([
    ...filler(40, 'before'),
    at(topics.userSource, 'u-why', { id: 'login-1', type: 'login_succeeded', v: 1, ts: 2, data: { userId: 'u-why', country: 'DE', ip: '10.0.0.1', deviceId: 'd' } }, { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` }),
    at(topics.orderSource, 'o-why', { id: 'pay-1', type: 'payment_authorized', v: 1, ts: 3, data: { orderId: 'o-why', userId: 'u-why', amount: 900, cardFingerprint: 'fp', country: 'FR' } }),
    // Its message was handed over in memory (local messages): no inbox record names its order.
    at(topics.orderSource, 'o-mem', { id: 'pay-2', type: 'payment_authorized', v: 1, ts: 4, data: { orderId: 'o-mem', userId: 'u-why', amount: 700, cardFingerprint: 'fp', country: 'FR' } }),
  ]);
  await sink.send([
    at(topics.userInbox, 'u-why', { from: { type: 'order', key: 'o-why' }, msg: { type: 'payment_attempted', cause: 'pay-1', ts: 3, orderId: 'o-why', amount: 900 } }),
    ...filler(40, 'after'),
  ]);
  expect(p).toBe(client.partitionOf('u-why', 3));
}, 120_000);

afterAll(() => fixture?.close(), 30_000);

/** The actor types of the deployment the alerts come from: users and orders. */
const deployment = {
  topicsOf: (type: string) =>
    type === 'user' ? { source: topics.userSource, inbox: topics.userInbox } : type === 'order' ? { source: topics.orderSource, inbox: `${prefix}app.order.inbox` } : undefined,
  sources: [{ type: 'user', topic: topics.userSource }, { type: 'order', topic: topics.orderSource }],
};

/** `check` with a fresh client's admin, disconnected afterwards. */
async function withAdmin(make: () => LogClient, check: (client: LogClient, admin: Awaited<ReturnType<LogClient['admin']>>) => Promise<void>): Promise<void> {
  const client = make();
  const admin = await client.admin();
  try {
    await check(client, admin);
  } finally {
    await admin.disconnect();
  }
}

for (const [name, make] of Object.entries(clients)) {
  describe(`reading the log back with ${name}`, () => {
    test('a range of one partition: exactly the records in [start, end), in order, with their timestamps', async () => {
      const client = make();
      const p = client.partitionOf('u-why', 3);
      const records = await readPartitionRange(client, topics.userSource, p, 10, 20);
      expect(records.map((r) => Number(r.offset))).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(records.every((r) => r.partition === p && typeof r.timestamp === 'number' && r.timestamp > 0)).toBe(true);
      expect(await readPartitionRange(client, topics.userSource, p, 5, 5)).toEqual([]);
    }, 60_000);

    test("an alert's causes: its own source event, a message followed to the sender's event, and an event whose message was handed over in memory", () => withAdmin(make, async (client, admin) => {
      const alert: Alert = {
        id: 'user/u-why/impossible_travel/pay-1', type: 'impossible_travel', entityType: 'user', entityKey: 'u-why', severity: 'critical',
        ts: 3, detectedAt: Date.now(), reasons: ['login-1', 'pay-1', 'pay-2', 'never-produced'], details: { summary: 'test' },
      };
      const why = await explainAlert({ client, admin, ...deployment }, alert);
      expect(why.unresolved).toEqual(['never-produced']);
      expect(why.causes.map((c) => c.id)).toEqual(['login-1', 'pay-1', 'pay-2']);
      const [login, pay, inMemory] = why.causes;
      expect(login!.record).toMatchObject({ topic: topics.userSource, partition: client.partitionOf('u-why', 3), offset: 40, key: 'u-why', event: { id: 'login-1', type: 'login_succeeded' } });
      expect(login!.traceparent).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
      expect(pay!.record).toMatchObject({ topic: topics.orderSource, partition: client.partitionOf('o-why', 3), offset: 0, key: 'o-why', event: { id: 'pay-1', data: { amount: 900 } } });
      expect(pay!.via).toMatchObject({ topic: topics.userInbox, offset: 0, from: { type: 'order', key: 'o-why' }, message: { cause: 'pay-1' } });
      expect(inMemory!.record).toMatchObject({ topic: topics.orderSource, partition: client.partitionOf('o-mem', 3), key: 'o-mem', event: { id: 'pay-2', data: { amount: 700 } } });
      expect(inMemory!.via).toBeUndefined();
      // Its message is in no topic: the order whose input pay-2 was names where the facts came from.
      expect(inMemory!.handledBy).toEqual({ type: 'order', key: 'o-mem' });
      expect([login!.handledBy, pay!.handledBy]).toEqual([undefined, undefined]);
      // The entity's two partitions, the sender's partition, then every other source partition for pay-2.
      expect(why.scanned).toBeGreaterThanOrEqual(84);
    }), 90_000);

    test('an alert about an entity no actor type runs (an SDK actor may raise one about anything): its causes are found on every source partition', () => withAdmin(make, async (client, admin) => {
      const alert: Alert = {
        id: 'customer/c-1/churn_risk/pay-2', type: 'churn_risk', entityType: 'customer', entityKey: 'c-1', severity: 'info',
        ts: 4, detectedAt: Date.now(), reasons: ['pay-2', 'login-1', 'never-produced'], details: { summary: 'test' },
      };
      const why = await explainAlert({ client, admin, ...deployment }, alert);
      // Before, nothing was read for such an alert and every reason came back unresolved.
      expect(why.causes.map((c) => [c.id, c.handledBy])).toEqual([['pay-2', { type: 'order', key: 'o-mem' }], ['login-1', { type: 'user', key: 'u-why' }]]);
      expect(why.unresolved).toEqual(['never-produced']);
      expect(why.causes[1]!.record).toMatchObject({ topic: topics.userSource, partition: client.partitionOf('u-why', 3), offset: 40 });
    }), 90_000);
  });
}
