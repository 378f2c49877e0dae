import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { AssignerProtocol, Kafka, logLevel, Partitioners, type Admin, type Consumer, type logCreator, type Producer } from 'kafkajs';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { ensureKafka, type KafkaHandle } from '../scripts/kafka/local-kafka.ts';
import { JAVA_MURMUR2 } from '../adapters/kafkajs/partitioner-fixtures.ts';
import { ensureTopics } from '../adapters/kafkajs/topics.ts';
import { topicNames } from '../engine/topic-names.ts';
import { skuActor } from '../actors/sku.ts';
import { createKafkaClient } from '../adapters/kafkajs/port.ts';

/**
 * Producer and consumer-group guarantees the runtime relies on, against a real broker: the one in
 * KAFKA_BROKERS (set by `npm test`), or, run alone, a broker this file starts and stops.
 */
let own: KafkaHandle | undefined;
let kafka: Kafka;
let admin: Admin;
let brokerList: string[];

beforeAll(async () => {
  let brokers = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);
  if (!brokers?.length) {
    own = await ensureKafka();
    brokers = own.brokers;
  }
  brokerList = brokers;
  kafka = new Kafka({
    clientId: 'kafka-test',
    brokers,
    logLevel: logLevel.WARN,
    logCreator: quietLogs,
    retry: { initialRetryTime: 100, retries: 8 },
  });
  admin = kafka.admin();
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.disconnect();
  await own?.stop();
}, 30_000);


// kafkajs heartbeats (and so notices a rebalance) and disconnects only between fetches: a short fetch
// wait keeps a second member's join and the final disconnect from waiting out the 5 s default.
const consumerSettings = { sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500, allowAutoTopicCreation: false };

describe('kafka', () => {
  test('an idempotent producer delivers 1000 keyed messages exactly once, each key to its murmur2 partition', async () => {
    const topic = uniqueName('idempotent');
    const partitions = 3;
    const keys = [...JAVA_MURMUR2.map(([k]) => k), ...Array.from({ length: 44 }, (_, i) => `user-${i}`)];
    const sent = Array.from({ length: 1000 }, (_, i) => ({ key: keys[i % keys.length]!, value: `value-${i}` }));
    await createTopic(topic, partitions);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const consumer = kafka.consumer({ groupId: uniqueName('idempotent-reader'), ...consumerSettings });
    const received: { key: string; value: string; partition: number }[] = [];
    try {
      await producer.connect();
      for (let i = 0; i < sent.length; i += 100) {
        await producer.send({ topic, acks: -1, messages: sent.slice(i, i + 100) });
      }
      // The log itself must hold exactly 1000 records: a retried batch written twice would show here.
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)).toBe(1000);

      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({ key: message.key!.toString(), value: message.value!.toString(), partition });
        },
      });
      await waitUntil(() => received.length >= sent.length, 45_000, () => `received ${received.length} of ${sent.length}`);
      await new Promise((r) => setTimeout(r, 1_000)); // room for a duplicate to show up
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await deleteTopic(topic);
    }

    expect(received.length).toBe(sent.length);
    const byValue = new Map(received.map((m) => [m.value, m]));
    expect(byValue.size).toBe(sent.length);
    for (const { key, value } of sent) expect(byValue.get(value)?.key).toBe(key);

    const partitionOfKey = new Map<string, Set<number>>();
    for (const m of received) partitionOfKey.set(m.key, (partitionOfKey.get(m.key) ?? new Set()).add(m.partition));
    for (const [key, seen] of partitionOfKey) {
      expect({ key, partitions: [...seen] }).toEqual({ key, partitions: [partitionOf(key, partitions)] });
    }
    for (const [key, hash] of JAVA_MURMUR2) {
      expect({ key, partitions: [...partitionOfKey.get(key)!] }).toEqual({ key, partitions: [(hash & 0x7fffffff) % partitions] });
    }
  }, 90_000);

  test('two members of one group split 4 partitions and each consumes exactly its own', async () => {
    const topic = uniqueName('group');
    const groupId = uniqueName('group-pair');
    await createTopic(topic, 4);
    const members = { A: kafka.consumer({ groupId, ...consumerSettings }), B: kafka.consumer({ groupId, ...consumerSettings }) };
    type Name = keyof typeof members;
    const joins: Record<Name, { leaderId: string; partitions: number[] }[]> = { A: [], B: [] };
    const consumedBy = new Map<string, { member: Name; partition: number }[]>();
    let producer: Producer | undefined;

    const start = async (name: Name, consumer: Consumer) => {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        joins[name].push({ leaderId: payload.leaderId, partitions: [...(payload.memberAssignment[topic] ?? [])].sort((x, y) => x - y) });
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const value = message.value!.toString();
          consumedBy.set(value, [...(consumedBy.get(value) ?? []), { member: name, partition }]);
        },
      });
    };
    const latest = (name: Name) => joins[name].at(-1);

    try {
      await start('A', members.A);
      await waitUntil(() => latest('A')?.partitions.length === 4, 30_000, () => `A's joins: ${JSON.stringify(joins.A)}`);
      await start('B', members.B);
      // Both members have joined the generation that includes B once they report the same leader and
      // their assignments fit together; A's earlier, solo generation would overlap B's partitions.
      const settled = () => {
        const [a, b] = [latest('A'), latest('B')];
        return !!a && !!b && a.leaderId === b.leaderId && a.partitions.length + b.partitions.length === 4 && new Set([...a.partitions, ...b.partitions]).size === 4;
      };
      await waitUntil(settled, 45_000, () => `joins: ${JSON.stringify(joins)}`);
      const owner = new Map<number, Name>();
      for (const name of ['A', 'B'] as const) {
        expect(latest(name)!.partitions.length).toBeGreaterThan(0);
        for (const p of latest(name)!.partitions) owner.set(p, name);
      }
      expect([...owner.keys()].sort((x, y) => x - y)).toEqual([0, 1, 2, 3]);

      // The broker's view of the group must be that same assignment, i.e. one stable generation.
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]!.state).toBe('Stable');
      const brokerView = groups[0]!.members.flatMap((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? []);
      expect(brokerView.sort((x, y) => x - y)).toEqual([0, 1, 2, 3]);
      const joinsBeforeProducing = joins.A.length + joins.B.length;

      producer = kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      const perPartition = 25;
      const messages = [0, 1, 2, 3].flatMap((partition) =>
        Array.from({ length: perPartition }, (_, i) => ({ partition, value: `p${partition}-${i}` })),
      );
      await producer.send({ topic, acks: -1, messages });
      await waitUntil(() => consumedBy.size >= messages.length, 45_000, () => `consumed ${consumedBy.size} of ${messages.length}`);
      await new Promise((r) => setTimeout(r, 1_000));

      // A rebalance while consuming would legitimately move partitions; fail with that reason, not a puzzle.
      expect({ rebalancedWhileConsuming: joins.A.length + joins.B.length > joinsBeforeProducing }).toEqual({ rebalancedWhileConsuming: false });
      expect(consumedBy.size).toBe(messages.length);
      for (const { partition, value } of messages) {
        expect({ value, consumedBy: consumedBy.get(value) }).toEqual({ value, consumedBy: [{ member: owner.get(partition)!, partition }] });
      }
    } finally {
      await producer?.disconnect();
      await Promise.all([members.A.disconnect(), members.B.disconnect()]);
      await deleteTopic(topic);
    }
  }, 120_000);
});

function uniqueName(prefix: string): string {
  return `test-${prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const created = await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  expect(created).toBe(true);
}

async function deleteTopic(topic: string): Promise<void> {
  await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => {});
}

/** Waits for state that event handlers update; `describe` says what was seen when it times out. */
async function waitUntil(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * kafkajs at WARN, minus what a healthy run logs anyway: every retried error response (a fresh broker's
 * coordinator still loading, a group rebalancing), the re-join that follows, and the warning that an
 * idempotent producer with bounded retries could lose exactly-once after giving up (the test fails then).
 */
function quietLogs(): ReturnType<logCreator> {
  const expected: [string, RegExp][] = [
    ['Connection', /^Response /],
    ['Runner', /rebalancing, re-joining/],
    ['Producer', /^Limiting retries for the idempotent producer/],
  ];
  return ({ namespace, level, log }) => {
    if (expected.some(([ns, re]) => ns === namespace && re.test(log.message))) return;
    const { message, timestamp: _t, logger: _l, ...details } = log;
    console.error(`[kafkajs ${logLevel[level]}] ${namespace}: ${message} ${JSON.stringify(details)}`);
  };
}

describe('kafka: input topics bound record timestamps (issue 18)', () => {
  test('a source topic created by the runtime refuses a record stamped an hour ahead, and takes one stamped now', async () => {
    const prefix = `${uniqueName('ts')}_`;
    const topics = topicNames(prefix);
    await ensureTopics(admin, `${prefix}app`, [skuActor], 1, topics);
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      const send = (timestamp: number) => producer.send({ topic: topics.source.inventory_events, acks: -1, messages: [{ key: 'k', value: 'v', timestamp: String(timestamp) }] });
      await send(Date.now());
      const refused = await send(Date.now() + 3_600_000).then(() => undefined, (e: { type?: string; message: string }) => e);
      expect(refused?.type ?? refused?.message).toMatch(/INVALID_TIMESTAMP|timestamp/i);
    } finally {
      await producer.disconnect();
    }
  });
});

describe("kafka: the adapter's client sleeps when idle", () => {
  test('a connected producer and consumer with nothing to do arm almost no timers (kafkajs 2.2.4 re-armed a 1 ms one per connection)', async () => {
    const topic = uniqueName('idle');
    await createTopic(topic, 1);
    const client = createKafkaClient('idle-test', brokerList);
    const producer = client.producer();
    const consumer = client.consumer({ groupId: uniqueName('idle-reader'), ...consumerSettings });
    try {
      await producer.connect();
      await producer.send({ topic, messages: [{ value: 'x' }] });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let consumed = 0;
      await consumer.run({ eachMessage: async () => void consumed++ });
      await waitUntil(() => consumed === 1, 30_000, () => 'the one record was not consumed');
      const timers = await setTimeoutCallsDuring(1_000);
      // Each idle connection used to arm ~900 a second. Left: the consumer's fetch and heartbeat.
      expect(timers).toBeLessThan(100);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await deleteTopic(topic);
    }
  }, 60_000);
});

/** How many times anything in this process calls setTimeout during the next `ms`. */
async function setTimeoutCallsDuring(ms: number): Promise<number> {
  const real = globalThis.setTimeout;
  let calls = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    calls++;
    return real(...args);
  }) as typeof setTimeout;
  try {
    await new Promise((resolve) => real(resolve, ms));
  } finally {
    globalThis.setTimeout = real;
  }
  return calls;
}
