import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { orderActor } from '../actors/order.ts';
import { skuActor } from '../actors/sku.ts';
import { userActor } from '../actors/user.ts';
import { kafkajsLogClient } from '../adapters/kafkajs/index.ts';
import { JAVA_MURMUR2 } from '../adapters/kafkajs/partitioner-fixtures.ts';
import { brokerFixture, closeAll, type BrokerFixture, keyOn, recording, uniquePrefix, waitUntil } from '../adapters/platformatic/test-helpers.ts';
import { topicNames, type LogClient, type RecordSource, type TailRecord, type TopicAdmin } from '../engine/index.ts';
import { inboxTopicOf } from '../schemas/index.ts';

/**
 * The platformatic LogClient against a real broker: topics, the sink, the tail, key placement, the
 * source's redelivery/seek/pause rules and commits. kafkajs (the other adapter and its admin) is the
 * independent witness where one is needed. The group behaviour is in platformatic-group.test.ts.
 */
let broker: BrokerFixture['broker'];
let client: LogClient;
let admin: TopicAdmin;
let witness: Admin;
let sources: RecordSource[];
let fixture: BrokerFixture;
const prefix = uniquePrefix('c');

beforeAll(async () => {
  fixture = await brokerFixture(prefix);
  ({ broker, client, admin, witness, sources } = fixture);
}, 120_000);

afterAll(() => fixture?.close(), 30_000);

describe('platformatic admin', () => {
  test('ensureTopics creates the planned topics: sources and inboxes with N partitions and the input config, 1-partition DLQs', async () => {
    const topics = topicNames(`${prefix}e_`);
    const app = `${prefix}app`;
    const perType = await admin.ensureTopics({ app, actors: [skuActor, orderActor, userActor], partitions: 4, topics, maxFutureMs: 123_000 });
    expect(Object.fromEntries(perType)).toEqual({ sku: 4, order: 4, user: 4 });
    for (const t of [...Object.values(topics.source), ...['sku', 'order', 'user'].map((a) => inboxTopicOf(app, a)), topics.alerts]) {
      expect(await admin.partitionCount(t)).toBe(4);
    }
    expect(await admin.partitionCount(`${topics.source.user_events}.dlq`)).toBe(1);
    const config = async (topic: string) => {
      const { resources } = await witness.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['message.timestamp.after.max.ms'] }] });
      return resources[0]!.configEntries[0]!.configValue;
    };
    expect(await config(topics.source.inventory_events)).toBe('123000');
    expect(await config(inboxTopicOf(app, 'order'))).toBe('123000');
    // idempotent: everything exists now
    expect(Object.fromEntries(await admin.ensureTopics({ app, actors: [skuActor], partitions: 9, topics }))).toEqual({ sku: 4 });
    expect(await admin.ensureSourceTopics([topics.source.user_events, `${prefix}e_new`], 4)).toEqual({ created: [`${prefix}e_new`], mismatched: [] });
    expect(await admin.ensureSourceTopics([topics.source.user_events], 6)).toEqual({ created: [], mismatched: [{ topic: topics.source.user_events, partitions: 4 }] });
    expect(await admin.partitionCount(`${prefix}missing`)).toBeUndefined();
  }, 60_000);
});

describe('platformatic sink, tail and partitionOf', () => {
  test('sink → tail: keys, text and byte values, headers and timestamps round-trip, each key on its murmur2 partition', async () => {
    const topic = `${prefix}roundtrip`;
    await admin.ensureSourceTopics([topic], 3);
    const keys = [...JAVA_MURMUR2.map(([k]) => k), ...Array.from({ length: 20 }, (_, i) => `user-${i}`)];
    const bytes = new Uint8Array([0, 255, 1, 128, 10]);
    const sink = await client.sink();
    await sink.send(keys.map((key, i) => ({ topic, key, value: i % 2 ? `text-${i}` : new TextEncoder().encode(`bytes-${i}`), headers: { trace: `t-${i}`, n: String(i) }, timestamp: 1_600_000_000_000 + i })));
    await sink.send([{ topic, key: 'raw', value: bytes }]);
    await sink.disconnect();
    const got: TailRecord[] = [];
    const tail = await client.tail(topic, { from: 'beginning' }, (rs) => void got.push(...rs));
    await waitUntil(() => got.length >= keys.length + 1, 20_000, () => `${got.length} records`);
    await tail.stop();
    for (const [i, key] of keys.entries()) {
      const r = got.find((x) => x.key === key)!;
      expect({ value: r.value, headers: r.headers }).toEqual({ value: i % 2 ? `text-${i}` : `bytes-${i}`, headers: { trace: `t-${i}`, n: String(i) } });
      expect(r.partition).toBe(client.partitionOf(key, 3));
    }
    for (const [key, hash] of JAVA_MURMUR2) expect(got.find((r) => r.key === key)!.partition).toBe((hash & 0x7fffffff) % 3);
    // Bytes and timestamps, as the engine's source sees them.
    const seen = new Map<string, { value: number[]; timestamp?: string }>();
    const source = await client.source({ groupId: `${prefix}rt`, topics: [topic], shardOf: () => 'x', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 });
    sources.push(source);
    await source.run(recording((b, c) => {
      for (const m of b.records) seen.set(Buffer.from(m.key!).toString(), { value: [...m.value!], timestamp: m.timestamp });
      c.consumedThrough(b.lastOffset);
    }).handlers, { concurrency: 3 });
    await waitUntil(() => seen.size >= keys.length + 1, 20_000, () => `${seen.size} seen`);
    expect(seen.get('raw')!.value).toEqual([...bytes]);
    expect(seen.get(keys[3]!)!.timestamp).toBe(String(1_600_000_000_003));
  }, 60_000);

  test('records a kafkajs producer and a platformatic producer write for one key land on the same partition', async () => {
    const topic = `${prefix}agree`;
    await admin.ensureSourceTopics([topic], 6);
    const keys = Array.from({ length: 60 }, (_, i) => `sku-${i}`);
    const kafkajs = kafkajsLogClient(new Kafka({ clientId: `${prefix}kjs`, brokers: broker.brokers, logLevel: logLevel.NOTHING }));
    for (const c of [client, kafkajs]) {
      const sink = await c.sink();
      await sink.send(keys.map((key) => ({ topic, key, value: c === client ? 'platformatic' : 'kafkajs' })));
      await sink.disconnect();
    }
    const got: TailRecord[] = [];
    const tail = await client.tail(topic, { from: 'beginning' }, (rs) => void got.push(...rs));
    await waitUntil(() => got.length >= 120, 20_000, () => `${got.length} records`);
    await tail.stop();
    for (const key of keys) expect(new Set(got.filter((r) => r.key === key).map((r) => r.partition))).toEqual(new Set([client.partitionOf(key, 6)]));
  }, 60_000);

  test("a tail from 'end' sees only later records; a tail with a groupId continues where that group committed", async () => {
    const topic = `${prefix}tails`;
    await admin.ensureSourceTopics([topic], 2);
    const sink = await client.sink();
    await sink.send([{ topic, key: 'a', value: 'before' }]);
    const fromEnd: TailRecord[] = [];
    const late = await client.tail(topic, { from: 'end' }, (rs) => void fromEnd.push(...rs));
    const grouped: TailRecord[] = [];
    const first = await client.tail(topic, { from: 'beginning', groupId: `${prefix}tailgroup` }, (rs) => void grouped.push(...rs));
    await waitUntil(() => grouped.length === 1, 20_000, () => `${grouped.length} grouped`);
    await first.stop();
    await sink.send([{ topic, key: 'b', value: 'after' }]);
    await waitUntil(() => fromEnd.length === 1, 20_000, () => `${fromEnd.length} from end`);
    expect(fromEnd.map((r) => r.value)).toEqual(['after']);
    await late.stop();
    const second = await client.tail(topic, { from: 'beginning', groupId: `${prefix}tailgroup` }, (rs) => void grouped.push(...rs));
    await waitUntil(() => grouped.length === 2, 20_000, () => `${grouped.length} grouped`);
    await new Promise((r) => setTimeout(r, 500)); // room for a redelivery to show up
    await second.stop();
    await sink.disconnect();
    expect(grouped.map((r) => r.value)).toEqual(['before', 'after']);
  }, 60_000);
});
