/**
 * How long one entity's held inputs take to drain once its wait ends (each is a Fifo, engine/shard/fifo.ts):
 *   bun bench/held-drain.ts [sizes…]        deno run -A bench/held-drain.ts [sizes…]
 * Holds N inputs for one key in an AwaitingHolds, as an order awaiting its stock answers holds
 * every later input of its own, then takes them back one by one, as the release does. The release
 * runs on the shard's thread, so this is how long the whole shard stops. Default sizes 10k, 100k, 300k.
 */
import { AwaitingHolds, type HeldInput } from '../engine/shard/awaiting-holds.ts';

const args = typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2);
const sizes = args.length > 0 ? args.map(Number) : [10_000, 100_000, 300_000];
declare const Deno: { args: string[] } | undefined;

for (const n of sizes) {
  const holds = new AwaitingHolds((state) => state === 'awaiting');
  for (let i = 0; i < n; i++) {
    const h: HeldInput = { input: { kind: 'event', event: { id: `e-${i}` } as never }, now: i, heldAt: 0 };
    holds.hold('o-1', h);
  }
  const t = performance.now();
  let drained = 0;
  while (holds.next('o-1') !== undefined) drained++;
  const ms = performance.now() - t;
  console.log(`${n.toLocaleString('en-US')} held inputs of one entity: drained ${drained.toLocaleString('en-US')} in ${ms.toFixed(1)} ms`);
}
