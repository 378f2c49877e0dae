import { describe, expect, test } from 'bun:test';
import { orderActor } from '../actors/order.ts';
import { skuActor } from '../actors/sku.ts';
import type { ActorDefinition } from '../actors/actor.ts';
import { creationBase, eventTimeOrder, inputTime, missingRecords, rebuildAt, type RebuildContext } from './entity-history.ts';
import { createShard, type Shard } from './shard/shard.ts';
import type { HistoryRow } from './shard/shard-api.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './shard/records.ts';
import { unheld } from '../actors/unheld.ts';

/** The order actor alone: no SKU shard answers its reserves here, so it is not held while awaiting them (actors/unheld.ts). */
const orderAlone = unheld(orderActor);

const APP = 'shop';
const INBOX = `${APP}.sku.inbox`;

function records(): SourceRecord[] {
  let src = 0;
  let inbox = 0;
  let seq = 0;
  const stock = (key: string, qty: number, ts: number): SourceRecord => ({
    topic: 'inventory_events', partition: 0, offset: src++, key, headers: {}, timestamp: ts,
    value: JSON.stringify({ id: `s-${src}`, type: 'stock_received', v: 1, ts, data: { sku: key, qty } }),
  });
  const reserve = (key: string, qty: number, orderId: string, ts: number): SourceRecord => ({
    topic: INBOX, partition: 0, offset: inbox++, key, headers: { [ORIGIN_HEADER]: 'order/0', [SEQ_HEADER]: String(++seq) }, timestamp: ts,
    value: JSON.stringify({ from: { type: 'order', key: orderId }, msg: { type: 'reserve', orderId, line: 0, qty, cause: `e-${orderId}`, ts } }),
  });
  return [
    stock('A', 5, 1_000), stock('B', 2, 1_500), reserve('A', 3, 'o-1', 2_000), stock('A', 1, 2_500), reserve('A', 2, 'o-2', 3_000),
    reserve('B', 3, 'o-3', 3_000), reserve('A', 2, 'o-4', 4_000), stock('A', 4, 5_000), reserve('A', 1, 'o-5', 6_000), stock('B', 7, 7_000),
  ];
}

/** A live shard keeping history, fed in chunks with a checkpoint (takeDelta) after each: the snapshots, numbered like their ids. */
function liveHistory(actor: ActorDefinition<any>, all: readonly SourceRecord[], chunk: number): (HistoryRow & { id: number })[] {
  const shard = createShard({ actor, partition: 0, app: APP, keepHistory: true, wallClock: () => 0 });
  const rows: (HistoryRow & { id: number })[] = [];
  for (let i = 0; i < all.length; i += chunk) {
    shard.apply(all.slice(i, i + chunk));
    for (const r of shard.takeDelta().history ?? []) rows.push({ ...r, id: rows.length + 1 });
  }
  return rows;
}

/** What store/history.ts historyAround picks: the last snapshot before the first stamped after `at`, and that one. */
function around(rows: readonly (HistoryRow & { id: number })[], key: string, at: number) {
  const mine = rows.filter((r) => r.key === key);
  const nextIndex = mine.findIndex((r) => r.at > at);
  const base = nextIndex === -1 ? mine.at(-1) : mine[nextIndex - 1];
  return { base, next: nextIndex === -1 ? undefined : mine[nextIndex] };
}

/** The records a rebuild reads back: from the base's offsets on (none when no snapshot is later than the time asked). */
function after(all: readonly SourceRecord[], base: Pick<HistoryRow, 'sourceOffset' | 'inboxOffset'>, next: HistoryRow | undefined): SourceRecord[] {
  if (!next) return [];
  return all.filter((r) => r.offset >= (r.topic === INBOX ? base.inboxOffset : base.sourceOffset));
}

/** The oracle: a fresh shard given every input up to `at`, in event-time order, then the timers due by `at`. */
function stateFromScratch(actor: ActorDefinition<any>, all: readonly SourceRecord[], key: string, at: number, sourceTopic: string): unknown {
  const shard: Shard = createShard({ actor, partition: 0, app: APP, wallClock: () => 0 });
  for (const r of eventTimeOrder(all, sourceTopic)) if (inputTime(r) <= at) shard.apply([r]);
  shard.advanceTimers(at, true);
  const q = shard.query(key);
  return typeof q === 'object' ? q.state : undefined;
}

const skuCtx: RebuildContext = { actor: skuActor, app: APP, sourceTopic: 'inventory_events', actorTypes: ['sku', 'order', 'user'] };

describe('time travel: an entity rebuilt from a snapshot and the records after it', () => {
  test('a snapshot per checkpoint that changed the entity, with the shard offsets and the latest event time', () => {
    const rows = liveHistory(skuActor, records(), 2);
    const a = rows.filter((r) => r.key === 'A');
    expect(a.map((r) => r.at)).toEqual([1_000, 2_500, 3_000, 5_000, 6_000]);
    // After the 2nd chunk (records 0–3: sources 0,1,2 and inbox 0) the shard stood at source 3, inbox 1.
    expect(a[1]).toMatchObject({ sourceOffset: 3, inboxOffset: 1, inboxPositions: { 'order/0': 1 } });
    expect(a.every((r) => r.stateVersion === skuActor.stateVersion && r.quarantine === null)).toBe(true);
  });

  test('at every event time, with checkpoints of 1, 2 and 3 records, the state equals a replay of every input up to that time', () => {
    const all = records();
    for (const chunk of [1, 2, 3]) {
      const rows = liveHistory(skuActor, all, chunk);
      for (const key of ['A', 'B']) {
        for (let at = 1_000; at <= 8_000; at += 250) {
          const { base: found, next } = around(rows, key, at);
          const want = stateFromScratch(skuActor, all, key, at, 'inventory_events');
          // Before its first snapshot: from its creation (the first snapshot of a new entity says where its checkpoint began).
          const base = found ?? (next?.created ? { ...creationBase(skuActor, key, { ...next, committedAt: '' }) } : undefined);
          expect(base).toBeDefined();
          const got = rebuildAt(skuCtx, key, base!, after(all, base!, next), at);
          const existed = found !== undefined || got.replayed.inputs > 0;
          expect({ chunk, key, at, state: existed ? got.state : undefined }).toEqual({ chunk, key, at, state: want });
        }
      }
    }
  });

  test('by source offset: right after each source record, with checkpoints of 1, 2 and 3 records, the state equals a replay up to that record', () => {
    let src = 0;
    let inbox = 0;
    const stock = (key: string, qty: number, ts: number): SourceRecord => ({
      topic: 'inventory_events', partition: 0, offset: src++, key, headers: {}, timestamp: ts,
      value: JSON.stringify({ id: `t-${src}`, type: 'stock_received', v: 1, ts, data: { sku: key, qty } }),
    });
    const reserve = (key: string, qty: number, ts: number): SourceRecord => ({
      topic: INBOX, partition: 0, offset: inbox++, key, headers: { [ORIGIN_HEADER]: 'order/0', [SEQ_HEADER]: String(inbox) }, timestamp: ts,
      value: JSON.stringify({ from: { type: 'order', key: `o-${inbox}` }, msg: { type: 'reserve', orderId: `o-${inbox}`, line: 0, qty, cause: `e-${inbox}`, ts } }),
    });
    // Three source events of time 2,000 (two of them A's) and a message of that time between them
    // in arrival order: "right after offset 2" holds A's first two stocks, not the reserve or offset 3.
    const all = [stock('A', 1, 1_000), stock('A', 2, 2_000), stock('A', 4, 2_000), reserve('A', 5, 2_000), stock('B', 1, 2_000), stock('A', 8, 2_000), reserve('A', 1, 3_000), stock('A', 16, 3_000)];
    const sources = all.filter((r) => r.topic === 'inventory_events');
    for (const chunk of [1, 2, 3]) {
      const rows = liveHistory(skuActor, all, chunk);
      for (const record of sources) {
        const t = inputTime(record);
        const point = { at: t, through: { topic: 'inventory_events', partition: 0, offset: record.offset } };
        const fresh: Shard = createShard({ actor: skuActor, partition: 0, app: APP, wallClock: () => 0 });
        for (const r of eventTimeOrder(all, 'inventory_events')) {
          const ts = inputTime(r);
          if (ts < t || (ts === t && r.topic === 'inventory_events' && r.offset <= record.offset)) fresh.apply([r]);
        }
        const q = fresh.query('A');
        const want = typeof q === 'object' ? q.state : undefined;
        // A snapshot stamped with the record's own time may hold a later record of that time.
        const { base: found, next } = around(rows, 'A', t - 1);
        const base = found ?? (next?.created ? { ...creationBase(skuActor, 'A', { ...next, committedAt: '' }) } : undefined);
        const got = rebuildAt(skuCtx, 'A', base!, after(all, base!, next), point);
        expect({ chunk, offset: record.offset, state: got.state }).toEqual({ chunk, offset: record.offset, state: want });
      }
    }
    // The points differ where they should: offsets 1, 2 and 5 of time 2,000 are three states of A.
    const rows = liveHistory(skuActor, all, 1);
    const at = (offset: number) => rebuildAt(skuCtx, 'A', creationBase(skuActor, 'A', { ...rows[0]!, committedAt: '' }), all, { at: 2_000, through: { topic: 'inventory_events', partition: 0, offset } }).state;
    expect([1, 2, 5].map((o) => (at(o) as { onHand: number }).onHand)).toEqual([3, 7, 15]);
  });

  test('timers due by the time asked fire, though no later input fired them live', () => {
    const placed: SourceRecord = {
      topic: 'transaction_events', partition: 0, offset: 0, key: 'o-9', headers: {}, timestamp: 10_000,
      value: JSON.stringify({ id: 'e-9', type: 'order_placed', v: 2, ts: 10_000, data: { orderId: 'o-9', userId: 'u-1', items: [{ sku: 'A', qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' } }),
    };
    const rows = liveHistory(orderAlone, [placed], 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.timers.length).toBeGreaterThan(0);
    const ctx: RebuildContext = { ...skuCtx, actor: orderAlone, sourceTopic: 'transaction_events' };
    const due = Math.max(...rows[0]!.timers.map((t) => t.dueAt));
    const before = rebuildAt(ctx, 'o-9', rows[0]!, [], due - 1);
    const after = rebuildAt(ctx, 'o-9', rows[0]!, [], due);
    expect(before.state).toEqual(rows[0]!.state);
    expect(after.replayed.timers).toBeGreaterThan(0);
    expect(after.state).not.toEqual(rows[0]!.state);
    expect(after.state).toEqual(stateFromScratch(orderAlone, [placed], 'o-9', due, 'transaction_events'));
  });

  test('inputs in event-time order: by time, a source event before a message of the same time, then by offset', () => {
    const r = (topic: string, offset: number, ts: number): SourceRecord => ({ topic, partition: 0, offset, key: 'k', headers: {}, value: JSON.stringify(topic === 'src' ? { ts } : { msg: { ts } }) });
    const unreadable = { ...r('src', 9, 0), value: 'not json' };
    const ordered = eventTimeOrder([r('inbox', 0, 20), r('src', 1, 30), r('src', 0, 20), r('inbox', 1, 10), r('src', 2, 5), unreadable], 'src');
    expect(ordered.map((m) => `${m.topic}${m.offset}`)).toEqual(['src9', 'src2', 'inbox1', 'src0', 'inbox0', 'src1']);
    expect(inputTime(unreadable)).toBe(-Infinity);
  });

  test('an input that reached the entity after a later one is put back in its place', () => {
    // Live, the SKU saw the stock adjustment at 3,000 before the reserve of 2,500 (relayed late).
    const stock = (offset: number, qty: number, ts: number): SourceRecord => ({
      topic: 'inventory_events', partition: 0, offset, key: 'L', headers: {}, timestamp: ts,
      value: JSON.stringify({ id: `l-${offset}`, type: offset === 0 ? 'stock_received' : 'stock_adjusted', v: 1, ts, data: offset === 0 ? { sku: 'L', qty } : { sku: 'L', delta: qty, reason: 'damaged' } }),
    });
    const reserve: SourceRecord = {
      topic: INBOX, partition: 0, offset: 0, key: 'L', headers: { [ORIGIN_HEADER]: 'order/0', [SEQ_HEADER]: '1' }, timestamp: 4_000,
      value: JSON.stringify({ from: { type: 'order', key: 'o-L' }, msg: { type: 'reserve', orderId: 'o-L', line: 0, qty: 1, cause: 'e-o-L', ts: 2_500 } }),
    };
    const live = [stock(0, 2, 1_000), stock(1, -1, 3_000), reserve];
    const rows = liveHistory(skuActor, live, 1);
    expect(rows.map((r) => r.at)).toEqual([1_000, 3_000, 3_000]);
    const { base, next } = around(rows, 'L', 2_600);
    expect(base!.at).toBe(1_000);
    const got = rebuildAt(skuCtx, 'L', base!, after(live, base!, next), 2_600);
    expect(got.state).toMatchObject({ onHand: 2, reserved: 1 });
    expect(got.replayed.inputs).toBe(1);
  });
});

describe('time travel: records the log no longer holds', () => {
  const base = { partition: 2, sourceOffset: 100, inboxOffset: 40 } as Parameters<typeof missingRecords>[1];
  const admin = (lows: Record<string, number>) => ({
    offsets: async (topic: string) => [0, 1, 2].map((partition) => ({ partition, low: partition === 2 ? lows[topic] ?? 0 : 0, high: 1_000 })),
  });

  test('a partition whose log starts after the base offset is named, with where it starts', async () => {
    expect(await missingRecords(admin({ src: 100, inbox: 41 }), base, { sourceOffset: 120, inboxOffset: 50 }, 'src', 'inbox')).toEqual({ topic: 'inbox', partition: 2, needed: 40, low: 41 });
    expect(await missingRecords(admin({ src: 101 }), base, { sourceOffset: 120, inboxOffset: 50 }, 'src', 'inbox')).toEqual({ topic: 'src', partition: 2, needed: 100, low: 101 });
  });

  test('nothing is missing when the log starts at or before the base, or nothing is to be read from it', async () => {
    expect(await missingRecords(admin({ src: 100, inbox: 40 }), base, { sourceOffset: 120, inboxOffset: 50 }, 'src', 'inbox')).toBeUndefined();
    expect(await missingRecords(admin({ src: 500, inbox: 500 }), base, { sourceOffset: 100, inboxOffset: 40 }, 'src', 'inbox')).toBeUndefined();
  });
});
