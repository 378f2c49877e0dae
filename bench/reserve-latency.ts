/**
 * Order placed → answered (reserved or rejected) latency while orders arrive steadily and their
 * SKUs' inventory source is quiet: stock written once at the start, then only orders. A shard whose
 * source is quiet learns nothing new of its source's end from fetches, so each reserve waits until
 * the engine measures that end again (engine/shard/inbox-gate.ts, engine/source-ends.ts); this shows
 * what that costs. Embedded log and PGlite, one processor, inline shards.
 *
 *   bun bench/reserve-latency.ts [seconds=20] [orders per 20 ms=20]
 */
import { createEmbeddedEnv, type EmbeddedEnv } from '../tests/support/embedded-env.ts';
import type { Processor } from '../engine/processor.ts';
import type { DomainEvent } from '../schemas/index.ts';

const SKUS = 20;
const seconds = Number(process.argv[2] ?? 20);
const perTick = Number(process.argv[3] ?? 20);

const env = await createEmbeddedEnv({ app: 'reserve-latency', partitions: 2, checkpointIntervalMs: 200 });
const p = await env.start('p', { workers: 0 });
await env.produce(Array.from({ length: SKUS }, (_, i) => event('stock_received', `e-s-${i}`, { sku: `sku-${i}`, qty: 1_000_000 })));
await new Promise((r) => setTimeout(r, 2000));
const { placed, latencies, stillPlaced } = await placeSteadily(env, p);
console.log(`orders ${placed}, answered ${latencies.length}, still placed ${stillPlaced}; placed→answered ms ${summary(latencies)}`);
await env.close();
process.exit(0);

/** Places `perTick` orders every 20 ms for `seconds`, and times each until its state leaves 'placed' (polled in memory every 10 ms). */
async function placeSteadily(env: EmbeddedEnv, p: Processor): Promise<{ placed: number; latencies: number[]; stillPlaced: number }> {
  const placedAt = new Map<string, number>();
  const latencies: number[] = [];
  const poller = setInterval(async () => {
    for (const [id, at] of placedAt) {
      const a = await p.query('order', id);
      if (a.kind === 'found' && (a.state as { status: string }).status !== 'placed' && placedAt.delete(id)) latencies.push(Date.now() - at);
    }
  }, 10);
  let n = 0;
  for (const end = Date.now() + seconds * 1000; Date.now() < end; ) {
    const ids = Array.from({ length: perTick }, () => `o-${n++}`);
    const at = Date.now();
    await env.produce(ids.map((id, i) => event('order_placed', `e-${id}`, { orderId: id, userId: `u-${i}`, items: [{ sku: `sku-${(n + i) % SKUS}`, qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' })));
    for (const id of ids) placedAt.set(id, at);
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 3000));
  clearInterval(poller);
  return { placed: n, latencies, stillPlaced: placedAt.size };
}

function event(type: string, id: string, data: Record<string, unknown>): DomainEvent {
  return { id, type, v: type === 'order_placed' ? 2 : 1, ts: Date.now(), data } as unknown as DomainEvent;
}

function summary(sorted: number[]): string {
  const xs = [...sorted].sort((a, b) => a - b);
  const q = (f: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * f))];
  return `p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${xs.at(-1)}`;
}
