import { afterEach, describe, expect, test } from 'bun:test';
import type { ConsumerPort } from '../kafkajs/port.ts';
import { createShardAssigner } from '../kafkajs/shard-assigner.ts';
import { createInProcessLog, type InProcessLog } from './in-process-log.ts';

/**
 * Consumer groups on the in-process log: members share partitions like a Kafka group (eager
 * rebalance), announce each generation with GROUP_JOIN before its first batch, and never process
 * one partition in two members at once.
 */
let kafka: InProcessLog;
afterEach(async () => {
  await kafka?.close();
});

interface Join { memberId: string; leaderId: string; isLeader: boolean; groupId: string; groupProtocol: string; memberAssignment: Record<string, number[]>; duration: number }

/** A member that records its GROUP_JOIN payloads and, in order, its joins and batches. */
async function member(groupId: string, topics: string[], opts: { assigner?: boolean; hold?: Promise<void> } = {}) {
  const consumer: ConsumerPort = kafka.consumer({
    groupId,
    ...(opts.assigner ? { partitionAssigners: [createShardAssigner((t) => (t.endsWith('.inbox') ? t.slice(0, -6) : t))] } : {}),
  });
  const joins: Join[] = [];
  const log: string[] = [];
  const records: string[] = [];
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joins.push(e.payload as Join);
    log.push('join');
  });
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      const mine = joins.at(-1)?.memberAssignment[batch.topic]?.includes(batch.partition) ?? false;
      log.push(mine ? 'batch' : `batch-not-assigned:${batch.topic}/${batch.partition}`);
      await opts.hold;
      records.push(...batch.messages.map((m) => `${batch.topic}/${batch.partition}@${m.offset}`));
      resolveOffset(batch.lastOffset());
    },
  });
  return { consumer, joins, log, records, last: () => joins.at(-1)! };
}

async function topic(name: string, partitions: number, perPartition = 1) {
  const admin = kafka.admin();
  await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions }] });
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let p = 0; p < partitions; p++) for (let i = 0; i < perPartition; i++) messages.push({ partition: p, value: `${p}:${i}` });
  await producer.send({ topic: name, messages });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('in-process log: consumer groups', () => {
  test('two members split the partitions disjointly (kafkajs round-robin over sorted ids) and re-split when one leaves', async () => {
    kafka = createInProcessLog();
    await topic('t', 4);
    const a = await member('g', ['t']);
    expect(a.last().memberAssignment).toEqual({ t: [0, 1, 2, 3] });
    expect(a.last()).toMatchObject({ groupId: 'g', memberId: a.last().memberId, leaderId: a.last().memberId, isLeader: true });

    const b = await member('g', ['t']);
    // b's join made a new generation for both; run() resolved after b's GROUP_JOIN
    expect(a.joins).toHaveLength(2);
    expect(b.joins).toHaveLength(1);
    const [low, high] = [a.last().memberId, b.last().memberId].sort();
    const shareOf = (id: string) => (id === a.last().memberId ? a : b).last().memberAssignment.t;
    expect(shareOf(low!)).toEqual([0, 2]);
    expect(shareOf(high!)).toEqual([1, 3]);
    // one leader, the first member, known to both
    expect(a.last().leaderId).toBe(a.last().memberId);
    expect(b.last().leaderId).toBe(a.last().memberId);
    expect([a.last().isLeader, b.last().isLeader]).toEqual([true, false]);

    await a.consumer.disconnect();
    for (let i = 0; i < 100 && b.joins.length < 2; i++) await sleep(5);
    expect(b.joins).toHaveLength(2);
    expect(b.last()).toMatchObject({ memberAssignment: { t: [0, 1, 2, 3] }, isLeader: true, leaderId: b.last().memberId });
  });

  test('GROUP_JOIN comes before every batch of its generation, and batches only of assigned partitions', async () => {
    kafka = createInProcessLog();
    await topic('t', 4, 3);
    const a = await member('g', ['t']);
    const b = await member('g', ['t']);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 't', messages: [0, 1, 2, 3].map((p) => ({ partition: p, value: 'more' })) });
    await sleep(50);
    for (const m of [a, b]) {
      expect(m.log[0]).toBe('join');
      expect(m.log.filter((x) => x !== 'join' && x !== 'batch')).toEqual([]);
    }
    // every record reached the group: 4 partitions × 4 records (a Set, because a new owner starts
    // from the committed offset, and nobody committed, so it reads a's first-generation records again)
    const all = new Set([...a.records, ...b.records]);
    expect(all.size).toBe(16);
  });

  test('a rebalance waits for the batch in flight: no partition is in two members at once', async () => {
    kafka = createInProcessLog();
    await topic('t', 2);
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const a = await member('g', ['t'], { hold });
    for (let i = 0; i < 100 && a.log.length < 2; i++) await sleep(5);
    expect(a.log).toEqual(['join', 'batch']); // a is inside a batch (partitionsConsumedConcurrently 1)
    let bJoined = false;
    const b = member('g', ['t']).then((m) => ((bJoined = true), m));
    await sleep(50);
    expect(bJoined).toBe(false);
    release();
    const joined = await b;
    expect(joined.joins).toHaveLength(1);
    expect(a.joins).toHaveLength(2);
  });

  test("the member's partition assigner is used: the shard assigner keeps partition p of a topic and its inbox together", async () => {
    kafka = createInProcessLog();
    await topic('sku', 3);
    await topic('sku.inbox', 3);
    const a = await member('g', ['sku', 'sku.inbox'], { assigner: true });
    const b = await member('g', ['sku', 'sku.inbox'], { assigner: true });
    const shares = [a.last().memberAssignment, b.last().memberAssignment];
    for (const s of shares) expect(s['sku'] ?? []).toEqual(s['sku.inbox'] ?? []);
    expect(shares.flatMap((s) => s['sku'] ?? []).sort()).toEqual([0, 1, 2]);
    expect(a.last().groupProtocol).toBe('ActorShardAssigner');
  });

  test('different groups each read every record', async () => {
    kafka = createInProcessLog();
    await topic('t', 2, 2);
    const a = await member('one', ['t']);
    const b = await member('two', ['t']);
    for (let i = 0; i < 100 && (a.records.length < 4 || b.records.length < 4); i++) await sleep(5);
    expect(a.records.sort()).toEqual(['t/0@0', 't/0@1', 't/1@0', 't/1@1']);
    expect(b.records.sort()).toEqual(a.records.sort());
    expect(a.joins).toHaveLength(1);
  });
});
