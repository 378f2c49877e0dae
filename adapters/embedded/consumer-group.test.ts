import { afterEach, describe, expect, test } from 'bun:test';
import type { TopicPartition } from '../../engine/index.ts';
import { createInProcessLog, type InProcessLog } from './in-process-log.ts';
import { consumeAll, createTopic, runSource, sleep, until, writeTo, type Delivery } from './test-helpers.ts';

/**
 * Consumer groups on the in-process log: members share partitions with the engine's co-partitioning
 * assignment (eager rebalance on every join and leave), are told each generation's assignment
 * before its first batch, and never process one partition in two members at once.
 */
let log: InProcessLog;
afterEach(async () => {
  await log?.close();
});

async function topic(name: string, partitions: number, perPartition = 1) {
  await createTopic(log, name, partitions);
  for (let p = 0; p < partitions; p++) await writeTo(log, name, p, Array.from({ length: perPartition }, (_, i) => `${p}:${i}`));
}

const partitionsOf = (tps: TopicPartition[] | undefined, topic = 't') => (tps ?? []).filter((tp) => tp.topic === topic).map((tp) => tp.partition);

/** A member that records every record it was handed as `topic/partition@offset`. */
async function member(groupId: string, topics: string[], opts: { hold?: Promise<void>; shardOf?: (t: string) => string | undefined } = {}) {
  const records: string[] = [];
  const m = await runSource(log, { groupId, topics, ...(opts.shardOf ? { shardOf: opts.shardOf } : {}) }, async (d: Delivery) => {
    await opts.hold;
    records.push(...d.batch.records.map((r) => `${d.batch.topic}/${d.batch.partition}@${r.offset}`));
    consumeAll(d);
  });
  return { ...m, records, last: () => m.assignments.at(-1) };
}

describe('in-process log: consumer groups', () => {
  test('two members split the partitions (shards dealt over sorted member ids) and re-split when one leaves', async () => {
    log = createInProcessLog();
    const admin = await log.admin();
    await topic('t', 4);
    const a = await member('g', ['t']);
    expect(partitionsOf(a.last())).toEqual([0, 1, 2, 3]);
    const [aId] = await admin.groupMembers('g');

    const b = await member('g', ['t']);
    // b's join made a new generation for both, told before b's run resolved
    expect(a.assignments).toHaveLength(2);
    expect(b.assignments).toHaveLength(1);
    const bId = (await admin.groupMembers('g')).find((id) => id !== aId)!;
    const [lowFirst, highFirst] = aId! < bId ? [a, b] : [b, a];
    expect(partitionsOf(lowFirst.last())).toEqual([0, 2]);
    expect(partitionsOf(highFirst.last())).toEqual([1, 3]);

    await a.source.disconnect();
    await until(() => b.assignments.length === 2);
    expect(partitionsOf(b.last())).toEqual([0, 1, 2, 3]);
    expect(await admin.groupMembers('g')).toEqual([bId]);
  });

  test('assigned comes before every batch of its generation, and batches are only of assigned partitions', async () => {
    log = createInProcessLog();
    await topic('t', 4, 3);
    const a = await member('g', ['t']);
    const b = await member('g', ['t']);
    for (let p = 0; p < 4; p++) await writeTo(log, 't', p, ['more']);
    await until(() => new Set([...a.records, ...b.records]).size === 16);
    for (const m of [a, b]) {
      expect(m.events[0]).toBe('assigned');
      // every batch after an assignment is of a partition in it
      let current: number[] = [];
      let i = 0;
      for (const e of m.events) {
        if (e === 'assigned') current = partitionsOf(m.assignments[i++]);
        else expect(current).toContain(Number(e.split('/')[1]));
      }
    }
  });

  test('a rebalance waits for the batch in flight: no partition is in two members at once', async () => {
    log = createInProcessLog();
    await topic('t', 2);
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const a = await member('g', ['t'], { hold });
    await until(() => a.events.length === 2);
    expect(a.events).toEqual(['assigned', 'batch t/0']); // a is inside a batch (concurrency 1)
    let bJoined = false;
    const b = member('g', ['t']).then((m) => ((bJoined = true), m));
    await sleep(50);
    expect(bJoined).toBe(false);
    release();
    const joined = await b;
    expect(joined.assignments).toHaveLength(1);
    expect(a.assignments).toHaveLength(2);
  });

  test('co-partitioning: partition p of a topic and of its inbox go to the same member (shardOf)', async () => {
    log = createInProcessLog();
    await topic('sku', 3);
    await topic('sku.inbox', 3);
    const shardOf = (t: string) => (t.startsWith('sku') ? 'sku' : undefined);
    const a = await member('g', ['sku', 'sku.inbox'], { shardOf });
    const b = await member('g', ['sku', 'sku.inbox'], { shardOf });
    const shares = [a.last(), b.last()];
    for (const s of shares) expect(partitionsOf(s, 'sku')).toEqual(partitionsOf(s, 'sku.inbox'));
    expect(shares.flatMap((s) => partitionsOf(s, 'sku')).sort()).toEqual([0, 1, 2]);
    expect(shares.every((s) => s!.length > 0)).toBe(true);
  });

  test('different groups each read every record', async () => {
    log = createInProcessLog();
    await topic('t', 2, 2);
    const a = await member('one', ['t']);
    const b = await member('two', ['t']);
    await until(() => a.records.length === 4 && b.records.length === 4);
    expect(a.records.sort()).toEqual(['t/0@0', 't/0@1', 't/1@0', 't/1@1']);
    expect(b.records.sort()).toEqual(a.records.sort());
    expect(a.assignments).toHaveLength(1);
  });

  test('groupMembers lists members until they disconnect (a stopped member is still one); unknown groups have none', async () => {
    log = createInProcessLog();
    const admin = await log.admin();
    await topic('t', 2);
    expect(await admin.groupMembers('g')).toEqual([]);
    const a = await member('g', ['t']);
    const b = await member('g', ['t']);
    expect(await admin.groupMembers('g')).toHaveLength(2);
    expect((await admin.groupMembers('g')).every((id) => id.startsWith('g-'))).toBe(true);
    await a.source.stop();
    expect(await admin.groupMembers('g')).toHaveLength(2);
    await a.source.disconnect();
    await b.source.disconnect();
    expect(await admin.groupMembers('g')).toEqual([]);
    expect(await admin.groupMembers('other')).toEqual([]);
  });

  test('deleteGroup refuses a group with members; deleted, its committed offsets are gone and a new member reads from the start', async () => {
    log = createInProcessLog();
    const admin = await log.admin();
    await topic('t', 1, 3);
    const a = await member('g', ['t']);
    await until(() => a.records.length === 3);
    await a.source.commit([{ topic: 't', partition: 0, offset: 3 }]);
    await expect(admin.deleteGroup('g')).rejects.toThrow('consumer group g still has 1 member(s): not deleted');
    await a.source.disconnect();
    await admin.deleteGroup('g');
    await admin.deleteGroup('never-there');
    const b = await member('g', ['t']);
    await until(() => b.records.length === 3);
    expect(b.records).toEqual(['t/0@0', 't/0@1', 't/0@2']);
    await b.source.disconnect();
  });
});
