import { afterEach, describe, expect, test } from 'bun:test';
import type { InProcessLog } from './in-process-log.ts';
import { consumeAll, logWithTopic, runSource, sleep, until, writeTo } from './test-helpers.ts';

/**
 * A RecordSource's life on the in-process log — group offsets, stop and disconnect, a failing
 * handler, retention — against the port's contract (engine/record-source.ts).
 */
let log: InProcessLog;
afterEach(async () => {
  await log?.close();
});

/** The first offset a member newly joining the group is handed (where the group's commit points). */
async function firstOffsetOfNewMember(): Promise<string> {
  const firsts: string[] = [];
  await runSource(log, { topics: ['t'] }, ({ batch }) => void firsts.push(batch.records[0]!.offset));
  await until(() => firsts.length > 0);
  return firsts[0]!;
}

describe('in-process log: source life', () => {
  test('commit stores the group offset: the next member of the group starts there', async () => {
    log = await logWithTopic(1, 10);
    let delivered = false;
    const first = await runSource(log, { topics: ['t'] }, () => void (delivered = true));
    await until(() => delivered);
    await first.source.commit([{ topic: 't', partition: 0, offset: 6 }]);
    await first.source.disconnect();
    expect(await firstOffsetOfNewMember()).toBe('6');
  });

  test('stop lets the batch in flight finish (no longer current), then nothing more arrives; commits count until disconnect', async () => {
    log = await logWithTopic(1, 3);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = false;
    let batches = 0;
    const { source } = await runSource(log, { topics: ['t'] }, async ({ batch, control }) => {
      batches++;
      await gate;
      expect(control.current()).toBe(false);
      control.consumedThrough(batch.lastOffset);
      finished = true;
    });
    await until(() => batches === 1);
    const stopped = source.stop();
    await sleep(20);
    expect(finished).toBe(false); // stop waits for it
    release();
    await stopped;
    expect(finished).toBe(true);
    await writeTo(log, 't', 0, ['after stop']);
    await sleep(50);
    expect(batches).toBe(1);
    // still a member after stop: its commit is stored and a later member starts there
    await source.commit([{ topic: 't', partition: 0, offset: 2 }]);
    await source.disconnect();
    expect(() => source.seek({ topic: 't', partition: 0 }, 0)).toThrow(/not a group member/);
    await expect(source.commit([{ topic: 't', partition: 0, offset: 1 }])).rejects.toThrow(/not a group member/);
    expect(await firstOffsetOfNewMember()).toBe('2');
  });

  test('a throwing handler gets the same records again after a backoff', async () => {
    log = await logWithTopic(1, 2);
    const at: { first: string; ms: number }[] = [];
    await runSource(log, { topics: ['t'] }, ({ batch, control }) => {
      at.push({ first: batch.records[0]!.offset, ms: Date.now() });
      if (at.length === 1) throw new Error('boom');
      control.consumedThrough(batch.lastOffset);
    });
    await until(() => at.length === 2);
    expect(at.map((a) => a.first)).toEqual(['0', '0']);
    expect(at[1]!.ms - at[0]!.ms).toBeGreaterThanOrEqual(90); // the first backoff is 100 ms
  });

  test('retention: a fetch from below low (a seek, or no committed offset) starts at low', async () => {
    log = await logWithTopic(1, 20, { retention: { maxRecordsPerPartition: 5 } });
    const admin = await log.admin();
    expect(await admin.offsets('t')).toEqual([{ partition: 0, low: 15, high: 20 }]);
    const firsts: string[] = [];
    await runSource(log, { topics: ['t'] }, (d) => {
      firsts.push(d.batch.records[0]!.offset);
      consumeAll(d);
      if (firsts.length === 1) d.source.seek({ topic: 't', partition: 0 }, 3);
    });
    await until(() => firsts.length === 2);
    expect(firsts).toEqual(['15', '15']);
  });
});
