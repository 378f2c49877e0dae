import { describe, expect, test } from 'bun:test';
import type { Owned } from './owned-shard.ts';
import { MIN_INTERVAL_MS, SourceEnds } from './source-ends.ts';

/** A shard of `topic` partition `p` whose host records the ends it is told, and when they were measured. */
function shard(id: string, partition: number, noted: string[], seenAts: number[] = []): Owned {
  return { id, partition, host: { noteSourceEnd: async (shardId: string, hw: number, seenAt: number) => void (noted.push(`${shardId}=${hw}`), seenAts.push(seenAt)) } } as unknown as Owned;
}

function setUp(opts: { fail?: boolean } = {}) {
  let failing = opts.fail === true;
  const noted: string[] = [];
  const measured: string[] = [];
  const asked: number[] = [];
  const logs: string[] = [];
  const held = new Set<Owned>();
  let release: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  const ends = new SourceEnds({
    admin: {
      async offsets() {
        asked.push(Date.now());
        await gate;
        if (failing) throw new Error('broker away');
        return [{ partition: 0, low: 0, high: 7 }, { partition: 1, low: 0, high: 9 }];
      },
    },
    membership: { held: (id) => [...held].find((o) => o.id === id) },
    topicsOf: () => ['inventory_events', 'app.sku.inbox'],
    measured: (o) => void measured.push(o.id),
    log: (l) => void logs.push(l),
  });
  const hold = () => {
    gate = new Promise((r) => (release = r));
  };
  return { ends, noted, measured, asked, logs, held, hold, release: () => release(), recover: () => (failing = false) };
}

const settle = () => new Promise((r) => setTimeout(r, MIN_INTERVAL_MS * 3));

describe('source ends measured again', () => {
  test('the shards asking are told their partition end, as of when the measurement started, and offered their records again', async () => {
    const s = setUp();
    const seenAts: number[] = [];
    const requested = Date.now();
    const a = shard('sku/0', 0, s.noted, seenAts);
    const b = shard('sku/1', 1, s.noted);
    s.held.add(a).add(b);
    s.ends.request(a);
    s.ends.request(b);
    await settle();
    expect(s.noted).toEqual(['sku/0=7', 'sku/1=9']);
    expect(s.measured).toEqual(['sku/0', 'sku/1']);
    expect(s.asked).toHaveLength(1); // one measurement of the topic served both
    // Fresh for what was received before the request went out, never later than the answer was asked for.
    expect(seenAts[0]).toBeGreaterThanOrEqual(requested);
    expect(seenAts[0]).toBeLessThanOrEqual(s.asked[0]!);
    expect(s.ends.measuredAt(a)).toBe(seenAts[0]!);
  });

  test('shards asking while a measurement runs are measured by the next, at least MIN_INTERVAL_MS later; a shard given up meanwhile is not told', async () => {
    const s = setUp();
    const a = shard('sku/0', 0, s.noted);
    const b = shard('sku/1', 1, s.noted);
    s.held.add(a).add(b);
    s.hold();
    s.ends.request(a);
    await new Promise((r) => setTimeout(r, 5));
    s.ends.request(b); // its records came after the running measurement started
    s.ends.request(b);
    s.held.delete(a); // given up before its measurement answered
    s.release();
    await settle();
    await settle();
    expect(s.asked).toHaveLength(2);
    expect(s.asked[1]! - s.asked[0]!).toBeGreaterThanOrEqual(MIN_INTERVAL_MS - 1);
    expect(s.noted).toEqual(['sku/1=9']);
    expect(s.measured).toEqual(['sku/1']);
  });

  test('a measurement that fails is logged once until one works again; the records wait and the next request measures again', async () => {
    const s = setUp({ fail: true });
    const a = shard('sku/0', 0, s.noted);
    s.held.add(a);
    s.ends.request(a);
    await settle();
    s.ends.request(a);
    await settle();
    expect(s.asked).toHaveLength(2);
    expect(s.logs).toEqual(['could not measure the end of inventory_events (inbox records wait for it; said once until it works again): broker away']);
    expect(s.noted).toEqual([]);
    s.recover();
    s.ends.request(a);
    await settle();
    expect(s.noted).toEqual(['sku/0=7']);
    expect(s.logs.at(-1)).toBe('measured the end of inventory_events again');
  });

  test('after stop nothing is measured', async () => {
    const s = setUp();
    const a = shard('sku/0', 0, s.noted);
    s.held.add(a);
    s.ends.stop();
    s.ends.request(a);
    await settle();
    expect(s.asked).toEqual([]);
  });
});
