import { describe, expect, test } from 'bun:test';
import type { ShardOutboxRow } from '../store/index.ts';
import { LocalDelivery } from './local-delivery.ts';
import { countByOrigin } from './memory-taken.ts';
import type { Owned } from './owned-shard.ts';
import type { TextMessage } from './shard/record-batch.ts';

const INBOX = 'app.sku.inbox';

/**
 * LocalDelivery over fakes: a held receiver whose applies are recorded (taking `take` records of
 * each attempt, all by default, and none of an origin in `waits` from its first on, as a shard does
 * whose source is behind that origin's message), an inbox whose end offset the test sets, and the
 * relay requests it makes. The engine side (relay, checkpoint, SIGKILL) is covered by the broker suites.
 */
function harness() {
  const applied: { origin: string; seq: number }[] = [];
  const offered: string[] = [];
  const relayed: string[] = [];
  const state: { end: number; take: number; held: boolean; gate?: Promise<void>; waits: Set<string> } = { end: 0, take: Infinity, held: true, waits: new Set() };
  const receiver = { id: 'sku/0', partition: 0, actor: { type: 'sku' }, next: new Map<string, number>() } as unknown as Owned;
  const delivery = new LocalDelivery({
    held: (id) => (id === 'sku/0' && state.held ? receiver : undefined),
    receiverTypeOf: (topic) => (topic === INBOX ? 'sku' : undefined),
    inboxTopicOf: () => INBOX,
    partitionsOf: () => 2,
    partitionOf: (key) => (key.endsWith('0') ? 0 : 1),
    endOffsets: async () => [{ partition: 0, high: state.end, low: 0 }],
    async apply(_o, _topic, records: TextMessage[]) {
      await state.gate;
      offered.push(records.map((r) => `${r.headers!['x-origin']}#${r.headers!['x-seq']}`).join(' '));
      const took = records.slice(0, state.take).filter((r) => !state.waits.has(String(r.headers!['x-origin'])));
      for (const r of took) applied.push({ origin: String(r.headers!['x-origin']), seq: Number(r.headers!['x-seq']) });
      return countByOrigin(took);
    },
    relayAgain: async (origin) => void relayed.push(origin),
    log: () => {},
  });
  const setApplied = (offset: number) => receiver.next.set(`${INBOX}:0`, offset);
  return { delivery, receiver, applied, offered, relayed, state, setApplied };
}

const row = (shard: string, seq: number, key = 'sku-10'): ShardOutboxRow => ({ shard, seq, topic: INBOX, key, value: `{"n":${seq}}`, headers: {} });
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 25));
};

describe('local delivery', () => {
  test('a row to a shard held here is routed to it; to another partition or a non-inbox topic, not', () => {
    const { delivery, receiver } = harness();
    expect(delivery.receiverOf(row('order/1', 1, 'sku-10'))).toBe(receiver);
    expect(delivery.receiverOf(row('order/1', 1, 'sku-11'))).toBeUndefined();
    expect(delivery.receiverOf({ topic: 'app.alerts', key: 'sku-10' })).toBeUndefined();
  });

  test("an origin's messages wait until the receiver has applied its inbox up to the end measured at the first hand-over", async () => {
    const h = harness();
    h.state.end = 7; // the origin published rows by Kafka before: they end below offset 7
    h.setApplied(3);
    h.delivery.handOver(h.receiver, 'order/1', 1, [row('order/1', 5), row('order/1', 6)]);
    await settle();
    expect(h.applied).toEqual([]);
    h.setApplied(7);
    await h.delivery.drain(h.receiver);
    await settle();
    expect(h.applied).toEqual([{ origin: 'order/1', seq: 5 }, { origin: 'order/1', seq: 6 }]);
  });

  test('rows handed over once are not queued again; a prefix the shard did not take is offered again, in order', async () => {
    const h = harness();
    h.state.take = 1;
    h.delivery.handOver(h.receiver, 'order/1', 1, [row('order/1', 1), row('order/1', 2)]);
    h.delivery.handOver(h.receiver, 'order/1', 1, [row('order/1', 1), row('order/1', 2), row('order/1', 3)]);
    await settle();
    expect(h.applied.map((a) => a.seq)).toEqual([1, 2, 3]);
  });

  test("an origin whose message waits holds up its own later ones, not another origin's; they follow in order once it may go", async () => {
    const h = harness();
    h.state.waits.add('order/1');
    h.delivery.handOver(h.receiver, 'order/1', 1, [row('order/1', 1), row('order/1', 2)]);
    h.delivery.handOver(h.receiver, 'order/2', 1, [row('order/2', 3), row('order/2', 4)]);
    await settle();
    expect(h.applied).toEqual([{ origin: 'order/2', seq: 3 }, { origin: 'order/2', seq: 4 }]);
    expect(h.offered[0]).toBe('order/1#1 order/1#2 order/2#3 order/2#4');
    expect(new Set(h.offered.slice(1))).toEqual(new Set(['order/1#1 order/1#2']));
    h.state.waits.clear();
    await h.delivery.drain(h.receiver);
    await settle();
    expect(h.applied.slice(2)).toEqual([{ origin: 'order/1', seq: 1 }, { origin: 'order/1', seq: 2 }]);
    h.delivery.handOver(h.receiver, 'order/2', 1, [row('order/2', 5)]);
    await settle();
    expect(h.applied.map((a) => a.seq)).toEqual([3, 4, 1, 2, 5]); // each applied once, in its origin's order
  });

  test('an origin whose first record waited is offered after the others, so a full offer of it cannot keep them out', async () => {
    const h = harness();
    h.state.take = 3; // the shard takes no more than 3 of an offer: a full window, as MAX_OFFERED makes one
    h.state.waits.add('order/1');
    h.delivery.handOver(h.receiver, 'order/1', 1, [row('order/1', 1), row('order/1', 2), row('order/1', 3)]);
    await settle();
    h.delivery.handOver(h.receiver, 'order/2', 1, [row('order/2', 4)]);
    await settle();
    expect(h.applied).toEqual([{ origin: 'order/2', seq: 4 }]);
    expect(h.offered.some((o) => o.startsWith('order/2#4 order/1#1'))).toBe(true);
  });

  test("a new epoch of the origin drops what its older one queued and waits for a new barrier", async () => {
    const h = harness();
    h.setApplied(0);
    h.state.end = 0;
    h.state.take = 0; // nothing is taken yet
    h.delivery.handOver(h.receiver, 'order/1', 1, [row('order/1', 1), row('order/1', 2)]);
    await settle();
    h.state.end = 4; // meanwhile another owner of order/1 published by Kafka
    h.state.take = Infinity;
    h.delivery.handOver(h.receiver, 'order/1', 2, [row('order/1', 1), row('order/1', 2), row('order/1', 9)]);
    await settle();
    expect(h.applied).toEqual([]);
    h.setApplied(4);
    await h.delivery.drain(h.receiver);
    await settle();
    expect(h.applied.map((a) => a.seq)).toEqual([1, 2, 9]);
  });

  test("a new epoch of the origin while its old queue is being applied: the count of queued records stays exact, and the new queue drains", async () => {
    const h = harness();
    let open!: () => void;
    h.state.gate = new Promise((r) => (open = r));
    h.delivery.handOver(h.receiver, 'order/1', 1, [row('order/1', 1), row('order/1', 2)]);
    await settle(); // the old queue is offered, and the apply waits
    h.delivery.handOver(h.receiver, 'order/1', 2, [row('order/1', 1), row('order/1', 2), row('order/1', 3)]);
    open();
    await settle();
    expect(h.applied.map((a) => a.seq)).toEqual([1, 2, 1, 2, 3]); // the receiver's dedup drops the second 1, 2
    expect(h.receiver.memoryInbox!.size).toBe(0);
    expect([...h.receiver.memoryInbox!.queues.values()].map((q) => q.records.length)).toEqual([0]);
  });

  test('a receiver given up here makes every origin it was handed rows by relay again from the start', async () => {
    const h = harness();
    h.delivery.cursors.set('order/1', 10);
    h.delivery.cursors.set('order/2', 4);
    h.state.take = 0;
    h.delivery.handOver(h.receiver, 'order/1', 1, [row('order/1', 10)]);
    h.delivery.handOver(h.receiver, 'order/2', 1, [row('order/2', 4)]);
    h.delivery.receiverGone(h.receiver);
    expect(h.relayed).toEqual(['order/1', 'order/2']);
    expect(h.delivery.cursors.size).toBe(0);
    expect(h.receiver.memoryInbox).toBeUndefined();
  });

  test('a full queue refuses the rest; once it drains, the starved origin is read again', async () => {
    const h = harness();
    h.state.take = 0;
    const rows = Array.from({ length: 20_001 }, (_, i) => row('order/1', i + 1));
    expect(h.delivery.handOver(h.receiver, 'order/1', 1, rows)).toBe(false);
    expect(h.receiver.memoryInbox!.size).toBe(20_000);
    h.state.take = Infinity;
    await settle();
    expect(h.applied.length).toBe(20_000);
    expect(h.relayed).toEqual(['order/1']);
    // The refused row is taken when the relay offers it again.
    expect(h.delivery.handOver(h.receiver, 'order/1', 1, rows)).toBe(true);
    await settle();
    expect(h.applied.at(-1)).toEqual({ origin: 'order/1', seq: 20_001 });
  });
});
