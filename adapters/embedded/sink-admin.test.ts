import { describe, expect, test } from 'bun:test';
import type { ActorDefinition } from '../../actors/actor.ts';
import { topicNames, type RawMessage, type TailRecord } from '../../engine/index.ts';
import { JAVA_MURMUR2 } from '../kafkajs/partitioner-fixtures.ts';
import { createInProcessLog, type InProcessLog } from './in-process-log.ts';
import { createTopic, runSource, sleep, until } from './test-helpers.ts';

/** Every record of `topic` so far, through a tail from the beginning. */
async function readAll(log: InProcessLog, topic: string): Promise<TailRecord[]> {
  const total = (await (await log.admin()).offsets(topic)).reduce((n, o) => n + o.high - o.low, 0);
  const out: TailRecord[] = [];
  const tail = await log.tail(topic, { from: 'beginning' }, (records) => void out.push(...records));
  await until(() => out.length === total);
  await tail.stop();
  return out;
}

describe('in-process log: sink', () => {
  test("keyed records land on the partition of Kafka's murmur2 partitioner (Java test vectors)", async () => {
    const log = createInProcessLog();
    await createTopic(log, 'k', 6);
    const sink = await log.sink();
    await sink.send(JAVA_MURMUR2.map(([key]) => ({ topic: 'k', key, value: key })));
    const landed = await readAll(log, 'k');
    expect(landed).toHaveLength(JAVA_MURMUR2.length);
    for (const [key, hash] of JAVA_MURMUR2) expect(landed.find((r) => r.key === key)!.partition).toBe((hash & 0x7fffffff) % 6);
    for (const [key, hash] of JAVA_MURMUR2) expect(log.partitionOf(key, 6)).toBe((hash & 0x7fffffff) % 6);
  });

  test('offsets count from 0 per partition in send order; headers kept; stamped with the time of the send', async () => {
    const log = createInProcessLog();
    await createTopic(log, 'o', 1);
    const sink = await log.sink();
    const before = Date.now();
    await sink.send([{ topic: 'o', key: 'a', value: 'first', headers: { h: 'x', trace: 'y' } }, { topic: 'o', key: 'b', value: 'second' }]);
    await sink.send([{ topic: 'o', key: 'a', value: 'third' }]);
    const all = await readAll(log, 'o');
    expect(all.map((r) => [r.offset, r.key, r.value])).toEqual([['0', 'a', 'first'], ['1', 'b', 'second'], ['2', 'a', 'third']]);
    expect(all.map((r) => r.headers)).toEqual([{ h: 'x', trace: 'y' }, {}, {}]);
    expect(await (await log.admin()).offsetsAt('o', before)).toEqual([{ partition: 0, offset: 0 }]);
  });

  test('a bytes value is stored exactly (a copy: the caller may reuse its array); a given timestamp is kept', async () => {
    const log = createInProcessLog();
    await createTopic(log, 'b', 1);
    const sink = await log.sink();
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x41]); // not UTF-8
    await sink.send([{ topic: 'b', key: 'k', value: bytes, timestamp: 1_700_000_000_000 }, { topic: 'b', key: 'k', value: 'text' }]);
    bytes.fill(0);
    let got: RawMessage[] = [];
    await runSource(log, { groupId: 'bytes', topics: ['b'] }, ({ batch }) => void (got = [...batch.records]));
    await until(() => got.length === 2);
    expect([...got[0]!.value!]).toEqual([0xff, 0xfe, 0x00, 0x41]);
    expect(got[0]!.timestamp).toBe('1700000000000');
    expect(String(got[1]!.value)).toBe('text');
    expect(await (await log.admin()).offsetsAt('b', 1_700_000_000_001)).toEqual([{ partition: 0, offset: 1 }]);
  });

  test('a send naming an unknown topic appends nothing at all; a disconnected sink refuses', async () => {
    const log = createInProcessLog();
    await createTopic(log, 'v', 1);
    const sink = await log.sink();
    await expect(sink.send([{ topic: 'v', key: 'k', value: 'x' }, { topic: 'nope', key: 'k', value: 'y' }])).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
    expect(await (await log.admin()).offsets('v')).toEqual([{ partition: 0, low: 0, high: 0 }]);
    await sink.disconnect();
    await expect(sink.send([{ topic: 'v', key: 'k', value: 'x' }])).rejects.toMatchObject({ code: 'NOT_RUNNING' });
  });
});

describe('in-process log: admin', () => {
  const actors = [{ type: 'user', sourceTopic: 'user_events' }, { type: 'order', sourceTopic: 'transaction_events' }] as unknown as ActorDefinition<any>[];

  test("ensureTopics creates the engine's topics: inboxes co-partitioned with existing sources, dead letters of 1, alerts", async () => {
    const log = createInProcessLog();
    const admin = await log.admin();
    await admin.ensureSourceTopics(['user_events'], 5); // an existing source keeps its count
    const perType = await admin.ensureTopics({ app: 'app', actors, partitions: 3, topics: topicNames() });
    expect(perType).toEqual(new Map([['user', 5], ['order', 3]]));
    const counts = Object.fromEntries(
      await Promise.all(['user_events', 'transaction_events', 'inventory_events', 'app.user.inbox', 'app.order.inbox', 'user_events.dlq', 'app.order.inbox.dlq', 'alerts', 'app.sku.inbox']
        .map(async (t) => [t, await admin.partitionCount(t)])),
    );
    expect(counts).toEqual({
      user_events: 5, transaction_events: 3, inventory_events: 3, 'app.user.inbox': 5, 'app.order.inbox': 3,
      'user_events.dlq': 1, 'app.order.inbox.dlq': 1, alerts: 3, 'app.sku.inbox': undefined,
    });
    // again: nothing changes
    expect(await admin.ensureTopics({ app: 'app', actors, partitions: 3, topics: topicNames() })).toEqual(perType);
  });

  test('ensureTopics refuses an existing inbox whose partition count differs from its source', async () => {
    const admin = await createInProcessLog().admin();
    await admin.ensureSourceTopics(['app.user.inbox'], 2); // user_events will get 3
    await expect(admin.ensureTopics({ app: 'app', actors, partitions: 3, topics: topicNames() })).rejects.toThrow(/app.user.inbox has 2 partitions but user_events has 3/);
  });

  test('ensureSourceTopics creates the missing ones and reports existing ones with another count', async () => {
    const admin = await createInProcessLog().admin();
    expect(await admin.ensureSourceTopics(['a'], 4)).toEqual({ created: ['a'], mismatched: [] });
    expect(await admin.ensureSourceTopics(['a', 'b'], 2)).toEqual({ created: ['b'], mismatched: [{ topic: 'a', partitions: 4 }] });
    expect(await admin.partitionCount('a')).toBe(4);
  });

  test('offsets answer low and high per partition; an unknown topic is refused', async () => {
    const log = createInProcessLog({ retention: { maxRecordsPerPartition: 2 } });
    const admin = await log.admin();
    await admin.ensureSourceTopics(['t'], 2);
    const sink = await log.sink();
    // 'foobar' and 'abc' go to partitions 0 and 1 of 2 (JAVA_MURMUR2: -790332482 & 0x7fffffff is even, 479470107 odd)
    await sink.send([1, 2, 3].map((i) => ({ topic: 't', key: 'foobar', value: String(i) })));
    await sink.send([{ topic: 't', key: 'abc', value: 'x' }]);
    expect(await admin.offsets('t')).toEqual([{ partition: 0, low: 1, high: 3 }, { partition: 1, low: 0, high: 1 }]);
    await expect(admin.offsets('nope')).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
  });

  test('offsetsAt: the first offset stamped at or after the time, else the end offset', async () => {
    const log = createInProcessLog();
    const admin = await log.admin();
    await admin.ensureSourceTopics(['t'], 1);
    const sink = await log.sink();
    await sink.send([{ topic: 't', key: 'k', value: 'early' }]);
    await sleep(20);
    const between = Date.now();
    await sleep(5);
    await sink.send([{ topic: 't', key: 'k', value: 'late' }, { topic: 't', key: 'k', value: 'later' }]);
    expect(await admin.offsetsAt('t', 0)).toEqual([{ partition: 0, offset: 0 }]);
    expect(await admin.offsetsAt('t', between)).toEqual([{ partition: 0, offset: 1 }]);
    expect(await admin.offsetsAt('t', Date.now() + 60_000)).toEqual([{ partition: 0, offset: 3 }]);
  });

  test('age retention: records older than maxAgeMs are gone and low moves past them', async () => {
    const log = createInProcessLog({ retention: { maxAgeMs: 40 } });
    const admin = await log.admin();
    await admin.ensureSourceTopics(['t'], 1);
    const sink = await log.sink();
    await sink.send([{ topic: 't', key: 'k', value: 'old' }]);
    await sleep(60);
    await sink.send([{ topic: 't', key: 'k', value: 'new' }]);
    expect(await admin.offsets('t')).toEqual([{ partition: 0, low: 1, high: 2 }]);
    await sleep(60);
    expect(await admin.offsets('t')).toEqual([{ partition: 0, low: 2, high: 2 }]); // pruned when asked, too
  });

  test('retention options are checked', () => {
    expect(() => createInProcessLog({ retention: { maxRecordsPerPartition: 0 } })).toThrow(/positive integer/);
    expect(() => createInProcessLog({ retention: { maxAgeMs: -1 } })).toThrow(/positive/);
  });
});
