import { beforeAll, describe, expect, test } from 'bun:test';
import { countByOrigin } from '../engine/memory-taken.ts';
import { LocalDelivery } from '../engine/local-delivery.ts';
import { createOutboxRelay } from '../engine/outbox-relay.ts';
import type { Owned } from '../engine/owned-shard.ts';
import type { TextMessage } from '../engine/shard/record-batch.ts';
import type { OutgoingRecord, RecordSink } from '../engine/record-sink.ts';
import { CommittedOutbox, createCheckpointStore, outboxPending, type CheckpointStore, type Sql } from '../store/index.ts';
import { useMigratedDatabase } from './support/migrated-database.ts';

/**
 * The outbox relay against a real Postgres (engine/outbox-relay.ts): shards asked for while a relay
 * runs go out together in the next one, each shard's rows in commit order, every row exactly once,
 * and a failed produce request leaves only what it did not publish. The sink is the engine's port,
 * recording what it was given (Kafka's side is covered by the broker suites).
 */
const db = useMigratedDatabase();
let sql: Sql;
let store: CheckpointStore;

beforeAll(() => {
  sql = db.sql;
  store = createCheckpointStore(sql);
});

/** Commits `values` to `shard`'s outbox (one checkpoint), as messages to an inbox. */
async function commitOutbox(shard: string, values: readonly string[]): Promise<void> {
  const epoch = await store.acquire(shard, 'proc-a', 'http://proc-a:8080');
  const outbox = values.map((value) => ({ topic: 'app.sku.inbox', key: `k-${value.slice(0, 12)}`, value }));
  await store.commit({ shard, epoch, offsets: [], states: [], outbox, alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] });
}

/** A sink that records each send; `gate` holds sends until released, `failOn` refuses the n-th send (1-based). */
function recordingSink(opts: { failOn?: number } = {}) {
  const sends: OutgoingRecord[][] = [];
  let release!: () => void;
  let gate: Promise<void> | undefined;
  const sink: RecordSink = {
    async send(records) {
      if (gate) await gate;
      if (sends.length + 1 === opts.failOn) {
        sends.push([]);
        throw new Error('broker refused the request');
      }
      sends.push([...records]);
    },
    disconnect: async () => {},
  };
  return {
    sink,
    sends,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release: () => {
      gate = undefined;
      release();
    },
  };
}

/** Commits messages to sku/0 (keys ending in L1–L3, held here in localDelivery) and sku/1 (held elsewhere) from `shard`; its epoch. */
async function commitMixed(shard: string): Promise<number> {
  const epoch = await store.acquire(shard, 'proc-a', 'http://proc-a:8080');
  const rows = ['L1', 'R1', 'L2', 'R2', 'L3'].map((v) => ({ topic: 'app.sku.inbox', key: `sku-${v}`, value: v }));
  await store.commit({ shard, epoch, offsets: [], states: [], outbox: rows, alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] });
  return epoch;
}

/** Local delivery with sku/0 held here (until `giveUp`), recording what it applies and which origins it asks to relay again. */
function localDelivery() {
  const receiver = { id: 'sku/0', partition: 0, actor: { type: 'sku' }, next: new Map([['app.sku.inbox:0', 0]]) } as unknown as Owned;
  const handed: string[] = [];
  const relayAgain: string[] = [];
  let held = true;
  const delivery = new LocalDelivery({
    held: (id) => (id === 'sku/0' && held ? receiver : undefined),
    receiverTypeOf: (topic) => (topic === 'app.sku.inbox' ? 'sku' : undefined),
    inboxTopicOf: () => 'app.sku.inbox',
    partitionsOf: () => 2,
    partitionOf: (key) => (/L\d$/.test(key) ? 0 : 1),
    endOffsets: async () => [{ partition: 0, low: 0, high: 0 }],
    apply: async (_o, _t, records: TextMessage[]) => {
      for (const r of records) handed.push(r.value!);
      return countByOrigin(records);
    },
    relayAgain: async (origin) => void relayAgain.push(origin),
    log: () => {},
  });
  const giveUp = () => {
    held = false;
    delivery.receiverGone(receiver);
  };
  return { delivery, handed, relayAgain, giveUp };
}

const seqOf = (r: OutgoingRecord) => Number(r.headers!['x-seq']);
const fromShard = (sends: OutgoingRecord[][], shard: string) => sends.flat().filter((r) => r.headers!['x-origin'] === shard);

describe('outbox relay', () => {
  test('shards asked for while a relay runs go out together next, each in commit order, each row once', async () => {
    const shards = ['r1/0', 'r1/1', 'r1/2', 'r1/3'];
    for (const [i, shard] of shards.entries()) await commitOutbox(shard, [`${i}a`, `${i}b`, `${i}c`]);
    const s = recordingSink();
    const relay = createOutboxRelay(sql, s.sink);
    s.hold();
    const first = relay.flush(shards[0]!);
    const rest = shards.slice(1).map((shard) => relay.flush(shard));
    s.release();
    expect(await Promise.all([first, ...rest])).toEqual([3, 3, 3, 3]);
    // One request for the first shard, one for the three that queued behind it.
    expect(s.sends.length).toBe(2);
    for (const [i, shard] of shards.entries()) {
      const records = fromShard(s.sends, shard);
      expect(records.map((r) => r.value)).toEqual([`${i}a`, `${i}b`, `${i}c`]);
      const seqs = records.map(seqOf);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    expect(await outboxPending(sql)).toBe(0);
  });

  test('rows committed while a relay of their shard runs go out with the flush their commit asks for', async () => {
    await commitOutbox('r2/0', ['early']);
    const s = recordingSink();
    const relay = createOutboxRelay(sql, s.sink);
    s.hold();
    const running = relay.flush('r2/0');
    await new Promise((r) => setTimeout(r, 50)); // the running relay has read its rows and waits in send
    await commitOutbox('r2/0', ['late-1', 'late-2']);
    const next = relay.flush('r2/0');
    s.release();
    expect(await running).toBe(1);
    expect(await next).toBe(2);
    expect(fromShard(s.sends, 'r2/0').map((r) => r.value)).toEqual(['early', 'late-1', 'late-2']);
    expect(await outboxPending(sql)).toBe(0);
  });

  test('a refused request: what went out before it is deleted, the rest stays for the next relay', async () => {
    // Each value is ~200 KB, so the 512 KB cap puts two rows per request: rows 1-2, then 3-4.
    const big = (tag: string) => tag + 'x'.repeat(200_000);
    await commitOutbox('r3/0', [big('1'), big('2'), big('3'), big('4')]);
    const s = recordingSink({ failOn: 2 });
    const relay = createOutboxRelay(sql, s.sink);
    await expect(relay.flush('r3/0')).rejects.toThrow('broker refused the request');
    expect(s.sends[0]!.map((r) => r.value[0])).toEqual(['1', '2']);
    expect(await outboxPending(sql)).toBe(2);
    expect(await relay.flush('r3/0')).toBe(2);
    expect(s.sends[2]!.map((r) => r.value[0])).toEqual(['3', '4']);
    expect(await outboxPending(sql)).toBe(0);
  });

  test('local delivery: rows to a shard held here are handed over and stay pending until it commits; the rest go out and leave; a receiver given up gets them by Kafka', async () => {
    const epoch = await commitMixed('r5/0');
    const l = localDelivery();
    const s = recordingSink();
    const relay = createOutboxRelay(sql, s.sink, { delivery: l.delivery, epochOf: (id) => (id === 'r5/0' ? epoch : undefined) });
    expect(await relay.flush('r5/0')).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(fromShard(s.sends, 'r5/0').map((r) => r.value)).toEqual(['R1', 'R2']);
    expect(l.handed).toEqual(['L1', 'L2', 'L3']);
    expect((await sql`select value from outbox where shard = 'r5/0' order by seq`).map((r) => r.value)).toEqual(['L1', 'L2', 'L3']);
    // The cursor moved past them: a second relay neither reads nor hands them again.
    expect(await relay.flush('r5/0')).toBe(0);
    expect(l.handed).toHaveLength(3);
    // The receiver is given up before committing them: the origin relays again, now by Kafka, in order.
    l.giveUp();
    expect(l.relayAgain).toEqual(['r5/0']);
    expect(await relay.flush('r5/0')).toBe(3);
    expect(fromShard(s.sends, 'r5/0').map((r) => r.value)).toEqual(['R1', 'R2', 'L1', 'L2', 'L3']);
    expect(await outboxPending(sql)).toBe(0);
  });

  test('local delivery: a receiver given up while a relay publishes is handed nothing; its rows are read again and go out by Kafka, in order', async () => {
    const epoch = await commitMixed('r6/0');
    const l = localDelivery();
    const s = recordingSink();
    const relay = createOutboxRelay(sql, s.sink, { delivery: l.delivery, epochOf: (id) => (id === 'r6/0' ? epoch : undefined) });
    s.hold();
    const running = relay.flush('r6/0');
    await new Promise((r) => setTimeout(r, 50)); // it has read all five rows and waits in the send of R1, R2
    l.giveUp();
    s.release();
    expect(await running).toBe(5);
    await new Promise((r) => setTimeout(r, 50));
    expect(l.handed).toEqual([]);
    expect(fromShard(s.sends, 'r6/0').map((r) => r.value)).toEqual(['R1', 'R2', 'L1', 'L2', 'L3']);
    expect(await outboxPending(sql)).toBe(0);
  });

  test('local delivery: an origin another process has taken since sends nothing from here; the new owner publishes every row, in order', async () => {
    const epoch = await commitMixed('r7/0');
    const theirs = await store.acquire('r7/0', 'proc-b', 'http://proc-b:8080'); // proc-b owns it now; this relay has not heard
    const l = localDelivery();
    const s = recordingSink();
    const relay = createOutboxRelay(sql, s.sink, { delivery: l.delivery, epochOf: (id) => (id === 'r7/0' ? epoch : undefined) });
    expect(await relay.flush('r7/0')).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(l.handed).toEqual([]);
    expect(fromShard(s.sends, 'r7/0')).toEqual([]);
    const newOwner = recordingSink();
    // proc-b holds no sku/0: everything goes out by Kafka, from the first row.
    expect(theirs).toBe(epoch + 1);
    expect(await createOutboxRelay(sql, newOwner.sink).flush('r7/0')).toBe(5);
    expect(fromShard(newOwner.sends, 'r7/0').map((r) => r.value)).toEqual(['L1', 'R1', 'L2', 'R2', 'L3']);
    expect(await outboxPending(sql)).toBe(0);
  });

  test('local delivery: a receiver given up while a relay reads: rows it was handed before go out by Kafka ahead of newer ones', async () => {
    const epoch = await commitMixed('r8/0'); // L1, R1, L2, R2, L3
    const l = localDelivery();
    const s = recordingSink();
    let gate: Promise<void> | undefined;
    // The relay's read (the only statement that returns owner_epoch) waits at the gate.
    const gated = ((strings: TemplateStringsArray, ...values: unknown[]) => {
      const query = (sql as any)(strings, ...values);
      const g = gate;
      return g && strings.join('').includes('owner_epoch') ? g.then(() => query) : query;
    }) as unknown as Sql;
    const relay = createOutboxRelay(gated, s.sink, { delivery: l.delivery, epochOf: (id) => (id === 'r8/0' ? epoch : undefined) });
    expect(await relay.flush('r8/0')).toBe(2); // L1, L2, L3 handed over, not committed
    await store.commit({ shard: 'r8/0', epoch, offsets: [], states: [], outbox: [{ topic: 'app.sku.inbox', key: 'sku-L4', value: 'L4' }], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] });
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    const running = relay.flush('r8/0'); // reads past the cursor: L4
    await new Promise((r) => setTimeout(r, 30));
    l.giveUp();
    gate = undefined;
    open();
    await running;
    expect(fromShard(s.sends, 'r8/0').map((r) => r.value)).toEqual(['R1', 'R2', 'L1', 'L2', 'L3', 'L4']);
    expect(await outboxPending(sql)).toBe(0);
  });

  test('rows this process committed go out from memory, read back from Postgres only for rows it did not commit; each once, in order', async () => {
    const committed = new CommittedOutbox();
    const here = createCheckpointStore(sql, { committedOutbox: committed });
    // r9/0's rows: two commits by an earlier incarnation (the plain store), then two by this one.
    await commitOutbox('r9/0', ['old-1', 'old-2']);
    const epoch = await here.acquire('r9/0', 'proc-a', 'http://proc-a:8080');
    for (const value of ['new-1', 'new-2']) {
      await here.commit({ shard: 'r9/0', epoch, offsets: [], states: [], outbox: [{ topic: 'app.sku.inbox', key: `k-${value}`, value, headers: { h: value } }], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] });
    }
    expect(committed.size).toBe(2);
    // Which seqs the relay read contents for, from Postgres.
    const readBack: number[] = [];
    const counting = ((strings: TemplateStringsArray, ...values: unknown[]) => {
      if (strings.join('').includes('value, headers from outbox where seq = any')) readBack.push(...(values[0] as number[]));
      return (sql as any)(strings, ...values);
    }) as unknown as Sql;
    const s = recordingSink();
    expect(await createOutboxRelay(counting, s.sink, undefined, undefined, committed).flush('r9/0')).toBe(4);
    const sent = fromShard(s.sends, 'r9/0');
    expect(sent.map((r) => r.value)).toEqual(['old-1', 'old-2', 'new-1', 'new-2']);
    expect(sent.map((r) => r.headers!.h)).toEqual([undefined, undefined, 'new-1', 'new-2']);
    expect(readBack).toEqual(sent.slice(0, 2).map(seqOf));
    expect(await outboxPending(sql)).toBe(0);
    // What went out is forgotten at the next read, which finds nothing pending.
    expect(await createOutboxRelay(counting, s.sink, undefined, undefined, committed).flush('r9/0')).toBe(0);
    expect(committed.size).toBe(0);
  });

  test('a backlog larger than one read: every row of every shard, in order, over several reads', async () => {
    const shards = ['r4/0', 'r4/1', 'r4/2'];
    const values = (i: number) => Array.from({ length: 1_500 }, (_, n) => `${i}-${String(n).padStart(4, '0')}`);
    for (const [i, shard] of shards.entries()) await commitOutbox(shard, values(i));
    const s = recordingSink();
    const relay = createOutboxRelay(sql, s.sink);
    expect(await Promise.all(shards.map((shard) => relay.flush(shard)))).toEqual([1_500, 1_500, 1_500]);
    for (const [i, shard] of shards.entries()) expect(fromShard(s.sends, shard).map((r) => r.value)).toEqual(values(i));
    expect(await outboxPending(sql)).toBe(0);
  });

  test('clocks: a sender\'s clock goes out after its rows, to every target; an unchanged one is not published again (the heartbeat repeats it)', async () => {
    const s = recordingSink();
    const clocks = new Map([['order/7', '1000/7/5/transaction_events']]);
    const targets = [{ topic: 'app.user.inbox', key: 'clock-0', type: 'user' }, { topic: 'app.user.inbox', key: 'clock-1', type: 'user' }];
    const relay = createOutboxRelay(sql, s.sink, undefined, { clockOf: (id) => clocks.get(id), targets });
    await commitOutbox('order/7', ['m1', 'm2']);
    await relay.flush('order/7');
    const sent = s.sends.flat();
    expect(sent.map((r) => r.headers?.['x-clock'] ?? r.value)).toEqual(['m1', 'm2', '1000/7/5/transaction_events', '1000/7/5/transaction_events']);
    expect(sent.slice(2).map((r) => [r.key, r.headers?.['x-origin'], r.headers?.['x-seq']])).toEqual([['clock-0', 'order/7', undefined], ['clock-1', 'order/7', undefined]]);
    await relay.flush('order/7'); // nothing new, the same clock: not published again
    expect(s.sends.flat().length).toBe(4);
    expect(relay.publishedClock('order/7')).toBe('1000/7/5/transaction_events');
    clocks.set('order/7', 'idle');
    await relay.flush('order/7');
    expect(s.sends.flat().slice(4).map((r) => r.headers?.['x-clock'])).toEqual(['idle', 'idle']);
    await relay.flush('sku/9'); // a shard with no clock publishes none
    expect(s.sends.flat().length).toBe(6);
  });

  test('clocks with local delivery: published after the rows of a held origin; none for an origin another process has taken (its rows are the new owner\'s to publish first)', async () => {
    const targets = [{ topic: 'app.user.inbox', key: 'clock-0', type: 'user' }];
    const ours = await commitMixed('order/8');
    const taken = await commitMixed('order/9');
    await store.acquire('order/9', 'proc-b', 'http://proc-b:8080');
    const l = localDelivery();
    const s = recordingSink();
    const epochs = new Map([['order/8', ours], ['order/9', taken]]);
    const relay = createOutboxRelay(sql, s.sink, { delivery: l.delivery, epochOf: (id) => epochs.get(id) }, { clockOf: () => '1000/7/5/transaction_events', targets });
    await Promise.all([relay.flush('order/8'), relay.flush('order/9')]);
    expect(s.sends.flat().map((r) => `${r.headers!['x-origin']} ${r.headers?.['x-clock'] ?? r.value}`)).toEqual(['order/8 R1', 'order/8 R2', 'order/8 1000/7/5/transaction_events']);
    expect(relay.publishedClock('order/8')).toBe('1000/7/5/transaction_events');
    expect(relay.publishedClock('order/9')).toBeUndefined();
  });
});
