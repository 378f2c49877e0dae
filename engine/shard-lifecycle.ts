import { parseTpKey, tpKey } from './topic-partition.ts';
import type { ActorDefinition } from '../actors/actor.ts';
import type { ActorsConfig } from '../actors/registry.ts';
import { inboxTopicOf } from '../schemas/index.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import type { CheckpointStore } from '../store/index.ts';
import { sourceTopicName, type TopicNames } from './topic-names.ts';
import type { ProcessorObserver } from './observer.ts';
import type { Owned } from './owned-shard.ts';
import type { EventTimePlan } from './event-time-plan.ts';
import type { RecordSource } from './record-source.ts';
import type { TopicAdmin } from './topic-admin.ts';
import type { ShardCounters } from './shard/shard.ts';
import type { ShardHostPool } from './shard/worker-pool.ts';

/**
 * The I/O of taking and giving up a shard (membership.ts decides when): acquire its epoch, relay
 * what a previous owner left in the outbox, restore it into a worker, seek the consumer to its
 * offsets of truth; and close it again.
 */
export interface ShardLifecycle {
  load(id: string, actor: ActorDefinition<any>, partition: number): Promise<Owned>;
  discard(o: Owned): Promise<void>;
  start(o: Owned): void;
  /** See MembershipDeps.keep. */
  keep(o: Owned): Promise<boolean>;
  close(o: Owned): Promise<ShardCounters>;
  /** The two topics a shard consumes: its actor type's source topic and inbox. */
  topicsOf(o: Pick<Owned, 'actor'>): [string, string];
}

export interface ShardLifecycleDeps {
  store: CheckpointStore;
  relay: OutboxRelay;
  pool: ShardHostPool;
  admin: Pick<TopicAdmin, 'offsets'>;
  source: Pick<RecordSource, 'seek' | 'pause'>;
  observer: ProcessorObserver;
  topics: TopicNames;
  app: string;
  ownerId: string;
  httpAddress?: string;
  actorsConfig: ActorsConfig;
  maxFutureMs?: number;
  /** Shards keep their applied source events for the processed-events table. */
  keepProcessed: boolean;
  /** Actor types whose shards write time-travel snapshots (ProcessorOptions.historyActors). */
  historyTypes: ReadonlySet<string>;
  /** Every actor type of the deployment: the only senders an inbox message may name (replies go to them). */
  actorTypes: readonly string[];
  /** True for shards whose last checkpoint Postgres refused: they are restored recording their inputs. */
  recordsInputs(id: string): boolean;
  /** See ProcessorOptions.lazyRestoreAbove. */
  lazyRestoreAbove: number;
  /** See PassivationPolicy.maxEvictedKeys. */
  maxEvictedKeys?: number;
  /** See ShardOptions.passivationIdleMs. */
  passivationIdleMs?: number;
  /** Which shards merge in event time, and which publish clocks (ProcessorOptions.eventTimeMerge). */
  eventTime?: EventTimePlan;
  /** Lets a shard paused by backpressure fetch again (it is being closed). */
  resume(o: Owned): void;
  log(line: string): void;
}

const ZERO: ShardCounters = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, timersFired: 0, outOfEventTimeOrder: 0, mergeWaitsTimedOut: 0, awaitsTimedOut: 0 };

export function createShardLifecycle(deps: ShardLifecycleDeps): ShardLifecycle {
  const { store, relay, pool, admin, source, topics } = deps;
  const topicsOf = (o: Pick<Owned, 'actor'>): [string, string] => [sourceTopicName(topics, o.actor.sourceTopic), inboxTopicOf(deps.app, o.actor.type)];

  /**
   * After a lazy restore, the shard's keys are read while it already runs (1M keys: ~0.5 s of
   * queries and a hand-over): until they arrive, an input for a key not in memory waits for a
   * look-up. Checked and sent in one tick, so the hand-over reaches this shard instance before any
   * later close or reopen of the same id (host calls keep their order).
   */
  function handOverKeys(o: Owned): void {
    store.storedKeys(o.id, o.actor.type, o.partition).then(
      (keys) => {
        if (!o.discarded) void o.host.storedKeys(o.id, keys).catch((e) => deps.log(`${o.id}: handing over ${keys.length} keys failed: ${(e as Error).message}`));
      },
      (e) => deps.log(`${o.id}: reading its keys failed (${(e as Error).message}); inputs for keys not in memory keep being looked up`),
    );
  }

  return {
    topicsOf,
    async load(id, actor, partition) {
      const epoch = await store.acquire(id, deps.ownerId, deps.httpAddress);
      // A previous owner's committed but unrelayed outputs go out before anything of ours.
      await relay.flush(id);
      const snap = await store.load(id, actor.type, partition, { lazyAbove: deps.lazyRestoreAbove });
      const sourceTopic = sourceTopicName(topics, actor.sourceTopic);
      const host = pool.hostFor(id);
      const recordsInputs = deps.recordsInputs(id);
      const merge = deps.eventTime?.mergeOf(actor.type);
      const size = await host.open(
        { actorType: actor.type, partition, app: deps.app, sourceTopic, alertsTopic: topics.alerts, actors: deps.actorsConfig, maxFutureMs: deps.maxFutureMs, recordInputs: recordsInputs, keepProcessed: deps.keepProcessed, actorTypes: [...deps.actorTypes], keepHistory: deps.historyTypes.has(actor.type), maxEvictedKeys: deps.maxEvictedKeys, passivationIdleMs: deps.passivationIdleMs,
          merge, mergedReceivers: deps.eventTime?.isSender(actor.type) ? deps.eventTime.receivers : undefined, holdWhileAwaiting: deps.eventTime !== undefined },
        { states: snap.states, stored: snap.stored, storedUnknown: snap.storedUnknown, offsets: snap.offsets, eventTimeMax: snap.eventTimes.get(`${sourceTopic}:${partition}`), inboxPositions: snap.inboxPositions, timers: snap.timers as never },
      );
      if (snap.storedUnknown) deps.log(`${id}: restored lazily: states left in Postgres until their next input`);
      // Where the source partition ends now: until the shard has read that far (or past an inbox
      // message's event time) inbox messages wait, so a catch-up applies them after the source
      // events that precede them, as live processing does. Batches of the source keep it current.
      const measuredAt = Date.now(); // the end below is at least as fresh as this
      const end = (await admin.offsets(sourceTopic)).find((x) => x.partition === partition);
      if (end) await host.noteSourceEnd(id, end.high, measuredAt);
      const next = new Map(snap.offsets);
      // The group offsets may be behind what Postgres holds (the last owner died between its commit
      // and Kafka's): owe them now, so a partition with no new input still shows no lag.
      const owedGroupOffsets = new Map([...next].map(([tp, offset]) => [tp, { ...parseTpKey(tp), offset }]));
      const owned: Owned = { id, actor, partition, epoch, host, counters: { ...ZERO }, size, appendTimes: [], traced: [], uncommitted: 0, paused: false, recordsInputs, next, owedGroupOffsets, ...(merge ? { merges: true as const } : {}) };
      // A sender states its promise at once, as of its restored rows (idle when it has nothing to
      // read and holds nothing that may still send). Its next commit may be far off: entities that
      // hold inputs for answers (engine/shard/awaiting-holds.ts) make nothing to commit until the
      // answers come, and shards restored elsewhere wait for this clock before answering.
      if (deps.eventTime?.isSender(actor.type)) owned.clock = await host.clock(id);
      if (snap.storedUnknown) handOverKeys(owned);
      return owned;
    },
    async discard(o) {
      o.discarded = true;
      await o.host.close(o.id).catch(() => {});
      pool.release(o.id);
    },
    start(o) {
      // Fetch from the offsets of truth. Kafka's position may be ahead of them (this member applied
      // records whose checkpoint was then refused or lost): without the seek they would be skipped.
      for (const topic of topicsOf(o)) source.seek({ topic, partition: o.partition }, o.next.get(tpKey(topic, o.partition)) ?? 0);
      deps.log(`acquired ${o.id} at epoch ${o.epoch}: ${o.size} states`);
    },
    async keep(o) {
      if ((await store.currentEpoch(o.id)) !== o.epoch) return false;
      const partitions = topicsOf(o).map((topic) => ({ topic, partition: o.partition }));
      // The new generation's fetch positions start at Kafka's group offsets: back to where this
      // shard is (records it holds waiting are fetched again and skipped as held already).
      for (const tp of partitions) source.seek(tp, o.next.get(tpKey(tp.topic, tp.partition)) ?? 0);
      if (o.paused) source.pause(partitions);
      else if (o.heldInbox?.paused) source.pause([{ topic: o.heldInbox.topic, partition: o.partition }]);
      deps.log(`kept ${o.id} at epoch ${o.epoch}: ${o.size} states`);
      return true;
    },
    async close(o) {
      // Paused by backpressure or by inbox records held for it: the next owner must be able to fetch.
      if (o.paused || o.mergePaused || o.heldInbox?.paused) deps.resume(o);
      deps.observer.released?.({ shard: o.id, partitions: topicsOf(o).map((topic) => ({ topic, partition: o.partition })) });
      const final = (await o.host.close(o.id).catch(() => undefined)) ?? o.counters;
      pool.release(o.id);
      return final;
    },
  };
}
