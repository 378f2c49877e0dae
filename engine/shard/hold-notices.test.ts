import { describe, expect, test } from 'bun:test';
import { orderActor } from '../../actors/order.ts';
import { skuActor } from '../../actors/sku.ts';
import { MERGE_KEY_HEADER } from './merge-key.ts';
import { holdNoticeOf, NoticeHolds, openedJson, settledJson } from './hold-notices.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './records.ts';
import { createShard } from './shard.ts';
import { APP, T0, SKU_INBOX, at, tx, placed, inbox, reserve, release, clock, stock, skuShard, answers, skuState, restoreFrom } from './hold-notices.fixtures.ts';

/**
 * Hold notices (hold-notices.ts): an order shard that holds a cancellation tells its lines' SKUs to
 * hold what comes after it, and settles with the release once the cancellation is applied; a SKU
 * holds its later inputs behind an open notice and applies them in key order once it is settled.
 */
/** S's last unit reserved by o1, o1's cancellation held behind a notice to S, then o2's reserve for S (all from order/0; order/1 idle). */
const o2BehindO1Cancellation = (): SourceRecord[] => [
  stock(0, 'S', 1, 0),
  stock(1, 'U', 1, 90_000),
  clock(0, 'order/1', 'idle'),
  inbox(1, 'S', 'order/0', 1, 'o1', reserve('o1', 100), at(100, 0)),
  inbox(2, 'S', 'order/0', 2, 'o1', openedJson(at(200, 1), T0 + 200), at(200, 1)),
  inbox(3, 'S', 'order/0', 3, 'o2', reserve('o2', 300), at(300, 2)),
];
/**
 * The cycle a settle must not wait in: S holds q's reserve (order/1) behind o1's notice, and
 * order/0's reserve for T, sent before o1's settle, waits for order/1 to pass it — which waits for q's answer.
 */
const qBehindO1SettleBehindO3 = (): SourceRecord[] => [
  stock(0, 'S', 1, 0),
  stock(1, 'T', 1, 50),
  stock(2, 'U', 1, 90_000),
  inbox(1, 'S', 'order/0', 1, 'o1', reserve('o1', 100), at(100, 0)),
  inbox(2, 'S', 'order/0', 2, 'o1', openedJson(at(200, 1), T0 + 200), at(200, 1)),
  // order/1 promised up to 0:00.250 (its next order awaits S's answer to q's reserve).
  inbox(3, 'S', 'order/1', 1, 'q', reserve('q', 250), at(250, 0, 1)),
  clock(4, 'order/1', at(250, 0, 1)),
  inbox(5, 'T', 'order/0', 3, 'o3', reserve('o3', 300), at(300, 2)),
];
/** o1's settle to S (its cancellation's release), at inbox `offset` with order/0's sequence `seq`. */
const o1Settle = (offset: number, seq: number) => inbox(offset, 'S', 'order/0', seq, 'o1', settledJson(at(200, 1), T0 + 200, [release('o1', 200)]), at(200, 1));

describe('hold notices, as messages', () => {
  test('an opened notice and a settle with its sends are read back; actor messages and malformed notices are not notices', () => {
    expect(holdNoticeOf(JSON.parse(openedJson(at(1, 2), T0)))).toEqual({ kind: 'opened', hold: at(1, 2) });
    expect(holdNoticeOf(JSON.parse(settledJson(at(1, 2), T0, [release('o', 1)])))).toEqual({ kind: 'settled', hold: at(1, 2), sends: [JSON.parse(release('o', 1))] });
    expect(holdNoticeOf(JSON.parse(reserve('o', 1)))).toBeUndefined();
    expect(holdNoticeOf({ type: '$hold_opened' })).toBeUndefined();
    expect(holdNoticeOf({ type: '$hold_settled', hold: 'h', sends: [{ type: 'release' }] })).toBeUndefined();
    // Its messages' times are stored (a parked input's, a snapshot's) in bigint columns: whole ms only.
    expect(holdNoticeOf({ type: '$hold_settled', hold: 'h', sends: [{ type: 'release', ts: T0 + 0.5 }] })).toBeUndefined();
    expect(holdNoticeOf({ type: '$hold_settled', hold: 'h', sends: [{ type: 'release', ts: 1e300 }] })).toBeUndefined();
  });

  test('an entity holds after its least open bound; closing, dropping and a restored row say what is left', () => {
    const n = new NoticeHolds();
    expect(n.open('S', 'order/a/1', at(200, 2), 0)).toBe(true);
    expect(n.open('S', 'order/b/1', at(100, 1), 0)).toBe(true);
    expect(n.open('S', 'order/c/1', 'not a key', 0)).toBe(false);
    expect(n.bound('S')?.at).toBe(T0 + 100);
    expect(n.close('S', 'order/b/1')).toEqual({ was: 'open', boundText: at(100, 1) });
    expect(n.close('S', 'order/b/1')).toBeUndefined();
    expect(n.bound('S')?.at).toBe(T0 + 200);
    expect(n.overdue(0)).toEqual(['S']);
    expect(n.drop('S')).toBe(true);
    expect(n.bound('S')).toBeUndefined();
    const restored = new NoticeHolds();
    restored.restore('S', n.saved('S'), 5);
    expect(restored.has('S')).toBe(true);
    expect(restored.close('S', 'order/a/1')).toEqual({ was: 'dropped' });
    expect(restored.has('S')).toBe(false);
  });
});

describe('an order shard that holds a cancellation', () => {
  test("tells the order's SKU to hold behind it, and settles with the release once its answer is in: no release travels alone", () => {
    const orders = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['sku'] });
    orders.apply([placed(0, 'o1', 'S', 100), tx(1, 'o1', 'e-c-o1', 'order_cancelled', T0 + 200, { reason: 'customer_request' }), placed(2, 'o2', 'S', 300)]);
    const first = orders.takeDelta().outbox.filter((r) => r.topic === SKU_INBOX).map((r) => [JSON.parse(r.value as string).msg.type, JSON.parse(r.value as string).from.key, r.headers![MERGE_KEY_HEADER]]);
    expect(first).toEqual([['reserve', 'o1', at(100, 0)], ['$hold_opened', 'o1', at(200, 1)], ['reserve', 'o2', at(300, 2)]]);
    const granted = { topic: `${APP}.order.inbox`, partition: 0, offset: 0, key: 'o1', headers: { [ORIGIN_HEADER]: 'sku/0', [SEQ_HEADER]: '1' }, value: JSON.stringify({ from: { type: 'sku', key: 'S' }, msg: { type: 'reservation_result', sku: 'S', line: 0, qty: 1, granted: true, cause: 'e-o1', ts: T0 + 100 } }) };
    orders.apply([granted]);
    const settle = orders.takeDelta().outbox.filter((r) => r.topic === SKU_INBOX);
    expect(settle.length).toBe(1);
    expect(settle[0]!.headers![MERGE_KEY_HEADER]).toBe(at(200, 1));
    const msg = JSON.parse(settle[0]!.value as string).msg;
    expect([msg.type, msg.hold, msg.sends.map((m: { type: string }) => m.type)]).toEqual(['$hold_settled', at(200, 1), ['release']]);
  });
});

describe('a merging SKU shard with a hold notice', () => {
  test('holds a later reserve of the same origin until the settle, then applies the release first: the later order gets the last unit, as the driver', () => {
    const sku = skuShard();
    sku.apply(o2BehindO1Cancellation());
    expect(answers(sku.takeDelta())).toEqual(['o1 true']); // o2's reserve waits behind o1's cancellation
    sku.apply([o1Settle(4, 4)]);
    expect(answers(sku.takeDelta())).toEqual(['o2 true']);
    expect(skuState(sku, 'S').reserved).toBe(1);
  });

  test("applies a settle on arrival, not behind its origin's later-keyed messages that wait for another origin, which waits for an answer from the held SKU", () => {
    const sku = skuShard();
    sku.apply(qBehindO1SettleBehindO3());
    expect(answers(sku.takeDelta())).toEqual(['o1 true']);
    sku.apply([o1Settle(6, 4)]);
    expect(answers(sku.takeDelta())).toEqual(['q true']);
    // Its own turn, once order/1 passes o3's reserve, finds the notice settled: nothing applies twice.
    sku.apply([clock(7, 'order/1', 'idle')]);
    const delta = sku.takeDelta();
    expect(answers(delta)).toEqual(['o3 true']);
    expect(skuState(sku, 'S')).toMatchObject({ onHand: 1, reserved: 1 });
    expect(delta.inboxPositions.find((p) => p.origin === 'order/0')?.lastSeq).toBe(4);
    expect(sku.counters.duplicatesDropped).toBe(0);
  });

  test('a settle applied ahead of its turn, then the process restarted from that checkpoint and the settle read again: applied once', () => {
    const sku = skuShard();
    const records = [...qBehindO1SettleBehindO3(), o1Settle(6, 4)];
    sku.apply(records);
    const first = sku.takeDelta();
    expect(answers(first)).toEqual(['o1 true', 'q true']);
    const again = skuShard({ restore: restoreFrom(first) });
    // Read again from the inbox offset the checkpoint claims: o3's reserve and the settle were not finished.
    const inboxNext = first.offsets.find((o) => o.topic === SKU_INBOX)!.nextOffset;
    again.apply([...records.filter((r) => r.topic === SKU_INBOX && r.offset >= inboxNext), clock(7, 'order/1', 'idle'), stock(3, 'U', 1, 95_000)]);
    const second = again.takeDelta();
    expect(answers(second)).toEqual(['o3 true']);
    expect(skuState(again, 'S')).toMatchObject({ onHand: 1, reserved: 1 });
    expect(second.states.filter((r) => r.key === 'S').map((r) => r.held ?? null)).toEqual([null]);
  });

  test("a settle that arrives before its notice is released by the merge is kept, and applied when the notice opens: it does not wait behind its origin's later-keyed messages", () => {
    const sku = skuShard();
    sku.apply([
      stock(0, 'S', 1, 0),
      stock(1, 'U', 1, 90_000),
      clock(0, 'order/1', at(150, 0, 1)),
      inbox(1, 'S', 'order/0', 1, 'o1', reserve('o1', 100), at(100, 0)),
      inbox(2, 'S', 'order/0', 2, 'o1', openedJson(at(200, 1), T0 + 200), at(200, 1)), // waits: order/1 is at 0:00.150
      inbox(3, 'S', 'order/0', 3, 'o3', reserve('o3', 400), at(400, 3)),
      o1Settle(4, 4),
    ]);
    expect(answers(sku.takeDelta())).toEqual(['o1 true']);
    // order/1's reserve for p at 0:00.250; its clock stops at 0:00.300 (p awaits S's answer).
    sku.apply([inbox(5, 'S', 'order/1', 1, 'p', reserve('p', 250), at(250, 0, 1)), clock(6, 'order/1', at(300, 1, 1))]);
    expect(answers(sku.takeDelta())).toEqual(['p true']); // the release came first, as the driver has it
    expect(sku.counters.awaitsTimedOut).toBe(0);
  });

  test("a settle passing late does not switch its origin off the merge: the origin's next notice and messages still take their place", () => {
    const sku = skuShard();
    sku.apply([
      stock(0, 'S', 2, 0),
      stock(1, 'T', 5, 1),
      stock(2, 'U', 1, 90_000),
      clock(0, 'order/1', at(150, 0, 1)),
      inbox(1, 'S', 'order/0', 1, 'o1', reserve('o1', 100), at(100, 0)),
      inbox(2, 'T', 'order/0', 2, 'o1', openedJson(at(200, 1), T0 + 200), at(200, 1)),
      inbox(3, 'T', 'order/0', 3, 'o3', reserve('o3', 400), at(400, 3)),
    ]);
    sku.apply([inbox(4, 'T', 'order/1', 1, 'p', reserve('p', 250), at(250, 0, 1)), clock(5, 'order/1', at(300, 1, 1))]);
    // Late (0:00.250 was released), behind order/0's reserve at 0:00.400 that waits for order/1.
    sku.apply([inbox(6, 'T', 'order/0', 4, 'o1', settledJson(at(200, 1), T0 + 200, []), at(200, 1))]);
    sku.apply([
      inbox(7, 'S', 'order/0', 5, 'o5', reserve('o5', 380), at(380, 2)),
      inbox(8, 'S', 'order/0', 6, 'o5', openedJson(at(500, 5), T0 + 500), at(500, 5)),
      clock(9, 'order/1', at(420, 2, 1)),
    ]);
    sku.takeDelta();
    // q at 0:00.450, before o5's cancellation at 0:00.500: the driver refuses it (o1 and o5 hold both units).
    sku.apply([inbox(10, 'S', 'order/1', 2, 'q', reserve('q', 450), at(450, 3, 1))]);
    sku.apply([inbox(11, 'S', 'order/0', 7, 'o5', settledJson(at(500, 5), T0 + 500, [release('o5', 500)]), at(500, 5))]);
    sku.apply([clock(12, 'order/1', 'idle'), clock(13, 'order/0', 'idle')]);
    const delta = sku.takeDelta();
    expect(answers(delta)).toEqual(['q false']);
    expect(skuState(sku, 'S')).toMatchObject({ onHand: 2, reserved: 1 });
    expect(sku.counters.outOfEventTimeOrder).toBe(0);
    // The first settle's own turn came after its origin's later messages: dropped by the sequence,
    // as applied already, and what remembered it applied ahead is gone from T's row.
    expect(sku.counters.duplicatesDropped).toBe(1);
    expect(delta.states.filter((r) => r.key === 'T').map((r) => r.held ?? null)).toEqual([null]);
  });

  test('a settle that lets go of 20,000 held messages applies them in a loop, not a recursion', () => {
    // Without the shortcut past notices (aheadOfNotices), so that every reserve is held.
    const sku = skuShard({ actor: { ...skuActor, aheadOfNotices: undefined } });
    const held = 20_000;
    const records: SourceRecord[] = [stock(0, 'S', held, 0), stock(1, 'U', 1, 99_000_000), clock(0, 'order/1', 'idle'), inbox(1, 'S', 'order/0', 1, 'o1', openedJson(at(200, 1), T0 + 200), at(200, 1))];
    for (let i = 0; i < held; i++) records.push(inbox(2 + i, 'S', 'order/0', 2 + i, `x${i}`, reserve(`x${i}`, 300 + i), at(300 + i, 2 + i)));
    sku.apply(records);
    expect(answers(sku.takeDelta())).toEqual([]);
    sku.apply([inbox(2 + held, 'S', 'order/0', 2 + held, 'o1', settledJson(at(200, 1), T0 + 200, []), at(200, 1))]);
    expect(answers(sku.takeDelta()).length).toBe(held);
    expect(skuState(sku, 'S').reserved).toBe(held);
  });

  test('a notice for a quarantined SKU opens nothing and leaves its row alone; what a settle carries is parked for the release', () => {
    const sku = createShard({ actor: { ...skuActor, handle: (s, input, ctx) => (input.kind === 'message' && (input.msg as { orderId?: string }).orderId === 'bad' ? (() => { throw new Error('boom'); })() : skuActor.handle(s, input, ctx)) }, partition: 0, app: APP, merge: { origins: ['order/0', 'order/1'] } });
    sku.apply([stock(0, 'S', 1, 0), stock(1, 'U', 1, 90_000), clock(0, 'order/1', 'idle'), inbox(1, 'S', 'order/0', 1, 'bad', reserve('bad', 100), at(100, 0))]);
    expect((sku.query('S') as { quarantine: string | null }).quarantine).toMatch(/boom/);
    sku.takeDelta();
    sku.apply([
      inbox(2, 'S', 'order/0', 2, 'o1', openedJson(at(200, 1), T0 + 200), at(200, 1)),
      o1Settle(3, 3),
    ]);
    const delta = sku.takeDelta();
    expect(delta.states.filter((r) => r.key === 'S')).toEqual([]);
    expect((delta.parked ?? []).filter((p) => p.key === 'S').map((p) => JSON.parse(p.input).msg.type)).toEqual(['release']);
  });

  test('what it holds survives a restore from its row, and the settle after it applies in order', () => {
    const first = skuShard();
    first.apply(o2BehindO1Cancellation());
    const second = skuShard({ restore: restoreFrom(first.takeDelta()) });
    second.apply([clock(4, 'order/1', 'idle'), o1Settle(5, 4)]);
    expect(answers(second.takeDelta())).toEqual(['o2 true']);
  });

  test('a notice never settled: after maxAwaitMs what it holds applies, counted; its settle, coming later, still applies its release', () => {
    let now = 0;
    const sku = skuShard({ now: () => now });
    sku.apply(o2BehindO1Cancellation());
    expect(answers(sku.takeDelta())).toEqual(['o1 true']);
    now = 1001;
    sku.apply([stock(2, 'U', 1, 95_000)]);
    expect(answers(sku.takeDelta())).toEqual(['o2 false']);
    expect(sku.counters.awaitsTimedOut).toBe(1);
    sku.apply([o1Settle(4, 4)]);
    sku.takeDelta();
    expect(skuState(sku, 'S')).toMatchObject({ onHand: 1, reserved: 0 });
  });
});
