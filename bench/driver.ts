/**
 * The domain actors through the pure driver: events/s on one core for the generator's realistic
 * mix, and heap bytes per entity held. Run: `bun bench/driver.ts [events] [users]`
 * (defaults 1,000,000 events, 1,000,000 users). Events are generated and decoded first, so only
 * the actors and the driver are timed; memory is the heap growth divided by the entities held.
 * Take memory figures from V8 (`deno task bench:driver`): on Bun 1.4, process.memoryUsage().heapUsed
 * does not follow a forced GC closely enough for a per-entity figure (it reads near zero).
 */
import { createTestDriver, orderActor, skuActor, userActor } from '../actors/index.ts';
import { createGenerator } from '../generator/index.ts';
import { decodeEvent, type DomainEvent } from '../schemas/index.ts';
import { fullGc, runtimeName } from './runtime-info.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const users = Number(process.argv[3] ?? 1_000_000);
const gc = fullGc;
const heapBytes = async (): Promise<number> => process.memoryUsage().heapUsed;

const heapEmpty = await (async () => {
  await new Promise((r) => setTimeout(r, 10));
  gc();
  return process.memoryUsage().heapUsed;
})();
const events = generate();
// The generator's model is garbage now. JSC scans the stack conservatively, so let the stack
// unwind (a macrotask) before collecting, or a stale reference keeps it alive and skews the delta.
const settledHeap = async () => {
  await new Promise((r) => setTimeout(r, 10));
  gc();
  gc();
  return heapBytes();
};
const heapBefore = await settledHeap();
const rssBefore = process.memoryUsage().rss;
const driver = createTestDriver([skuActor, orderActor, userActor], { recordHistory: false });
const t0 = performance.now();
for (const e of events) driver.pipe(e);
const seconds = (performance.now() - t0) / 1000;
const held = { user: driver.states('user').size, order: driver.states('order').size, sku: driver.states('sku').size };
const alerts = driver.alerts().length;
const heapAfter = await settledHeap();
const rssAfter = process.memoryUsage().rss;
// Drop the events too: what is left beyond the empty heap is what the driver holds, including
// the key and id strings its states share with the events.
const eventCount = events.length;
events.length = 0;
const heapHeld = (await settledHeap()) - heapEmpty;
const entities = held.user + held.order + held.sku;

console.log(`runtime: ${runtimeName()}; ${eventCount} events, ${users} users in the model`);
console.log(`driver: ${Math.round(eventCount / seconds)} events/s on one core (${seconds.toFixed(2)} s, alerts ${alerts})`);
console.log(`entities held: ${JSON.stringify(held)}`);
console.log(`rss growth: ${((rssAfter - rssBefore) / 1e6).toFixed(1)} MB = ${Math.round((rssAfter - rssBefore) / entities)} B/entity (an upper bound: includes allocator slack and garbage)`);
console.log(`heap growth while piping: ${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB (strings shared with the live events not counted)`);
console.log(`heap held by the driver: ${(heapHeld / 1e6).toFixed(1)} MB for ${entities} entities = ${Math.round(heapHeld / entities)} B/entity (states, keys, Map entries, ${alerts} alerts; ${eventCount} events dropped)`);

function generate(): DomainEvent[] {
  const generator = createGenerator({ seed: 42, users, skus: 10_000, eventsPerSecond: Math.max(50, users / 60) });
  const out: DomainEvent[] = [];
  for (let i = 0; i < count; i++) {
    const raw = generator.next();
    if (!raw) break;
    const d = decodeEvent(raw);
    if (d.ok) out.push(d.event);
  }
  return out;
}
