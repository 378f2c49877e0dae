/**
 * The cost of the engine's dedup window (engine/shard/recent-ids.ts): memory per entity held by
 * a shard, bytes per state row in Postgres, and time per source event, for ids shaped like the
 * generator's (`e-1-123456`) and like UUIDs, with 1 and a full window of ids per entity.
 * Median and range of 3 repetitions. Run: `bun bench/dedup-window.ts [entities]`.
 */
import { RECENT_IDS_PER_ENTITY, RecentIds } from '../engine/shard/recent-ids.ts';

const ENTITIES = Number(process.argv[2] ?? 200_000);
const REPS = 3;

// Ids as the shard gets them: strings JSON.parse made (flat), not concatenations (ropes that keep
// their parts alive and would inflate the measured memory).
const parsed = (s: string) => JSON.parse(`"${s}"`) as string;
const shapes: Record<string, (i: number) => string> = {
  generator: (i) => parsed(`e-1-${i}`),
  uuid: (i) => parsed(crypto.randomUUID().slice(0, 35) + (i % 10)),
};

function gc(): void {
  (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun?.gc(true);
}

function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

function measure(idOf: (i: number) => string, perEntity: number): { bytesPerEntity: number; rowBytes: number; nsPerEvent: number } {
  // The entity keys exist in the shard anyway (its state map): created before the baseline.
  const keys = Array.from({ length: ENTITIES }, (_, e) => `k-${e}`);
  const before = heapUsed();
  const window = new RecentIds();
  let n = 0;
  for (let round = 0; round < perEntity; round++) {
    for (const key of keys) {
      const id = idOf(n++); // as JSON.parse makes it: retained only through the window
      if (!window.seen(key, id)) window.add(key, id);
    }
  }
  const bytesPerEntity = (heapUsed() - before) / ENTITIES;
  const rowBytes = window.saved(keys[0]!)!.length;
  // Time per source event on a full window: one `seen` and one `add`, ids made beforehand.
  const ids = Array.from({ length: ENTITIES }, (_, i) => idOf(n + i));
  const started = performance.now();
  for (let e = 0; e < ENTITIES; e++) if (!window.seen(keys[e]!, ids[e]!)) window.add(keys[e]!, ids[e]!);
  const nsPerEvent = ((performance.now() - started) * 1e6) / ENTITIES;
  return { bytesPerEntity, rowBytes, nsPerEvent };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[], digits = 0) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

console.log(`dedup window: ${ENTITIES.toLocaleString('en')} entities, ${REPS} repetitions, median (range)\n`);
console.log('| ids | per entity | heap bytes/entity | row bytes (recent_event_ids) | ns per event (seen + add) |');
console.log('|---|---|---|---|---|');
for (const [shape, idOf] of Object.entries(shapes)) {
  for (const perEntity of [1, RECENT_IDS_PER_ENTITY]) {
    const runs = Array.from({ length: REPS }, () => measure(idOf, perEntity));
    console.log(`| ${shape} | ${perEntity} | ${fmt(runs.map((r) => r.bytesPerEntity))} | ${runs[0]!.rowBytes} | ${fmt(runs.map((r) => r.nsPerEvent), 1)} |`);
  }
}
