/**
 * Memory per entity of recommendations at the default caps (issue #14, docs/recommendations.md):
 *   bun bench/recommendations-memory.ts [entities=20000]
 *   deno run -A --v8-flags=--expose-gc bench/recommendations-memory.ts [entities]   (V8's figure)
 * Builds `entities` full states with the actors' own handlers — sku_affinity with PARTNER_CAP
 * partners, users with RECENT_VIEWS_CAP views and PURCHASED_CAP purchases, every SKU id distinct
 * per entity — then keeps them as a shard holds them after a restore (JSON.parse of the
 * checkpointed JSON) and reports, per entity: the JSON size (what the checkpoint writes) and the
 * JS heap it takes (heap used after a full GC, minus the same count of empty objects, divided by
 * the count). The user figure is what the two lists add to a user state.
 */
import { userActor } from '../actors/user.ts';
import { skuAffinity } from '../actors/recommendations/sku-affinity.ts';
import { PARTNER_CAP, PURCHASED_CAP, RECENT_VIEWS_CAP } from '../actors/recommendations/protocol.ts';
import { fullGc, runtimeName } from './runtime-info.ts';

const N = Number(process.argv[2] ?? 20_000);
const T = 1_700_000_000_000;
const sku = (entity: number, j: number) => `sku-${String(entity).padStart(6, '0')}-${j}`;

function fullAffinity(i: number): unknown {
  let s = skuAffinity.initial(`a-${i}`);
  // Two passes so counts differ (the first half bought together twice): a realistic ranked list.
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < (pass === 0 ? PARTNER_CAP : PARTNER_CAP / 2); j++) {
      const msg = { type: 'bought_together', orderId: `o-${i}-${pass}-${j}`, qty: 1, others: [sku(i, j)], cause: `c-${j}`, ts: T + j };
      s = skuAffinity.handle(s, { kind: 'message', from: { type: 'order', key: 'o' }, msg: msg as never }, { key: `a-${i}`, now: T + j }).state;
    }
  }
  return s;
}

function fullUserLists(i: number): unknown {
  let s = userActor.initial(`u-${i}`);
  for (let j = 0; j < RECENT_VIEWS_CAP; j++) {
    const event = { id: `v-${i}-${j}`, type: 'page_viewed', v: 1, ts: T + j, data: { userId: `u-${i}`, path: `/products/${sku(i, j)}` } };
    s = userActor.handle(s, { kind: 'event', event: event as never }, { key: `u-${i}`, now: T + j }).state;
  }
  const skus = Array.from({ length: PURCHASED_CAP }, (_, j) => sku(i, 100 + j));
  for (let j = 0; j < PURCHASED_CAP; j++) {
    const msg = { type: 'order_paid', orderId: `o-${i}-${j}`, skus: [skus[j]], cause: `p-${j}`, ts: T + 100 + j };
    s = userActor.handle(s, { kind: 'message', from: { type: 'order', key: 'o' }, msg: msg as never }, { key: `u-${i}`, now: T + 100 + j }).state;
  }
  return s;
}

function heapUsed(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}

/** Heap per entity of `make(i)` kept for N entities, minus N empty objects kept the same way. */
function measure(name: string, make: (i: number) => unknown): void {
  const json: string[] = [];
  for (let i = 0; i < N; i++) json.push(JSON.stringify(make(i)));
  const bytes = json.reduce((n, j) => n + new TextEncoder().encode(j).length, 0) / N;
  const base0 = heapUsed();
  const empty = json.map(() => ({}));
  const base = heapUsed() - base0;
  const before = heapUsed();
  const kept = json.map((j) => JSON.parse(j));
  const used = heapUsed() - before;
  console.log(`${name}: JSON ${bytes.toFixed(0)} B, heap ${((used - base) / N).toFixed(0)} B per entity (an empty object: ${(base / N).toFixed(0)} B; ${N} entities)`);
  if (kept.length + empty.length < 0) console.log('keep alive');
}

console.log(`${runtimeName()}; caps: ${PARTNER_CAP} partners per SKU, ${RECENT_VIEWS_CAP} views and ${PURCHASED_CAP} purchases per user; SKU ids of 12 characters (sku-000123-4), distinct per entity`);
measure('sku_affinity state', fullAffinity);
measure("user's recentViews + purchased", fullUserLists);
