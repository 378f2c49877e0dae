import { describe, expect, test } from 'bun:test';
import { JAVA_MURMUR2 } from '../kafkajs/partitioner-fixtures.ts';
import { createInProcessLog } from './in-process-log.ts';

/** Admin and producer of the in-process log, against kafkajs's documented answers. */
describe('in-process log: admin', () => {
  test('createTopics is true for new topics and false when one exists; the existing one keeps its partitions', async () => {
    const admin = createInProcessLog({ defaultPartitions: 2 }).admin();
    expect(await admin.createTopics({ topics: [{ topic: 'a', numPartitions: 3 }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'a', numPartitions: 5 }, { topic: 'b' }] })).toBe(false);
    expect((await admin.listTopics()).sort()).toEqual(['a', 'b']);
    const meta = await admin.fetchTopicMetadata({ topics: ['a', 'b'] });
    expect(meta.topics.map((t) => [t.name, t.partitions.length])).toEqual([['a', 3], ['b', 2]]);
    expect(meta.topics[0]!.partitions[1]).toMatchObject({ partitionId: 1, leader: 0, replicas: [0], isr: [0] });
  });

  test('duplicate topics in one request are refused', async () => {
    const admin = createInProcessLog().admin();
    await expect(admin.createTopics({ topics: [{ topic: 'x' }, { topic: 'x' }] })).rejects.toThrow(/multiple entries/);
  });

  test('an unknown topic fails with UNKNOWN_TOPIC_OR_PARTITION (no auto-creation)', async () => {
    const kafka = createInProcessLog();
    const admin = kafka.admin();
    await expect(admin.fetchTopicOffsets('nope')).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', name: 'KafkaJSProtocolError' });
    await expect(admin.fetchTopicMetadata({ topics: ['nope'] })).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const producer = kafka.producer();
    await producer.connect();
    await expect(producer.send({ topic: 'nope', messages: [{ key: 'k', value: 'v' }] })).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(await admin.listTopics()).toEqual([]);
  });

  test('fetchTopicOffsets answers partition, offset = high, high and low as strings', async () => {
    const kafka = createInProcessLog();
    const admin = kafka.admin();
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 't', messages: [{ value: 'a', partition: 1 }, { value: 'b', partition: 1 }, { value: 'c', partition: 0 }] });
    expect(await admin.fetchTopicOffsets('t')).toEqual([
      { partition: 0, offset: '1', high: '1', low: '0' },
      { partition: 1, offset: '2', high: '2', low: '0' },
    ]);
  });

  test('describeCluster names one broker', async () => {
    const { brokers, controller } = await createInProcessLog().admin().describeCluster();
    expect(brokers).toHaveLength(1);
    expect(controller).toBe(brokers[0]!.nodeId);
  });
});

describe('in-process log: producer', () => {
  test('keyed records land on the partition of Kafka\'s murmur2 partitioner (Java test vectors)', async () => {
    const kafka = createInProcessLog();
    await kafka.admin().createTopics({ topics: [{ topic: 'k', numPartitions: 6 }] });
    const producer = kafka.producer();
    await producer.connect();
    const meta = await producer.send({ topic: 'k', messages: JAVA_MURMUR2.map(([key]) => ({ key, value: key })) });
    const landed = await readAll(kafka, 'k');
    for (const [key, hash] of JAVA_MURMUR2) {
      expect(landed.find((r) => r.key === key)!.partition).toBe((hash & 0x7fffffff) % 6);
    }
    // one RecordMetadata per partition written, with its base offset
    expect(meta.every((m) => m.topicName === 'k' && m.errorCode === 0 && m.baseOffset === '0')).toBe(true);
    expect(new Set(meta.map((m) => m.partition)).size).toBe(meta.length);
  });

  test('offsets count from 0 per partition in send order; timestamps and headers as a consumer sees them', async () => {
    const kafka = createInProcessLog();
    await kafka.admin().createTopics({ topics: [{ topic: 'o', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.sendBatch({ topicMessages: [{ topic: 'o', messages: [
      { value: 'p0-a', partition: 0, timestamp: '1700000000000', headers: { h: 'x', many: ['1', Buffer.from('2')] } },
      { value: 'p1-a', partition: 1 },
      { value: 'p0-b', partition: 0 },
    ] }] });
    const [meta] = await producer.send({ topic: 'o', messages: [{ value: 'p0-c', partition: 0 }] });
    expect(meta).toMatchObject({ partition: 0, baseOffset: '2' });
    const all = await readAll(kafka, 'o');
    expect(all.filter((r) => r.partition === 0).map((r) => [r.offset, r.value])).toEqual([['0', 'p0-a'], ['1', 'p0-b'], ['2', 'p0-c']]);
    expect(all.filter((r) => r.partition === 1).map((r) => [r.offset, r.value])).toEqual([['0', 'p1-a']]);
    const first = all.find((r) => r.value === 'p0-a')!;
    expect(first.timestamp).toBe('1700000000000');
    expect(Buffer.isBuffer(first.headers.h)).toBe(true);
    expect(String(first.headers.h)).toBe('x');
    expect((first.headers.many as Buffer[]).map(String)).toEqual(['1', '2']);
    expect(Number(all.find((r) => r.value === 'p0-b')!.timestamp)).toBeGreaterThan(1_700_000_000_000);
  });

  test('a send before connect, or without a value, fails like kafkajs', async () => {
    const kafka = createInProcessLog();
    await kafka.admin().createTopics({ topics: [{ topic: 'v' }] });
    const producer = kafka.producer({ idempotent: true });
    await expect(producer.send({ topic: 'v', messages: [{ value: 'x' }] })).rejects.toThrow(/disconnected/);
    await producer.connect();
    await expect(producer.send({ topic: 'v', messages: [{ key: 'k' } as never] })).rejects.toThrow(/without value/);
    await expect(producer.send({ topic: 'v', acks: 1, messages: [{ value: 'x' }] })).rejects.toThrow(/idempotent/);
  });

  test('the log keeps its own copy of a produced Buffer', async () => {
    const kafka = createInProcessLog();
    await kafka.admin().createTopics({ topics: [{ topic: 'c' }] });
    const producer = kafka.producer();
    await producer.connect();
    const value = Buffer.from('before');
    await producer.send({ topic: 'c', messages: [{ value }] });
    value.write('AFTER!');
    expect((await readAll(kafka, 'c'))[0]!.value).toBe('before');
  });
});

/** Every record of a topic, read with a throwaway consumer group from the beginning. */
async function readAll(kafka: ReturnType<typeof createInProcessLog>, topic: string) {
  const out: { partition: number; offset: string; key: string | null; value: string | null; timestamp: string; headers: Record<string, unknown> }[] = [];
  const ends = await kafka.admin().fetchTopicOffsets(topic);
  const total = ends.reduce((n, e) => n + Number(e.high), 0);
  const consumer = kafka.consumer({ groupId: `reader-${Math.random()}` });
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      out.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, timestamp: message.timestamp, headers: message.headers ?? {} });
      if (out.length === total) done();
    },
  });
  if (total > 0) await finished;
  await consumer.disconnect();
  return out;
}
