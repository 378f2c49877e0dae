import type { OutgoingRecord } from './record-sink.ts';
import { CLOCK_HEADER } from './shard/merge-key.ts';
import { clockFor } from './clock-set.ts';
import { ORIGIN_HEADER } from './shard/records.ts';

/**
 * Clock records (docs/determinism.md "Built: event_time_merge"): an origin shard's promise to the
 * shards that merge in event time, one record per partition of their inbox topics. The origin and
 * the clock travel in headers (`x-origin`, `x-clock`; no `x-seq`: not a message); the value says the
 * same for people reading the topic. A clock is a root key (engine/shard/merge-key.ts), `idle`, or
 * `alive` (no promise: the origin is still there, so it is not taken as idle for its silence).
 */

/** Where clock records go: one key per partition of every merging type's inbox topic, with that type. */
export type ClockTargets = readonly { topic: string; key: string; type: string }[];

/** `clocks`: each shard's clock set (engine/clock-set.ts); each target gets its type's clock, or none when the set has none for it. */
export function clockRecords(clocks: readonly { shard: string; clock: string }[], targets: ClockTargets): OutgoingRecord[] {
  const records: OutgoingRecord[] = [];
  for (const { shard, clock: set } of clocks) {
    for (const t of targets) {
      const clock = clockFor(set, t.type);
      if (clock === undefined) continue;
      const value = JSON.stringify({ clock: { origin: shard, at: clock } });
      records.push({ topic: t.topic, key: t.key, value, headers: { [ORIGIN_HEADER]: shard, [CLOCK_HEADER]: clock } });
    }
  }
  return records;
}
