import { describe, expect, test } from 'bun:test';
import { InboxHolds } from './intake-hold.ts';
import type { Owned } from './owned-shard.ts';
import type { SourceBatch, TopicPartition } from './record-source.ts';
import { unpackBatch, type RawMessage, type RecordBatch } from './shard/record-batch.ts';

const INBOX = 'app.sku.inbox';

/**
 * A shard over a fake host whose inbox gate lets through records below `gate.openBelow` (as the
 * real gate lets through what the source has passed), and a source that records pauses/resumes.
 * With `gate.endSeenAt`, it lets records through only when received at or before it (a caught-up
 * source whose end was learned then), asking for a fresher end otherwise.
 */
function harness() {
  const gate: { openBelow: number; endSeenAt?: number } = { openBelow: 0 };
  const measured = { at: -Infinity };
  const offered: { offsets: number[]; receivedAt: number | undefined }[] = [];
  let endsWanted = 0;
  const applied: number[] = [];
  const calls: string[] = [];
  const o = {
    id: 'sku/0', partition: 0, next: new Map<string, number>(), appendTimes: [], traced: [], uncommitted: 0, paused: false,
    counters: { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, timersFired: 0, outOfEventTimeOrder: 0 },
    host: {
      apply: async (_id: string, batch: RecordBatch, ctx: { receivedAt?: number }) => {
        const records = unpackBatch(batch);
        offered.push({ offsets: records.map((r) => r.offset), receivedAt: ctx.receivedAt });
        if (gate.endSeenAt !== undefined && (ctx.receivedAt ?? Infinity) > gate.endSeenAt) return { consumed: 0, counters: o.counters, size: 0, endWanted: true };
        let consumed = 0;
        while (consumed < records.length && records[consumed]!.offset < gate.openBelow) applied.push(records[consumed++]!.offset);
        return { consumed, counters: o.counters, size: 0 };
      },
    },
  } as unknown as Owned;
  let current = true;
  const holds = new InboxHolds({
    membership: { held: () => (current ? o : undefined) } as never,
    store: {} as never,
    isInbox: (topic) => topic === INBOX,
    log: () => {},
    observer: {},
    endWanted: () => void endsWanted++,
    measuredAt: () => measured.at,
    source: {
      pause: (tps: readonly TopicPartition[]) => void calls.push(`pause ${tps.length}`),
      resume: (tps: readonly TopicPartition[]) => void calls.push(`resume ${tps.length}`),
      seek: () => void calls.push('seek'),
    },
  });
  return { o, gate, applied, calls, holds, measured, offered, endsWanted: () => endsWanted, retire: () => (current = false) };
}

function inboxBatch(from: number, count: number): SourceBatch {
  const records: RawMessage[] = Array.from({ length: count }, (_, i) => ({ offset: String(from + i), key: new TextEncoder().encode('k'), value: new TextEncoder().encode('{}') }));
  return { topic: INBOX, partition: 0, highWatermark: from + count, records, lastOffset: String(from + count - 1) };
}

describe('inbox records held for the source partition', () => {
  test('records received before the latest measurement of the source end are offered on their own: a steady inbox cannot keep them waiting', async () => {
    const h = harness();
    h.gate.openBelow = 100;
    h.holds.hold(h.o, { ...inboxBatch(0, 2), receivedAt: 100 }, inboxBatch(0, 2).records);
    h.holds.hold(h.o, { ...inboxBatch(2, 2), receivedAt: 300 }, inboxBatch(2, 2).records);
    // The end was measured from t=200: true for the first two, not yet for the two received later.
    h.measured.at = 200;
    h.gate.endSeenAt = 200;
    await h.holds.drain(h.o);
    expect(h.offered).toEqual([{ offsets: [0, 1], receivedAt: 100 }, { offsets: [2, 3], receivedAt: 300 }]);
    expect(h.applied).toEqual([0, 1]);
    expect(h.endsWanted()).toBe(1);
    h.measured.at = 400;
    h.gate.endSeenAt = 400;
    await h.holds.drain(h.o);
    expect(h.applied).toEqual([0, 1, 2, 3]);
    expect(h.offered.at(-1)).toEqual({ offsets: [2, 3], receivedAt: 300 });
  });

  test('held records are applied once, in offset order, when the shard lets them through; later batches queue behind them', async () => {
    const h = harness();
    h.holds.hold(h.o, inboxBatch(0, 3), inboxBatch(0, 3).records);
    h.holds.hold(h.o, inboxBatch(3, 2), inboxBatch(3, 2).records);
    h.holds.hold(h.o, inboxBatch(2, 3), inboxBatch(2, 3).records); // a redelivery of what waits already: not held twice
    expect(h.holds.nextAfterHeld(h.o, INBOX)).toBe(5);
    await h.holds.drain(h.o);
    expect(h.applied).toEqual([]); // the gate is closed: nothing passes, nothing is lost
    h.gate.openBelow = 2;
    await h.holds.drain(h.o);
    h.gate.openBelow = 100;
    await h.holds.drain(h.o);
    expect(h.applied).toEqual([0, 1, 2, 3, 4]);
    expect(h.holds.nextAfterHeld(h.o, INBOX)).toBeUndefined();
    expect(h.o.next.get(`${INBOX}:0`)).toBe(5);
    expect(h.calls).toEqual([]); // never sought back: nothing is fetched again
  });

  test('with no source batch to trigger it, a held record is retried on a timer', async () => {
    const h = harness();
    h.holds.hold(h.o, inboxBatch(0, 1), inboxBatch(0, 1).records);
    h.gate.openBelow = 1;
    const deadline = Date.now() + 2000;
    while (h.applied.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(h.applied).toEqual([0]);
  });

  test('too many held records pause the inbox partition until the shard has taken half of them', async () => {
    const h = harness();
    const big = inboxBatch(0, 20_001);
    h.holds.hold(h.o, big, big.records);
    expect(h.calls).toEqual(['pause 1']);
    h.gate.openBelow = 10_000; // 10,001 still wait: more than half
    await h.holds.drain(h.o);
    expect(h.calls).toEqual(['pause 1']);
    h.gate.openBelow = 10_001;
    await h.holds.drain(h.o);
    expect(h.calls).toEqual(['pause 1', 'resume 1']);
  });

  test('a shard no longer held (retired, taken by a rebalance) or a stopped intake applies nothing more', async () => {
    const h = harness();
    h.holds.hold(h.o, inboxBatch(0, 2), inboxBatch(0, 2).records);
    h.gate.openBelow = 100;
    h.retire();
    await h.holds.drain(h.o);
    const stopped = harness();
    stopped.holds.hold(stopped.o, inboxBatch(0, 2), inboxBatch(0, 2).records);
    stopped.gate.openBelow = 100;
    stopped.holds.stop();
    await stopped.holds.drain(stopped.o);
    await new Promise((r) => setTimeout(r, 60));
    expect([h.applied, stopped.applied]).toEqual([[], []]);
  });
});
