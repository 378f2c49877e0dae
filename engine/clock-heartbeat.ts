import { clockRecords, type ClockTargets } from './clock-records.ts';
import { ALIVE_CLOCK } from './shard/merge-key.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import type { Owned } from './owned-shard.ts';
import type { RecordSink } from './record-sink.ts';

/**
 * The heartbeat of the shards that send to shards merging in event time (engine/event-time-plan.ts).
 *
 * A merging shard takes an origin it has not heard from for `event_time_max_wait_ms` as gone, and
 * stops waiting for it. An origin's clock goes out with its relay, behind the rows it covers, so a
 * busy relay (a catch-up on two shared cores) can hold the next clock back for seconds. So every
 * HEARTBEAT_MS each sender held here says it is alive, directly, not behind the relay: with the
 * last clock its relay published (still true: promises only move forward; a receiver restarted
 * since learns it again), or `alive` before it has one. A clock committed but not published yet is
 * asked of the relay, which publishes it after its rows.
 */
export const HEARTBEAT_MS = 1000;

export interface ClockHeartbeatDeps {
  held(): [string, Owned][];
  isSender(actorType: string): boolean;
  relay: Pick<OutboxRelay, 'flush' | 'publishedClock'>;
  sink: RecordSink;
  targets: ClockTargets;
  log(line: string): void;
}

/** Starts the heartbeat; returns its stop. */
export function startClockHeartbeat(deps: ClockHeartbeatDeps): () => void {
  const timer = setInterval(() => void beat(deps), HEARTBEAT_MS);
  return () => clearInterval(timer);
}

/** One beat (exported for tests). */
export async function beat(deps: ClockHeartbeatDeps): Promise<void> {
  const clocks: { shard: string; clock: string }[] = [];
  for (const [id, o] of deps.held()) {
    if (!deps.isSender(o.actor.type)) continue;
    const published = deps.relay.publishedClock(id);
    if (o.clock !== undefined && o.clock !== published) void deps.relay.flush(id).catch((e) => deps.log(`clock relay of ${id}: ${e}`));
    clocks.push({ shard: id, clock: published ?? ALIVE_CLOCK });
  }
  if (clocks.length === 0) return;
  await deps.sink.send(clockRecords(clocks, deps.targets)).catch((e) => deps.log(`clock heartbeat: ${e}`));
}
