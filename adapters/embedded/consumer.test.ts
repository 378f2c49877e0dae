import { afterEach, describe, expect, test } from 'bun:test';
import type { EachBatchPayload } from 'kafkajs';
import { createInProcessLog, type InProcessLog } from './in-process-log.ts';

/**
 * Fetch semantics of one consumer on the in-process log. Expected values come from kafkajs's
 * contract (eachBatch with autoCommit and auto-resolve off, as the processor runs it), not from
 * this implementation's output.
 */
let kafka: InProcessLog;
afterEach(async () => {
  await kafka?.close();
});

async function setup(partitions: number, perPartition: number, value = (p: number, i: number) => `p${p}-${i}`) {
  kafka = createInProcessLog();
  await kafka.admin().createTopics({ topics: [{ topic: 't', numPartitions: partitions }] });
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < perPartition; i++) for (let p = 0; p < partitions; p++) messages.push({ partition: p, value: value(p, i) });
  if (messages.length) await producer.send({ topic: 't', messages });
  return producer;
}

const manual = { autoCommit: false, eachBatchAutoResolve: false } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

describe('in-process log: consumer', () => {
  test('each partition arrives in offset order, one batch at a time per partition', async () => {
    await setup(3, 20);
    const consumer = kafka.consumer({ groupId: 'g', maxBytesPerPartition: 40 });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    const seen = new Map<number, string[]>();
    const active = new Map<number, number>();
    let overlap = false;
    await consumer.run({
      ...manual,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset }) => {
        active.set(batch.partition, (active.get(batch.partition) ?? 0) + 1);
        if (active.get(batch.partition)! > 1) overlap = true;
        await sleep(1);
        for (const m of batch.messages) (seen.get(batch.partition) ?? seen.set(batch.partition, []).get(batch.partition)!).push(m.offset);
        resolveOffset(batch.lastOffset());
        active.set(batch.partition, active.get(batch.partition)! - 1);
      },
    });
    await until(() => [0, 1, 2].every((p) => seen.get(p)?.length === 20));
    expect(overlap).toBe(false);
    for (const p of [0, 1, 2]) expect(seen.get(p)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  test('a backlog arrives in batches bounded by maxBytesPerPartition (at least one record each)', async () => {
    await setup(1, 50, () => 'x'.repeat(100));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 't', messages: [{ partition: 0, value: 'y'.repeat(5000) }, { partition: 0, value: 'z' }] });
    const consumer = kafka.consumer({ groupId: 'g', maxBytesPerPartition: 1000 });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    const sizes: number[] = [];
    await consumer.run({ ...manual, eachBatch: async ({ batch, resolveOffset }) => {
      sizes.push(batch.messages.length);
      resolveOffset(batch.lastOffset());
    } });
    await until(() => sizes.reduce((a, b) => a + b, 0) === 52);
    // 100-byte values under a 1000-byte budget: 10 per batch; the 5000-byte record alone; then the rest
    expect(sizes).toEqual([10, 10, 10, 10, 10, 1, 1]);
  });

  test('batches carry kafkajs Batch fields: highWatermark, firstOffset, lastOffset, isEmpty', async () => {
    await setup(1, 5);
    const consumer = kafka.consumer({ groupId: 'g' });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    let got: EachBatchPayload['batch'] | undefined;
    await consumer.run({ ...manual, eachBatch: async ({ batch }) => void (got ??= batch) });
    await until(() => got !== undefined);
    expect([got!.topic, got!.partition, got!.highWatermark, got!.firstOffset(), got!.lastOffset(), got!.isEmpty(), got!.offsetLag()]).toEqual(['t', 0, '5', '0', '4', false, '0']);
    expect(Buffer.isBuffer(got!.messages[0]!.value)).toBe(true);
  });

  test('with nothing new it waits for an append, not for maxWaitTimeInMs', async () => {
    const producer = await setup(1, 0);
    const consumer = kafka.consumer({ groupId: 'g', maxWaitTimeInMs: 60_000 });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    let at = 0;
    await consumer.run({ ...manual, eachBatch: async ({ batch, resolveOffset }) => {
      at = Date.now();
      resolveOffset(batch.lastOffset());
    } });
    await sleep(50);
    const sent = Date.now();
    await producer.send({ topic: 't', messages: [{ value: 'late' }] });
    await until(() => at > 0);
    expect(at - sent).toBeLessThan(500);
  });

  test('without fromBeginning and without a committed offset it starts at the end', async () => {
    const producer = await setup(1, 3);
    const consumer = kafka.consumer({ groupId: 'g' });
    await consumer.subscribe({ topic: 't' });
    const offsets: string[] = [];
    await consumer.run({ ...manual, eachBatch: async ({ batch, resolveOffset }) => {
      offsets.push(...batch.messages.map((m) => m.offset));
      resolveOffset(batch.lastOffset());
    } });
    await producer.send({ topic: 't', messages: [{ value: 'a' }, { value: 'b' }] });
    await until(() => offsets.length === 2);
    expect(offsets).toEqual(['3', '4']);
  });

  test('unresolved records are fetched again; the position follows the last resolved offset', async () => {
    await setup(1, 5);
    const consumer = kafka.consumer({ groupId: 'g' });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    const firsts: string[] = [];
    await consumer.run({ ...manual, eachBatch: async ({ batch, resolveOffset }) => {
      firsts.push(batch.firstOffset()!);
      if (firsts.length === 1) return; // nothing resolved: the same records again
      if (firsts.length === 2) resolveOffset('1'); // next fetch from 2
      else resolveOffset(batch.lastOffset());
    } });
    await until(() => firsts.length >= 3);
    await sleep(30);
    expect(firsts).toEqual(['0', '0', '2']);
  });

  test('seek makes the batch in flight stale; the next fetch starts at the sought offset even if later offsets were resolved', async () => {
    await setup(1, 10);
    const consumer = kafka.consumer({ groupId: 'g' });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    const seen: { first: string; staleBefore: boolean; staleAfter: boolean }[] = [];
    await consumer.run({ ...manual, eachBatch: async ({ batch, resolveOffset, isStale }) => {
      const staleBefore = isStale();
      if (seen.length === 0) consumer.seek({ topic: 't', partition: 0, offset: '7' });
      const staleAfter = isStale();
      seen.push({ first: batch.firstOffset()!, staleBefore, staleAfter });
      resolveOffset(batch.lastOffset()); // kafkajs: the pending seek still wins at the next fetch
      if (seen.length === 2) consumer.seek({ topic: 't', partition: 0, offset: '-2' }); // earliest
    } });
    await until(() => seen.length >= 3);
    expect(seen.slice(0, 3)).toEqual([
      { first: '0', staleBefore: false, staleAfter: true },
      { first: '7', staleBefore: false, staleAfter: false },
      { first: '0', staleBefore: false, staleAfter: false },
    ]);
  });

  test('a paused partition is not fetched while the others flow; resume restarts it where it stopped', async () => {
    const producer = await setup(2, 1);
    const consumer = kafka.consumer({ groupId: 'g' });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    const got: string[] = [];
    await consumer.run({ ...manual, eachBatch: async ({ batch, resolveOffset }) => {
      got.push(...batch.messages.map((m) => String(m.value)));
      resolveOffset(batch.lastOffset());
      if (batch.partition === 0 && got.includes('p0-0')) consumer.pause([{ topic: 't', partitions: [0] }]);
    } });
    await until(() => got.length === 2);
    await producer.send({ topic: 't', messages: [{ partition: 0, value: 'p0-1' }, { partition: 1, value: 'p1-1' }] });
    await until(() => got.includes('p1-1'));
    await sleep(50);
    expect(got).not.toContain('p0-1');
    consumer.resume([{ topic: 't', partitions: [0] }]);
    await until(() => got.includes('p0-1'));
    expect(got.filter((v) => v.startsWith('p0'))).toEqual(['p0-0', 'p0-1']);
  });

  test('commitOffsets stores the group offset (COMMIT_OFFSETS event); the next member of the group starts there', async () => {
    await setup(1, 10);
    const first = kafka.consumer({ groupId: 'g' });
    const commits: unknown[] = [];
    first.on(first.events.COMMIT_OFFSETS, (e) => void commits.push(e.payload.topics));
    await first.subscribe({ topic: 't', fromBeginning: true });
    let delivered = false;
    await first.run({ ...manual, eachBatch: async () => void (delivered = true) });
    await until(() => delivered);
    await first.commitOffsets([{ topic: 't', partition: 0, offset: '6' }]);
    await first.disconnect();
    expect(commits).toEqual([[{ topic: 't', partitions: [{ partition: 0, offset: '6' }] }]]);

    const second = kafka.consumer({ groupId: 'g' });
    await second.subscribe({ topic: 't', fromBeginning: true });
    const firsts: string[] = [];
    await second.run({ ...manual, eachBatch: async ({ batch }) => void firsts.push(batch.firstOffset()!) });
    await until(() => firsts.length > 0);
    expect(firsts[0]).toBe('6');
  });

  test('stop lets the batch in flight finish, then nothing more arrives; seek after stop throws like kafkajs', async () => {
    const producer = await setup(1, 3);
    const consumer = kafka.consumer({ groupId: 'g' });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = false;
    let batches = 0;
    await consumer.run({ ...manual, eachBatch: async ({ batch, resolveOffset, isRunning }) => {
      batches++;
      await gate;
      expect(isRunning()).toBe(false);
      resolveOffset(batch.lastOffset());
      finished = true;
    } });
    await until(() => batches === 1);
    const stopped = consumer.stop();
    await sleep(20);
    expect(finished).toBe(false); // stop waits for it
    release();
    await stopped;
    expect(finished).toBe(true);
    await producer.send({ topic: 't', messages: [{ value: 'after stop' }] });
    await sleep(50);
    expect(batches).toBe(1);
    expect(() => consumer.seek({ topic: 't', partition: 0, offset: '0' })).toThrow(/run must be called first/);
    await expect(consumer.commitOffsets([{ topic: 't', partition: 0, offset: '1' }])).rejects.toThrow(/run must be called first/);
  });

  test('a throwing handler gets the same records again after a backoff, and CRASH is emitted', async () => {
    await setup(1, 2);
    const consumer = kafka.consumer({ groupId: 'g', retry: { initialRetryTime: 10 } });
    const crashes: string[] = [];
    consumer.on(consumer.events.CRASH, (e) => void crashes.push(e.payload.error.message));
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    const firsts: string[] = [];
    await consumer.run({ ...manual, eachBatch: async ({ batch, resolveOffset }) => {
      firsts.push(batch.firstOffset()!);
      if (firsts.length === 1) throw new Error('boom');
      resolveOffset(batch.lastOffset());
    } });
    await until(() => firsts.length === 2);
    expect(firsts).toEqual(['0', '0']);
    expect(crashes).toEqual(['boom']);
  });

  test('partitionsConsumedConcurrently bounds the batches in handlers at once', async () => {
    await setup(4, 3);
    const consumer = kafka.consumer({ groupId: 'g', maxBytesPerPartition: 1 });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    let active = 0;
    let peak = 0;
    let done = 0;
    await consumer.run({ ...manual, partitionsConsumedConcurrently: 2, eachBatch: async ({ batch, resolveOffset }) => {
      peak = Math.max(peak, ++active);
      await sleep(5);
      active--;
      done += batch.messages.length;
      resolveOffset(batch.lastOffset());
    } });
    await until(() => done === 12);
    expect(peak).toBe(2);
  });
});
