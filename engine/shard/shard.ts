import { shardId } from '../shard-id.ts';
import { ALERTS_TOPIC, DEFAULT_MAX_FUTURE_MS, inboxTopicOf } from '../../schemas/index.ts';
import { EntityTable } from './entity-table.ts';
import { InboxGate } from './inbox-gate.ts';
import { InputLog } from './input-log.ts';
import { PendingDelta } from './shard-delta.ts';
import { AggregateFold } from './aggregate-fold.ts';
import { ShardHandler } from './shard-handler.ts';
import { ShardHistory } from './shard-history.ts';
import { InputRouter } from './shard-inputs.ts';
import { MergedInputs } from './merged-inputs.ts';
import { releaseEntity } from './release.ts';
import { shardClock } from './shard-clock.ts';
import type { Shard, ShardCounters, ShardOptions } from './shard-api.ts';

export type { Shard, ShardCounters, ShardDelta, ShardOptions, ShardRestore } from './shard-api.ts';

/**
 * Builds a shard, restoring it from a checkpoint snapshot when given one. The parts: the entities
 * in memory (entity-table.ts), what the next checkpoint writes (shard-delta.ts), the handler and
 * effect sink (shard-handler.ts), and the routing of records by topic (shard-inputs.ts) with its
 * event-time gate for inbox records (inbox-gate.ts).
 */
export function createShard(opts: ShardOptions): Shard {
  const { actor, partition, app } = opts;
  const id = shardId(actor.type, partition);
  const sourceTopic = opts.sourceTopic ?? actor.sourceTopic;
  const wallClock = opts.wallClock ?? Date.now;

  const offsets = new Map<string, number>(opts.restore?.offsets ?? []);
  const inboxPositions = new Map<string, number>(opts.restore?.inboxPositions ?? []);
  const inputs = opts.recordInputs ? new InputLog() : undefined;
  const counters: ShardCounters = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, timersFired: 0, outOfEventTimeOrder: 0, mergeWaitsTimedOut: 0, awaitsTimedOut: 0 };
  const table = new EntityTable(actor, wallClock(), opts.maxEvictedKeys, opts.holdWhileAwaiting, opts.passivationIdleMs);
  for (const s of opts.restore?.states ?? []) table.restore(s);
  table.holds.restored();
  table.residency.storedElsewhere(opts.restore?.stored ?? []);
  if (opts.restore?.storedUnknown) table.residency.awaitStoredKeys();
  const fold = actor.aggregates?.length ? new AggregateFold(actor.aggregates, inputs !== undefined) : undefined;
  const pending = new PendingDelta(counters, partition, table, offsets, inboxPositions, inputs, actor.readModel, fold);
  if (opts.keepProcessed) pending.processed = [];
  const alertsTopic = opts.alertsTopic ?? ALERTS_TOPIC;
  const recipients = opts.actorTypes ? new Set(opts.actorTypes) : undefined;
  const mergedReceivers = opts.mergedReceivers?.length ? new Set(opts.mergedReceivers) : undefined;
  // A shard that holds inputs applies some records later than it takes them: it counts what it applies
  // (a merging shard counts its source events itself, merged-inputs.ts).
  const countApplied = table.holds.active && !opts.merge;
  const handler = new ShardHandler({ actor, partition, app, alertsTopic, wallClock, counters, inputs, recipients, mergedReceivers, maxAwaitMs: opts.maxAwaitMs, countApplied }, table, pending);
  handler.restoreTimers(opts.restore?.timers ?? []);
  pending.quarantinedAtTake = (key) => handler.afterQuarantine(key);
  const inboxTopic = inboxTopicOf(app, actor.type);
  if (opts.keepHistory) {
    pending.history = new ShardHistory(actor.type, partition, actor.stateVersion, `${sourceTopic}:${partition}`, `${inboxTopic}:${partition}`, offsets, inboxPositions, table, (keys) => handler.timersOf(keys));
  }
  const gate = new InboxGate(offsets, `${sourceTopic}:${partition}`);
  // Where the partition's running maximum of event time stood at the checkpoint: without it, an
  // event late in its partition right after a restart would be keyed lower than in the first run.
  gate.eventTimeMax = opts.restore?.eventTimeMax ?? 0;
  const topics = {
    id,
    sourceTopic,
    inboxTopic,
    handled: new Set<string>(actor.eventTypes),
    maxFutureMs: opts.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS,
    senders: recipients,
  };
  const router = new InputRouter(topics, offsets, inboxPositions, counters, table, pending, handler, gate);
  const currentClock = (): string | undefined =>
    mergedReceivers && shardClock({ actor, partition, sourceTopic, offsets, gate, holds: table.holds, receivers: mergedReceivers });
  const merged = opts.merge ? new MergedInputs(opts.merge, { sourceTopic, inboxTopic, partition, maxFutureMs: topics.maxFutureMs }, offsets, inboxPositions, router, pending, counters, wallClock, gate) : undefined;

  return {
    id,
    counters,
    nextOffset: (topic, p) => offsets.get(`${topic}:${p}`),
    apply(records, receivedAt = -Infinity) {
      gate.receivedAt = receivedAt;
      handler.releaseOverdueHolds();
      return merged ? merged.apply(records) : router.apply(records);
    },
    noteSourceEnd: (highWatermark, seenAt) => gate.noteSourceEnd(highWatermark, seenAt),
    takeEndWanted: () => gate.takeEndWanted(),
    takeMemoryWaits: () => router.takeMemoryWaits(),
    releaseOverdueHolds: () => handler.releaseOverdueHolds(),
    dirty: () => pending.dirty(),
    clock: currentClock,
    ...(merged ? { takeAppliedTimestamps: () => merged.takeAppliedTimestamps(), heldSources: () => merged.heldSources } : {}),
    ...(countApplied ? { takeAppliedTimestamps: () => handler.takeAppliedTimes()! } : {}),
    takeDelta: () => {
      const delta = pending.take();
      const source = delta.offsets.find((o) => o.topic === sourceTopic && o.partition === partition);
      if (source && gate.eventTimeMax > 0) source.eventTimeMax = gate.eventTimeMax;
      // Its promise to the shards that merge, taken with the outbox rows it covers.
      const clock = currentClock();
      if (clock !== undefined) delta.clock = clock;
      return delta;
    },
    query: (key) => table.query(key),
    size: () => table.states.size,
    oldestUse: () => table.residency.oldestUse(),
    missingKeys: (records) => table.missingKeys(records, (limit, visit) => handler.timerKeysDueBy(Math.max(limit, merged?.heldHorizon ?? -Infinity), visit)),
    rehydrate: (rows, keys) => table.rehydrate(rows, keys),
    storedKeys: (keys) => table.storedKeys(keys),
    passivate: (policy, at) => {
      const gone = table.passivate(policy, at, (key) => pending.dirtyKeys.has(key) || merged?.holds(key) === true || table.holds.pins(key));
      if (gone > 0) pending.history?.prune();
      return gone;
    },
    advanceTimers: (ts, inclusive) => handler.fireTimersBefore(ts, inclusive),
    setNow(at) {
      table.now = at;
    },
    release: (key, committed, stored) => releaseEntity({ actor, table, pending, handler }, key, committed, stored),
    inputsOfTakenDelta: (keys) => {
      if (!inputs) throw new Error(`shard ${id} does not record its inputs`);
      return inputs.takenFor(keys);
    },
  };
}
