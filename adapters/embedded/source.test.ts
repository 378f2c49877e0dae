import { afterEach, describe, expect, test } from 'bun:test';
import type { SourceBatch } from '../../engine/index.ts';
import type { InProcessLog } from './in-process-log.ts';
import { consumeAll, logWithTopic, offsetsOf, runSource, sleep, until, valuesOf, writeTo } from './test-helpers.ts';

/**
 * Fetch semantics of one RecordSource on the in-process log. Expected values come from the port's
 * contract (engine/record-source.ts), not from this implementation's output.
 */
let log: InProcessLog;
afterEach(async () => {
  await log?.close();
});

describe('in-process log: source', () => {
  test('each partition arrives in offset order, one batch at a time per partition', async () => {
    log = await logWithTopic(3, 20);
    const seen = new Map<number, string[]>([[0, []], [1, []], [2, []]]);
    const active = new Map<number, number>();
    let overlap = false;
    await runSource(log, { topics: ['t'], maxBytesPerPartition: 40, concurrency: 3 }, async ({ batch, control }) => {
      active.set(batch.partition, (active.get(batch.partition) ?? 0) + 1);
      if (active.get(batch.partition)! > 1) overlap = true;
      await sleep(1);
      seen.get(batch.partition)!.push(...offsetsOf(batch));
      control.consumedThrough(batch.lastOffset);
      active.set(batch.partition, active.get(batch.partition)! - 1);
    });
    await until(() => [0, 1, 2].every((p) => seen.get(p)!.length === 20));
    expect(overlap).toBe(false);
    for (const p of [0, 1, 2]) expect(seen.get(p)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  test('a backlog arrives in batches bounded by maxBytesPerPartition (at least one record each)', async () => {
    log = await logWithTopic(1, 50, {}, () => 'x'.repeat(100));
    await writeTo(log, 't', 0, ['y'.repeat(5000), 'z']);
    const sizes: number[] = [];
    // every record's key is 'k-0' (3 bytes): ten 103-byte records fill a 1030-byte budget exactly
    await runSource(log, { topics: ['t'], maxBytesPerPartition: 1030 }, (d) => {
      sizes.push(d.batch.records.length);
      consumeAll(d);
    });
    await until(() => sizes.reduce((a, b) => a + b, 0) === 52);
    expect(sizes).toEqual([10, 10, 10, 10, 10, 1, 1]);
  });

  test('a batch carries its partition, the high watermark, lastOffset and records with Buffers, timestamps and headers', async () => {
    const before = Date.now();
    log = await logWithTopic(1, 0);
    await writeTo(log, 't', 0, ['a', 'b', 'c', 'd', 'e'], { trace: 'x1' });
    let got: SourceBatch | undefined;
    await runSource(log, { topics: ['t'] }, ({ batch }) => void (got ??= batch));
    await until(() => got !== undefined);
    expect([got!.topic, got!.partition, got!.highWatermark, got!.lastOffset]).toEqual(['t', 0, 5, '4']);
    expect(offsetsOf(got!)).toEqual(['0', '1', '2', '3', '4']);
    const first = got!.records[0]!;
    expect(Buffer.isBuffer(first.value) && Buffer.isBuffer(first.key)).toBe(true);
    expect([String(first.key), String(first.value)]).toEqual(['k-0', 'a']);
    expect(first.headers).toEqual({ trace: 'x1' });
    expect(Number(first.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(first.timestamp)).toBeLessThanOrEqual(Date.now());
  });

  test('with nothing new it waits for an append and delivers it at once (no polling interval)', async () => {
    log = await logWithTopic(1, 0);
    let at = 0;
    await runSource(log, { topics: ['t'] }, (d) => {
      at = Date.now();
      consumeAll(d);
    });
    await sleep(50);
    const sent = Date.now();
    await writeTo(log, 't', 0, ['late']);
    await until(() => at > 0);
    expect(at - sent).toBeLessThan(500);
  });

  test('records not marked consumed are delivered again; the position follows consumedThrough', async () => {
    log = await logWithTopic(1, 5);
    const firsts: string[] = [];
    await runSource(log, { topics: ['t'] }, ({ batch, control }) => {
      firsts.push(batch.records[0]!.offset);
      if (firsts.length === 1) return; // nothing consumed: the same records again
      if (firsts.length === 2) control.consumedThrough('1'); // next fetch from 2
      else control.consumedThrough(batch.lastOffset);
    });
    await until(() => firsts.length >= 3);
    await sleep(30);
    expect(firsts).toEqual(['0', '0', '2']);
  });

  test('seek makes the batch in flight not current; the next fetch starts at the sought offset even if later ones were consumed', async () => {
    log = await logWithTopic(1, 10);
    const seen: { first: string; currentBefore: boolean; currentAfter: boolean }[] = [];
    await runSource(log, { topics: ['t'] }, ({ batch, control, source }) => {
      const currentBefore = control.current();
      if (seen.length === 0) source.seek({ topic: 't', partition: 0 }, 7);
      seen.push({ first: batch.records[0]!.offset, currentBefore, currentAfter: control.current() });
      control.consumedThrough(batch.lastOffset); // the pending seek still wins at the next fetch
      if (seen.length === 2) source.seek({ topic: 't', partition: 0 }, '0');
    });
    await until(() => seen.length >= 3);
    expect(seen.slice(0, 3)).toEqual([
      { first: '0', currentBefore: true, currentAfter: false },
      { first: '7', currentBefore: true, currentAfter: true },
      { first: '0', currentBefore: true, currentAfter: true },
    ]);
  });

  test('a paused partition is not fetched while the others flow; resume restarts it where it stopped', async () => {
    log = await logWithTopic(2, 1);
    const got: string[] = [];
    const { source } = await runSource(log, { topics: ['t'] }, (d) => {
      got.push(...valuesOf(d.batch));
      consumeAll(d);
      if (d.batch.partition === 0) d.source.pause([{ topic: 't', partition: 0 }]);
    });
    await until(() => got.length === 2);
    await writeTo(log, 't', 0, ['p0-1']);
    await writeTo(log, 't', 1, ['p1-1']);
    await until(() => got.includes('p1-1'));
    await sleep(50);
    expect(got).not.toContain('p0-1');
    source.resume([{ topic: 't', partition: 0 }]);
    await until(() => got.includes('p0-1'));
    expect(got.filter((v) => v.startsWith('p0'))).toEqual(['p0-0', 'p0-1']);
  });

  test('concurrency bounds the batches in handlers at once', async () => {
    log = await logWithTopic(4, 3);
    let active = 0;
    let peak = 0;
    let done = 0;
    await runSource(log, { topics: ['t'], maxBytesPerPartition: 1, concurrency: 2 }, async (d) => {
      peak = Math.max(peak, ++active);
      await sleep(5);
      active--;
      done += d.batch.records.length;
      consumeAll(d);
    });
    await until(() => done === 12);
    expect(peak).toBe(2);
  });

});
