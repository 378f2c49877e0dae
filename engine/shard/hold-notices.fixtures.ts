import type { ActorDefinition } from '../../actors/actor.ts';
import { skuActor, type SkuState } from '../../actors/sku.ts';
import { CLOCK_HEADER, MERGE_KEY_HEADER } from './merge-key.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './records.ts';
import { createShard, type Shard, type ShardDelta } from './shard.ts';

/** Records and shards the hold-notice tests share (hold-notices.test.ts, answer-notices.test.ts). */
export const APP = 'shop';
export const T0 = 1_700_000_000_000;
export const SKU_INBOX = `${APP}.sku.inbox`;
export const at = (ms: number, offset: number, partition = 0) => `${T0 + ms}/${partition}/${offset}/transaction_events`;

export const tx = (offset: number, key: string, id: string, type: string, ts: number, data: Record<string, unknown>): SourceRecord => ({
  topic: 'transaction_events', partition: 0, offset, key, timestamp: ts, headers: {},
  value: JSON.stringify({ id, type, v: type === 'order_placed' ? 2 : 1, ts, data: { orderId: key, ...data } }),
});
export const placed = (offset: number, key: string, sku: string, ms: number) =>
  tx(offset, key, `e-${key}`, 'order_placed', T0 + ms, { userId: `u-${key}`, items: [{ sku, qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' });
/** A record of the SKU inbox: `msg` from order `from`, sent by `origin` with `seq`, keyed `key` when given. */
export const inbox = (offset: number, sku: string, origin: string, seq: number, from: string, msg: string, key?: string): SourceRecord => ({
  topic: SKU_INBOX, partition: 0, offset, key: sku, timestamp: T0 + 100_000,
  headers: { [ORIGIN_HEADER]: origin, [SEQ_HEADER]: String(seq), ...(key ? { [MERGE_KEY_HEADER]: key } : {}) },
  value: `{"from":{"type":"order","key":"${from}"},"msg":${msg}}`,
});
export const reserve = (orderId: string, ms: number) => JSON.stringify({ type: 'reserve', orderId, line: 0, qty: 1, cause: `e-${orderId}`, ts: T0 + ms });
export const release = (orderId: string, ms: number) => JSON.stringify({ type: 'release', orderId, line: 0, qty: 1, cause: `e-c-${orderId}`, ts: T0 + ms });
export const clock = (offset: number, origin: string, value: string): SourceRecord => ({
  topic: SKU_INBOX, partition: 0, offset, key: 'clock-0', timestamp: T0 + 100_000, headers: { [ORIGIN_HEADER]: origin, [CLOCK_HEADER]: value }, value: '{}',
});
export const stock = (offset: number, sku: string, qty: number, ms: number): SourceRecord => ({
  topic: 'inventory_events', partition: 0, offset, key: sku, timestamp: T0 + ms, headers: {},
  value: JSON.stringify({ id: `e-stock-${offset}`, type: 'stock_received', v: 1, ts: T0 + ms, data: { sku, qty } }),
});

export const skuShard = (opts: { now?: () => number; restore?: ReturnType<typeof restoreFrom>; actor?: ActorDefinition<SkuState> } = {}) =>
  createShard({ actor: opts.actor ?? skuActor, partition: 0, app: APP, merge: { origins: ['order/0', 'order/1'] }, wallClock: opts.now, maxAwaitMs: 1000, restore: opts.restore });
export const answers = (delta: ShardDelta) => delta.outbox.filter((r) => r.topic === `${APP}.order.inbox`).map((r) => `${r.key} ${JSON.parse(r.value as string).msg.granted}`);
export const skuState = (shard: Shard, key: string) => (shard.query(key) as { state: SkuState }).state;

export function restoreFrom(delta: ShardDelta) {
  return {
    states: delta.states.map((s) => ({ key: s.key, stateVersion: s.stateVersion, state: s.state, held: s.held ?? null })),
    offsets: new Map(delta.offsets.map((o) => [`${o.topic}:${o.partition}`, o.nextOffset])),
    inboxPositions: new Map(delta.inboxPositions.map((p) => [p.origin, p.lastSeq])),
    timers: [],
  };
}

