import { describe, expect, test } from 'bun:test';
import { createIntake } from './intake.ts';
import type { Owned } from './owned-shard.ts';
import type { BatchControl, SourceBatch } from './record-source.ts';
import { unpackBatch, type RawMessage, type RecordBatch } from './shard/record-batch.ts';

const SOURCE = 'app.user_events';

/**
 * The intake over a fake shard whose applies wait for `release()` (as a busy worker does), a
 * membership that holds the shard while `owned` is true, and a source recording what it is told.
 */
function harness(pipelineBatches: boolean) {
  const applied: number[] = [];
  const calls: string[] = [];
  const state = { owned: true, failApply: false };
  let gates: (() => void)[] = [];
  const o = {
    id: 'user/0', partition: 0, next: new Map<string, number>(), appendTimes: [], traced: [], uncommitted: 0, paused: false,
    actor: { type: 'user' },
    counters: { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, timersFired: 0, outOfEventTimeOrder: 0 },
    host: {
      apply: async (_id: string, batch: RecordBatch) => {
        const records = unpackBatch(batch);
        await new Promise<void>((r) => gates.push(r));
        if (state.failApply) {
          state.owned = false; // retired meanwhile, as when its worker closed it
          throw new Error('shard user/0 is not open in this host');
        }
        for (const r of records) applied.push(r.offset);
        return { consumed: records.length, counters: o.counters, size: 0 };
      },
    },
  } as unknown as Owned;
  const intake = createIntake({
    membership: { settled: async () => {}, ownedShard: async () => (state.owned ? o : undefined), held: () => (state.owned ? o : undefined) } as never,
    source: {
      seek: (_tp, offset) => void calls.push(`seek ${offset}`),
      pause: () => void calls.push('pause'),
      resume: () => void calls.push('resume'),
    },
    admin: { offsets: async () => [] },
    store: {} as never,
    observer: {},
    actorOfTopic: () => o.actor,
    isInbox: () => false,
    topicsOf: () => [SOURCE],
    checkpoint: async () => {},
    maxUncommitted: 1_000_000,
    pipelineBatches,
    log: () => {},
  });
  const control: BatchControl = { current: () => true, consumedThrough: (offset) => void calls.push(`consumed ${offset}`), heartbeat: async () => {} };
  const release = async () => {
    for (let i = 0; i < 5 && gates.length === 0; i++) await tick();
    const open = gates;
    gates = [];
    for (const g of open) g();
    await tick();
  };
  return { o, intake, control, applied, calls, state, release };
}

const tick = () => new Promise((r) => setTimeout(r, 1));

function batch(from: number, count: number): SourceBatch {
  const records: RawMessage[] = Array.from({ length: count }, (_, i) => ({ offset: String(from + i), key: new TextEncoder().encode('u-1'), value: new TextEncoder().encode('{}') }));
  return { topic: SOURCE, partition: 0, highWatermark: from + count, records, lastOffset: String(from + count - 1) };
}

describe('intake, pipelined (processing.pipeline_batches)', () => {
  test('a batch is marked consumed on arrival and its handler returns while it is applied; the next waits for it', async () => {
    const h = harness(true);
    let firstReturned = false;
    void h.intake.batch(batch(0, 3), h.control).then(() => (firstReturned = true));
    await tick();
    expect(firstReturned).toBe(true); // nothing was ahead of it: the client may fetch on
    expect(h.calls).toEqual(['consumed 2']);
    let secondReturned = false;
    void h.intake.batch(batch(3, 2), h.control).then(() => (secondReturned = true));
    await tick();
    expect(secondReturned).toBe(false); // the first is still being applied
    await h.release();
    await tick();
    expect(secondReturned).toBe(true);
    await h.release();
    expect(h.applied).toEqual([0, 1, 2, 3, 4]);
    expect(h.calls).toEqual(['consumed 2', 'consumed 4']);
  });

  test('a batch whose shard is not ours is sought back to, since it was already marked consumed', async () => {
    const h = harness(true);
    h.state.owned = false;
    await h.intake.batch(batch(10, 2), h.control);
    await new Promise((r) => setTimeout(r, 150)); // it waits 100 ms before giving the batch back
    expect(h.calls).toEqual(['consumed 11', 'seek 10']);
    expect(h.applied).toEqual([]);
  });

  test('an apply that fails seeks back to its batch and drops the one queued behind it (the seek fetches it again)', async () => {
    const h = harness(true);
    h.state.failApply = true;
    await h.intake.batch(batch(0, 3), h.control);
    void h.intake.batch(batch(3, 2), h.control);
    await h.release();
    await tick();
    expect(h.calls).toEqual(['consumed 2', 'consumed 4', 'seek 0']);
    h.state.failApply = false;
    h.state.owned = true;
    await tick();
    expect(h.applied).toEqual([]); // the second batch was dropped, not applied out of order
  });
});

describe('intake, in turn (the default)', () => {
  test('the handler returns once its batch is applied, then marks it consumed', async () => {
    const h = harness(false);
    let returned = false;
    void h.intake.batch(batch(0, 2), h.control).then(() => (returned = true));
    await tick();
    expect(returned).toBe(false);
    expect(h.calls).toEqual([]);
    await h.release();
    await tick();
    expect(returned).toBe(true);
    expect(h.calls).toEqual(['consumed 1']);
    expect(h.applied).toEqual([0, 1]);
  });

  test('a batch whose shard is not ours is not marked consumed: the client delivers it again', async () => {
    const h = harness(false);
    h.state.owned = false;
    await h.intake.batch(batch(10, 2), h.control);
    expect(h.calls).toEqual([]);
  });
});
