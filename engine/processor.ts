import { unmigratableReason } from './shard/entity-table.ts';
import type { ActorDefinition } from '../actors/actor.ts';
import { loadActorModules } from '../actors/modules.ts';
import { thrownMessage } from '../schemas/thrown.ts';
import { ConfigError, inboxTopicOf } from '../schemas/index.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { startClockHeartbeat } from './clock-heartbeat.ts';
import { planEventTimeMerge } from './event-time-plan.ts';
import { mergeMaxWait } from './merge-wait.ts';
import { CommittedOutbox, createCheckpointStore, declaredTableProblems, declaredTablesOf, ensureProcessedEventsTable, migrate, openPool, prepareCheckpointStatements, type CheckpointStore, type DeclaredTables, type Sql } from '../store/index.ts';
import { createCheckpointer } from './checkpointer.ts';
import { defaultMinIntervalMs, schedulePasses } from './checkpoint-schedule.ts';
import type { Owned } from './owned-shard.ts';
import { createIntake } from './intake.ts';
import { applyMemoryRecords } from './intake-apply.ts';
import { LocalDelivery } from './local-delivery.ts';
import { sourceTopicName, topicNames } from './topic-names.ts';
import { addTotals, createMembership, type Membership, type Totals } from './membership.ts';
import { guardObserver } from './observer.ts';
import { defaultWorkers, localMessagesOn, PROCESSOR_DEFAULTS, receivesInMemory, resolveActors, type ProcessorOptions } from './processor-options.ts';
import { createShardLifecycle } from './shard-lifecycle.ts';
import { shardId } from './shard-id.ts';
import { createInlinePool, createWorkerPool } from './shard/worker-pool.ts';

import type { ReleaseOutcome } from './quarantine-release.ts';

export type { ProcessorOptions } from './processor-options.ts';

/**
 * A processor instance: one member of the consumer group. Kafka assigns it shards (an actor
 * type's partition of the source topic together with the same partition of its inbox); for each it
 * acquires an epoch in Postgres, restores states, timers and offsets into a shard worker, seeks to
 * the stored offsets, and hands the worker whole fetched batches. At least every
 * `checkpointIntervalMs`, and more often while passes are cheap (engine/checkpoint-schedule.ts),
 * each dirty shard is committed in ONE fenced transaction (shared with ~8 others under group
 * commit, the default: engine/checkpoint-group.ts), then its outbox is relayed and its
 * offsets are committed to Kafka for lag tools. Correctness never depends on a revocation callback
 * (kafkajs has none): a superseded owner's checkpoint is refused by the epoch check and it drops
 * the shard.
 */
export interface Processor {
  /** An entity as this instance sees it: from its worker, or from Postgres when passivated. */
  query(type: string, key: string): Promise<LocalAnswer>;
  ownedShards(): string[];
  /** Records applied, dead-lettered and skipped since start, over every shard ever owned. */
  totals(): Totals;
  /** Entities in memory per actor type, over the shards owned now. */
  entitiesInMemory(): Record<string, number>;
  /** Ready once it has joined the group and restored every shard assigned to it. */
  readiness(): { ready: boolean; assigned: number; owned: number; loading: number };
  /** Partitions per actor type (its source topic's partition count). */
  partitionsOf(type: string): number | undefined;
  /**
   * Lifts a quarantined entity's quarantine and applies its parked inputs, in order, exactly once
   * (engine/quarantine-release.ts); `not-owned` when another instance holds its shard.
   */
  release(type: string, key: string): Promise<ReleaseOutcome>;
  /** Commits every dirty shard now (also runs every checkpoint interval). */
  checkpoint(): Promise<void>;
  /** Graceful stop: no more fetching, final checkpoint and relay, leave the group. */
  stop(): Promise<void>;
}

export type LocalAnswer =
  | { kind: 'not-owned' }
  | { kind: 'unknown' }
  | { kind: 'found'; state: unknown; quarantine: string | null; from: 'memory' | 'store' };

/**
 * Starts a processor and resolves once it has joined the group. The pieces: `membership` (which
 * shards are held, rebalance sequencing), `shard-lifecycle` (acquire, restore, seek, close),
 * `intake` (fetched batches into shards, backpressure), `checkpointer` (fenced commits, relay).
 */
export async function startProcessor(opts: ProcessorOptions): Promise<Processor> {
  const log = opts.log ?? (() => {});
  const observer = guardObserver(opts.observer ?? {}, log);
  const workerCount = opts.workers ?? defaultWorkers();
  await loadActorModules(opts.actorsConfig?.modules ?? []);
  const actors = resolveActors(opts, workerCount);
  const poolSize = opts.postgresPoolSize ?? PROCESSOR_DEFAULTS.postgresPoolSize;
  // No idle_in_transaction_session_timeout: postgres.js 3.4.9 cannot survive the server ending a
  // transaction's connection (porsager/postgres#1133, #1208: an uncatchable TypeError, and #1155:
  // later statements may run outside the transaction). A process frozen inside a checkpoint thus
  // delays its shards' next owner until it thaws; fencing is never at risk.
  const sql = openPool(opts.databaseUrl, { max: poolSize, applicationName: `actorstream ${opts.ownerId}`.slice(0, 63), keepConnections: true });
  // What start-up has opened so far: closed again, last first, if a later step fails (a missing
  // topic permission, an unreachable coordinator), so a failed start leaks no client or worker.
  const opened: (() => Promise<unknown>)[] = [() => sql.end({ timeout: 1 })];
  try {
    await migrate(sql);
    const declared = declaredTablesOf(actors);
    await checkDeclaredTables(sql, declared);
    const committedOutbox = new CommittedOutbox();
    const store = createCheckpointStore(sql, { processedEventsTable: opts.processedEventsTable, committedOutbox });
    if (opts.processedEventsTable) await ensureProcessedEventsTable(sql, opts.processedEventsTable);
    await prepareCheckpointStatements(sql, {
      connections: poolSize,
      readModels: declared.readModels,
      aggregates: declared.aggregates.map((a) => a.table),
      history: (opts.historyActors ?? []).length > 0,
      processedEventsTable: opts.processedEventsTable,
    }).catch((e: unknown) => log(`checkpoint statements are prepared at first use instead of at start: ${thrownMessage(e)}`));
    const { client } = opts;
    const admin = await client.admin();
    opened.push(() => admin.disconnect());
    const topics = opts.topics ?? topicNames();
    // The admin client stays connected: acquiring a shard reads its source partition's end offset.
    const partitionCounts = await admin.ensureTopics({ app: opts.app, actors, partitions: opts.partitions, topics, maxFutureMs: opts.maxFutureMs });
    const actorOfTopic = new Map<string, ActorDefinition<any>>();
    for (const a of actors) {
      actorOfTopic.set(sourceTopicName(topics, a.sourceTopic), a);
      actorOfTopic.set(inboxTopicOf(opts.app, a.type), a);
    }
    const sink = await client.sink();
    opened.push(() => sink.disconnect());
    const mergeWait = mergeMaxWait(opts.eventTimeMaxWaitMs, opts.sessionTimeoutMs ?? PROCESSOR_DEFAULTS.sessionTimeoutMs);
    const eventTime = opts.eventTimeMerge
      ? planEventTimeMerge({ actors, app: opts.app, partitionsOf: (type) => partitionCounts.get(type), partitionOf: client.partitionOf, maxWaitMs: mergeWait.maxWaitMs })
      : undefined;
    // Messages between shards of this process skip Kafka when on (engine/local-delivery.ts), except
    // to the types receivesInMemory keeps on Kafka. A set, not the name built per call: local
    // delivery asks for every outbox row it places.
    const inboxTopics = new Set(actors.map((a) => inboxTopicOf(opts.app, a.type)));
    const isInbox = (topic: string) => inboxTopics.has(topic);
    const kept = { historyTypes: new Set(opts.historyActors ?? []), mergingTypes: new Set(eventTime?.receivers ?? []) };
    const localMessages = localMessagesOn(opts);
    const delivery = localMessages
      ? new LocalDelivery({
          held: (id) => membership.held(id),
          receiverTypeOf: (topic) => {
            const type = isInbox(topic) ? actorOfTopic.get(topic)?.type : undefined;
            return type === undefined || !receivesInMemory(type, kept) ? undefined : type;
          },
          inboxTopicOf: (type) => inboxTopicOf(opts.app, type),
          partitionsOf: (type) => partitionCounts.get(type),
          partitionOf: client.partitionOf,
          endOffsets: (topic) => admin.offsets(topic),
          apply: (o, topic, records) => applyMemoryRecords({ membership, store, observer, log, isInbox, endWanted: (held) => intake.endWanted(held), measuredAt: (held) => intake.measuredAt(held) }, o, topic, records),
          handedOver: (receiver, records) => observer.handedOver?.({ receiver, records }),
          relayAgain: async (id) => membership.held(id) && (await relay.flush(id)),
          log,
        })
      : undefined;
    if (eventTime && mergeWait.warning) log(mergeWait.warning);
    const clocks = eventTime && { clockOf: (id: string) => membership.held(id)?.clock, targets: eventTime.clockTargets };
    const relay = createOutboxRelay(sql, sink, delivery && { delivery, epochOf: (id) => membership.held(id)?.epoch }, clocks, committedOutbox);
    if (eventTime) log(`inputs of ${eventTime.receivers.join(', ')} are merged in event time (event_time_merge)`);
    if (delivery) log(`messages between shards held here are handed over in memory (local_messages)${kept.mergingTypes.size > 0 ? `, except to ${[...kept.mergingTypes].join(', ')}: merged in event time` : ''}`);
    const pool = workerCount > 0 ? createWorkerPool(workerCount, opts.onFatal) : createInlinePool(actors);
    opened.push(() => pool.terminate());
    log(`shards run on ${pool.kind === 'workers' ? `${pool.size} worker thread(s)` : 'the consumer thread'}`);

    const source = await client.source({
      groupId: opts.groupId,
      topics: [...actorOfTopic.keys()],
      shardOf: (topic) => actorOfTopic.get(topic)?.type,
      sessionTimeoutMs: opts.sessionTimeoutMs ?? PROCESSOR_DEFAULTS.sessionTimeoutMs,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? PROCESSOR_DEFAULTS.heartbeatIntervalMs,
      maxBytesPerPartition: opts.fetchMaxBytesPerPartition,
    });
    opened.push(() => source.disconnect());
    // Shards whose checkpoint Postgres refused for its data: restored recording their inputs.
    const recordingInputs = new Set<string>();
    const lifecycle = createShardLifecycle({
      store, relay, pool, admin, source, observer, topics, app: opts.app, ownerId: opts.ownerId, httpAddress: opts.httpAddress,
      actorsConfig: opts.actorsConfig ?? {}, maxFutureMs: opts.maxFutureMs, recordsInputs: (id) => recordingInputs.has(id),
      keepProcessed: opts.processedEventsTable !== undefined, historyTypes: kept.historyTypes, actorTypes: actors.map((a) => a.type),
      resume: (o) => intake.resume(o), log, lazyRestoreAbove: opts.lazyRestoreAbove ?? PROCESSOR_DEFAULTS.lazyRestoreAbove,
      maxEvictedKeys: (opts.passivation ?? PROCESSOR_DEFAULTS.passivation).maxEvictedKeys,
      passivationIdleMs: (opts.passivation ?? PROCESSOR_DEFAULTS.passivation).idleMs, eventTime,
    });
    const membership = createMembership({
      actorOf: (type) => actors.find((a) => a.type === type), checkpoint: () => checkpoint(), ...lifecycle, log,
      // An origin taken (again) reads its outbox from the start; a receiver given up gets what it
      // was handed but did not commit by Kafka instead (engine/local-delivery.ts). What a shard
      // given up committed is no longer kept for the relay (its next owner reads it from Postgres).
      load: (id, actor, partition) => (delivery?.originAcquired(id), lifecycle.load(id, actor, partition)),
      close: (o) => (delivery?.receiverGone(o), committedOutbox.forget(o.id), lifecycle.close(o)),
    });
    const intake = createIntake({
      membership, source, admin, store, observer, log,
      actorOfTopic: (topic) => actorOfTopic.get(topic),
      isInbox,
      topicsOf: (o) => lifecycle.topicsOf(o),
      checkpoint: () => checkpoint(),
      maxUncommitted: opts.maxUncommittedRecords ?? PROCESSOR_DEFAULTS.maxUncommittedRecords,
      maxHeldSources: opts.eventTimeMaxHeldSources,
      pipelineBatches: opts.pipelineBatches ?? PROCESSOR_DEFAULTS.pipelineBatches,
      applied: delivery && ((o) => void delivery.drain(o)),
    });
    const checkpointer = createCheckpointer({
      store, relay, source, observer, log, passivation: opts.passivation ?? PROCESSOR_DEFAULTS.passivation,
      // One connection stays free for acquisitions, rehydration and queries.
      parallelism: Math.max(1, poolSize - 1),
      groupCommit: opts.groupCommit ?? PROCESSOR_DEFAULTS.groupCommit,
      maxUncommitted: opts.maxUncommittedRecords ?? PROCESSOR_DEFAULTS.maxUncommittedRecords,
      shards: () => membership.heldShards(),
      ...(eventTime ? { commitFirst: (o: Owned) => eventTime.isSender(o.actor.type) } : {}),
      isCurrent: (id, o) => membership.held(id) === o,
      retire: (id) => membership.retire(id),
      reacquire: (id) => membership.ownedShard(id).catch((e) => log(`re-acquiring ${id} failed: ${e}`)),
      resume: (o) => intake.resume(o),
      dropAssignment: (id) => membership.dropAssignment(id),
      recordInputsOf: (id, on) => void (on ? recordingInputs.add(id) : recordingInputs.delete(id)),
    });
    const checkpoint = () => checkpointer.checkpointAll();

    await source.run(
      {
        assigned(partitions) {
          const shards = new Set<string>();
          for (const { topic, partition } of partitions) {
            const actor = actorOfTopic.get(topic);
            if (actor) shards.add(shardId(actor.type, partition));
          }
          membership.join([...shards]);
        },
        batch: (batch, control) => intake.batch(batch, control),
      },
      // One batch per partition at a time (per-key order), every partition of a fetch at once: the
      // client fetches again only when all of them are applied, so fewer made the worker wait.
      { concurrency: Math.max(1, opts.batchesInFlight ?? PROCESSOR_DEFAULTS.batchesInFlight) },
    );
    const passes = schedulePasses(
      () => checkpointer.commitAll(),
      () => membership.heldShards().some(([, o]) => o.uncommitted > 0),
      { intervalMs: opts.checkpointIntervalMs, minIntervalMs: opts.checkpointMinIntervalMs ?? defaultMinIntervalMs(opts.checkpointIntervalMs) },
      (e) => log(`checkpoint error: ${e}`),
    );
    const stopHeartbeat = eventTime && startClockHeartbeat({
      held: () => membership.heldShards(), isSender: (type) => eventTime.isSender(type), relay, sink, targets: eventTime.clockTargets, log,
    });

    let stopping: Promise<void> | undefined;
    const stop = async () => {
      membership.stop();
      intake.stop(); // no batch is applied from here on
      delivery?.stop();
      passes.stop();
      if (stopHeartbeat) stopHeartbeat();
      // Commit while still a group member: after leaving, a new owner may acquire (and fence) us.
      await checkpoint();
      await source.stop();
      // Let a join's acquisitions that were under way finish (or give up) before the clients close.
      await membership.settled();
      await checkpoint();
      await source.disconnect();
      await sink.disconnect();
      await admin.disconnect();
      await pool.terminate();
      await sql.end({ timeout: 5 });
      if (delivery) log(`messages handed over in memory since start: ${delivery.handed}`);
    };
    return processorHandle({ membership, store, actors, partitionCounts, partitionOf: client.partitionOf, checkpoint, stop: () => (stopping ??= stop()) });
  } catch (e) {
    for (const close of opened.reverse()) await close().catch(() => {});
    throw e;
  }
}

/** How long a release may wait for its shard's checkpoint. */
const RELEASE_TIMEOUT_MS = 30_000;

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The running processor's API over its parts. */
function processorHandle(p: {
  membership: Membership;
  store: CheckpointStore;
  actors: readonly ActorDefinition<any>[];
  partitionCounts: Map<string, number>;
  partitionOf(key: string, partitionCount: number): number;
  checkpoint(): Promise<void>;
  stop(): Promise<void>;
}): Processor {
  const { membership } = p;
  return {
    async query(type, key) {
      const n = p.partitionCounts.get(type);
      if (n === undefined) return { kind: 'not-owned' };
      const id = shardId(type, p.partitionOf(key, n));
      const o = membership.held(id);
      if (!o) return { kind: 'not-owned' };
      const a = await o.host.query(id, key);
      if (a === undefined) return { kind: 'unknown' };
      if (a !== 'passivated') return { kind: 'found', from: 'memory', ...a };
      const [row] = await p.store.loadStates(type, [key]);
      if (!row) return { kind: 'unknown' };
      const actor = p.actors.find((x) => x.type === type)!;
      // A row committed by an older version is shown as the worker would hold it: migrated, or,
      // when its migration throws, as stored and quarantined with the reason (entity-table.ts).
      if (row.stateVersion === actor.stateVersion) return { kind: 'found', from: 'store', state: row.state, quarantine: row.quarantine };
      try {
        return { kind: 'found', from: 'store', state: actor.migrate(row.state, row.stateVersion), quarantine: row.quarantine };
      } catch (e) {
        return { kind: 'found', from: 'store', state: row.state, quarantine: row.quarantine ?? unmigratableReason(row.stateVersion, actor.stateVersion, e) };
      }
    },
    async release(type, key) {
      const n = p.partitionCounts.get(type);
      const id = n === undefined ? undefined : shardId(type, p.partitionOf(key, n));
      const o = id === undefined ? undefined : membership.held(id);
      if (!o) return { kind: 'not-owned' };
      const outcome = new Promise<ReleaseOutcome>((resolve, reject) => (o.releases ??= []).push({ key, resolve, reject }));
      void p.checkpoint();
      return withTimeout(outcome, RELEASE_TIMEOUT_MS, `the release of ${type} '${key}' did not finish within ${RELEASE_TIMEOUT_MS / 1000} s (its shard moved or is restoring); it may still be applied — look at the entity before asking again`);
    },
    ownedShards: () => membership.heldShards().map(([id]) => id).sort(),
    totals() {
      const t = { ...membership.retiredTotals() };
      for (const [, { counters }] of membership.heldShards()) addTotals(t, counters);
      return t;
    },
    entitiesInMemory() {
      const out: Record<string, number> = {};
      for (const [, o] of membership.heldShards()) out[o.actor.type] = (out[o.actor.type] ?? 0) + o.size;
      return out;
    },
    partitionsOf: (type) => p.partitionCounts.get(type),
    readiness: () => membership.readiness(),
    checkpoint: p.checkpoint,
    stop: p.stop,
  };
}

/**
 * Refuses to start when a table an actor declares for analysts is missing or not as declared
 * (store/declared-tables.ts): its first checkpoint would fail in a way no isolation helps, and its
 * partition would stop. Exit code 2, with the statement that would create it.
 */
async function checkDeclaredTables(sql: Sql, declared: DeclaredTables): Promise<void> {
  const problems = await declaredTableProblems(sql, declared);
  if (problems.length > 0) throw new ConfigError(`the tables actors declare are not in the database as declared:\n  ${problems.join('\n  ')}`);
}
