import type { EachBatchPayload } from 'kafkajs';
import postgres from 'postgres';
import type { ActorDefinition } from '../actors/actor.ts';
import { inboxTopicOf } from '../schemas/index.ts';
import { createOutboxRelay } from '../sinks/outbox-relay.ts';
import { createCheckpointer } from './checkpointer.ts';
import { createKafkaClient, type ConsumerPort, type KafkaPort } from './kafka/port.ts';
import { createShardAssigner } from './kafka/shard-assigner.ts';
import { ensureTopics, topicNames } from './kafka/topics.ts';
import { partitionOf } from './partitioner.ts';
import {
  DEFAULT_MAX_UNCOMMITTED,
  DEFAULT_PASSIVATION,
  defaultWorkers,
  resolveActors,
  type ProcessorOptions,
} from './processor-options.ts';
import { packBatch } from './shard/record-batch.ts';
import type { ApplyResult } from './shard/shard-host.ts';
import { guardObserver, type TracedRecord } from './observer.ts';
import type { Owned } from './owned-shard.ts';
import { TRACEPARENT } from './shard/records.ts';
import { shardId, type ShardCounters } from './shard/shard.ts';
import { createInlinePool, createWorkerPool, type ShardHostPool } from './shard/worker-pool.ts';
import { createCheckpointStore } from '../store/checkpoint-store.ts';
import { migrate } from '../store/migrations.ts';

export type { ProcessorOptions } from './processor-options.ts';

/**
 * A processor instance: one member of the consumer group. Kafka assigns it shards (an actor
 * type's partition of the source topic together with the same partition of its inbox); for each it
 * acquires an epoch in Postgres, restores states, timers and offsets into a shard worker, seeks to
 * the stored offsets, and hands the worker whole fetched batches. Every `checkpointIntervalMs`
 * each dirty shard is committed in ONE fenced transaction, then its outbox is relayed and its
 * offsets are committed to Kafka for lag tools. Correctness never depends on a revocation callback
 * (kafkajs has none): a superseded owner's checkpoint is refused by the epoch check and it drops
 * the shard.
 */
export interface Processor {
  /** An entity as this instance sees it: from its worker, or from Postgres when passivated. */
  query(type: string, key: string): Promise<LocalAnswer>;
  ownedShards(): string[];
  /** Records applied, dead-lettered and skipped since start, over every shard ever owned. */
  totals(): { applied: number; deadLettered: number; duplicatesDropped: number; skippedBelowOffset: number };
  /** Entities in memory per actor type, over the shards owned now. */
  entitiesInMemory(): Record<string, number>;
  /** Ready once it has joined the group and restored every shard assigned to it. */
  readiness(): { ready: boolean; assigned: number; owned: number; loading: number };
  /** Partitions per actor type (its source topic's partition count). */
  partitionsOf(type: string): number | undefined;
  /** Commits every dirty shard now (also runs every checkpoint interval). */
  checkpoint(): Promise<void>;
  /** Graceful stop: no more fetching, final checkpoint and relay, leave the group. */
  stop(): Promise<void>;
}

export type LocalAnswer =
  | { kind: 'not-owned' }
  | { kind: 'unknown' }
  | { kind: 'found'; state: unknown; quarantine: string | null; from: 'memory' | 'store' };

const ZERO: ShardCounters = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, timersFired: 0 };

/** Starts a processor and resolves once it has joined the group. */
export async function startProcessor(opts: ProcessorOptions): Promise<Processor> {
  const log = opts.log ?? (() => {});
  const observer = guardObserver(opts.observer ?? {}, log);
  const workerCount = opts.workers ?? defaultWorkers();
  const actors = resolveActors(opts, workerCount);
  const passivation = opts.passivation ?? DEFAULT_PASSIVATION;
  const maxUncommitted = opts.maxUncommittedRecords ?? DEFAULT_MAX_UNCOMMITTED;
  const sql = postgres(opts.databaseUrl, { max: opts.postgresPoolSize ?? 6, onnotice: () => {} });
  // What start-up has opened so far: closed again, last first, if a later step fails (a missing
  // topic permission, an unreachable coordinator), so a failed start leaks no client or worker.
  const opened: (() => Promise<unknown>)[] = [() => sql.end({ timeout: 1 })];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await close().catch(() => {});
  };
  try {
    await migrate(sql);
    const store = createCheckpointStore(sql);
    const kafka: KafkaPort = opts.kafka ?? createKafkaClient(opts.ownerId, opts.brokers);
    const admin = kafka.admin();
    await admin.connect();
    opened.push(() => admin.disconnect());
    const topics = opts.topics ?? topicNames();
    const partitionCounts = await ensureTopics(admin, opts.app, actors, opts.partitions, topics, opts.maxFutureMs);
    // The admin client stays connected: acquiring a shard reads its source partition's end offset.

    const actorOfTopic = new Map<string, ActorDefinition<any>>();
    for (const a of actors) {
      actorOfTopic.set(topics.source[a.sourceTopic], a);
      actorOfTopic.set(inboxTopicOf(opts.app, a.type), a);
    }
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    opened.push(() => producer.disconnect());
    const relay = createOutboxRelay(sql, producer);
    const consumer: ConsumerPort = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      ...(opts.fetchMaxBytesPerPartition ? { maxBytesPerPartition: opts.fetchMaxBytesPerPartition } : {}),
      partitionAssigners: [createShardAssigner((topic) => actorOfTopic.get(topic)?.type)],
    });
    const onFatal = opts.onFatal ?? ((e: Error) => {
      log(`fatal: ${e.message}; exiting so the instance restarts from its checkpoints`);
      process.exit(70);
    });
    const pool: ShardHostPool = workerCount > 0 ? createWorkerPool(workerCount, onFatal) : createInlinePool(actors);
    opened.push(() => pool.terminate());
    log(`shards run on ${pool.kind === 'workers' ? `${pool.size} worker thread(s)` : 'the consumer thread'}`);

    const assigned = new Set<string>();
    const retired = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0 };
    const owned = new Map<string, Owned>();
    const loading = new Map<string, Promise<Owned | undefined>>();
    let stopped = false;
    let joined = false;
    /** Bumped synchronously on every join: an acquisition begun for an older join must not bump the epoch. */
    let joinSeq = 0;
    /** The join whose assignment `assigned` holds. */
    let assignedSeq = 0;

    // Every join (eager rebalance): commit what we hold, drop every shard, then acquire the new
    // assignment with fresh epochs. Re-acquiring even kept shards costs at most one checkpoint
    // interval of replay, and guarantees a member that was a zombie never works on a stale epoch.
    let rebalance: Promise<void> = Promise.resolve();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const next = new Set<string>();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        const actor = actorOfTopic.get(topic);
        if (actor) for (const p of partitions) next.add(shardId(actor.type, p));
      }
      log(`joined generation: ${[...next].sort().join(' ') || '(no shards)'}`);
      joined = true;
      const seq = ++joinSeq;
      rebalance = rebalance.then(async () => {
        await checkpoint().catch((e) => log(`checkpoint before rebalance failed: ${e}`));
        await Promise.all([...owned.keys()].map((id) => retire(id)));
        assigned.clear();
        // A newer join is already queued: its step acquires; acquiring this one's shards now could
        // fence their owner in the newer generation.
        if (seq !== joinSeq) return;
        for (const id of next) assigned.add(id);
        assignedSeq = seq;
        await Promise.all([...next].map((id) => ownedShard(id).catch((e) => log(`acquiring ${id} failed: ${e}`))));
      });
    });

    const topicsOfShard = (o: Owned) => [topics.source[o.actor.sourceTopic], inboxTopicOf(opts.app, o.actor.type)];

    async function retire(id: string): Promise<void> {
      const o = owned.get(id);
      if (!o) return;
      owned.delete(id);
      if (o.paused) resume(o);
      observer.released?.({ shard: id, partitions: topicsOfShard(o).map((topic) => ({ topic, partition: o.partition })) });
      const final = (await o.host.close(id).catch(() => undefined)) ?? o.counters;
      pool.release(id);
      for (const k of Object.keys(retired) as (keyof typeof retired)[]) retired[k] += final[k];
    }

    async function acquire(id: string, actor: ActorDefinition<any>, partition: number, assignedAt: number): Promise<Owned | undefined> {
      if (stopped) return undefined; // a join that lands during stop(): do not take (and fence) shards we will not run
      // Acquisitions of one join run one after another; if a newer join arrived meanwhile, another
      // member may already hold this shard in that generation: taking it now would fence the rightful
      // owner (which then drops it until the next rebalance). The newer join re-acquires if it is ours.
      if (assignedAt !== joinSeq) return undefined;
      const epoch = await store.acquire(id, opts.ownerId, opts.httpAddress);
      // A previous owner's committed but unrelayed outputs go out before anything of ours.
      await relay.flush(id);
      const snap = await store.load(id, actor.type, partition);
      const sourceTopic = topics.source[actor.sourceTopic];
      const host = pool.hostFor(id);
      const size = await host.open(
        { actorType: actor.type, partition, app: opts.app, sourceTopic, alertsTopic: topics.alerts, actors: opts.actorsConfig ?? {}, maxFutureMs: opts.maxFutureMs },
        { states: snap.states, offsets: snap.offsets, inboxPositions: snap.inboxPositions, timers: snap.timers as never },
      );
      // Where the source partition ends now: until the shard has read that far (or past an inbox
      // message's event time) inbox messages wait, so a catch-up applies them after the source
      // events that precede them, as live processing does. Batches of the source keep it current.
      const ends = await admin.fetchTopicOffsets(sourceTopic);
      const end = ends.find((x) => x.partition === partition);
      if (end) await host.noteSourceEnd(id, Number(end.high));
      const o: Owned = { id, actor, partition, epoch, host, counters: { ...ZERO }, size, appendTimes: [], traced: [], uncommitted: 0, paused: false, next: new Map(snap.offsets) };
      if (stopped || !assigned.has(id)) {
        // stop() began, or a newer generation took the shard: the consumer may no longer seek.
        await host.close(id).catch(() => {});
        pool.release(id);
        return undefined;
      }
      // Fetch from the offsets of truth. Kafka's position may be ahead of them (this member applied
      // records whose checkpoint was then refused or lost): without the seek they would be skipped.
      for (const topic of topicsOfShard(o)) {
        consumer.seek({ topic, partition, offset: String(snap.offsets.get(`${topic}:${partition}`) ?? 0) });
      }
      log(`acquired ${id} at epoch ${epoch}: ${snap.states.length} states`);
      owned.set(id, o);
      return o;
    }

    async function ownedShard(id: string): Promise<Owned | undefined> {
      const existing = owned.get(id);
      if (existing) return existing;
      if (!assigned.has(id)) return undefined; // not (or no longer) ours: never steal a shard back
      let pending = loading.get(id);
      if (!pending) {
        const [type, partition] = id.split('/');
        const actor = actors.find((a) => a.type === type)!;
        pending = acquire(id, actor, Number(partition), assignedSeq).finally(() => loading.delete(id));
        loading.set(id, pending);
      }
      return pending;
    }

    /**
     * True when the records from `expected` on were deleted by retention (the log now starts later):
     * then the gap is accepted instead of seeking back forever. Asked of the broker only after a
     * seek to the same offset already happened once, so a stale in-flight batch costs no round trip.
     */
    const soughtTo = new Map<string, number>();
    async function goneFromKafka(topic: string, partition: number, expected: number): Promise<boolean> {
      const tp = `${topic}:${partition}`;
      if (soughtTo.get(tp) !== expected) {
        soughtTo.set(tp, expected);
        return false;
      }
      const low = Number((await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition)?.low ?? 0);
      if (low <= expected) return false;
      log(`${tp}: offsets ${expected}..${low - 1} are no longer in Kafka (retention); continuing from ${low}`);
      return true;
    }

    async function eachBatch({ batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload): Promise<void> {
      if (stopped || !isRunning() || isStale() || batch.messages.length === 0) return;
      const actor = actorOfTopic.get(batch.topic);
      if (!actor) return;
      await rebalance;
      const id = shardId(actor.type, batch.partition);
      const o = await ownedShard(id);
      if (!o || isStale()) {
        // Not ours in the generation we know of (a rebalance is under way): the unresolved batch is
        // fetched again; wait a little instead of spinning on it.
        await new Promise((r) => setTimeout(r, 100));
        return;
      }
      const tp = `${batch.topic}:${batch.partition}`;
      const expected = o.next.get(tp) ?? 0;
      if (Number(batch.firstOffset()) > expected && !(await goneFromKafka(batch.topic, batch.partition, expected))) {
        // Kafka delivered from its committed position, ahead of ours: Postgres holds the offsets of
        // truth, so fetch again from there (unless retention removed them).
        consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(expected) });
        return;
      }
      const isSource = batch.topic !== inboxTopicOf(opts.app, actor.type);
      const started = performance.now();
      let r: ApplyResult;
      try {
        // The packed batch is transferred (moved) to the worker: pack it afresh for every attempt.
        const applyBatch = () => o.host.apply(id, packBatch(batch.topic, batch.partition, batch.messages), { now: Date.now(), sourceEnd: isSource ? Number(batch.highWatermark) : undefined });
        r = await applyBatch();
        while (r.needs) {
          await o.host.rehydrate(id, await store.loadStates(actor.type, r.needs), r.needs, Date.now());
          r = await applyBatch();
        }
      } catch (e) {
        // The shard was retired or fenced meanwhile (or Postgres failed a rehydrate): nothing was
        // resolved, so the batch is fetched again by whoever owns the shard.
        if (owned.get(id) === o) log(`batch of ${id} not applied: ${(e as Error).message}`);
        return;
      }
      const before = o.counters;
      o.counters = r.counters;
      o.size = r.size;
      const consumed = r.consumed;
      if (consumed > 0) o.next.set(tp, Math.max(expected, Number(batch.messages[consumed - 1]!.offset) + 1));
      const traced: TracedRecord[] = [];
      for (let i = 0; i < consumed; i++) {
        const m = batch.messages[i]!;
        o.appendTimes.push(Number(m.timestamp));
        const traceparent = m.headers?.[TRACEPARENT];
        if (traceparent !== undefined) {
          traced.push({ topic: batch.topic, partition: batch.partition, offset: Number(m.offset), key: m.key?.toString() ?? null, actorType: actor.type, traceparent: String(traceparent) });
        }
      }
      if (traced.length > 0) o.traced.push(...traced);
      o.uncommitted += consumed;
      observer.batchApplied?.({
        shard: id, actorType: actor.type, topic: batch.topic, partition: batch.partition,
        records: batch.messages.length, consumed, applied: r.counters.applied - before.applied,
        deadLettered: r.counters.deadLettered - before.deadLettered, duplicatesDropped: r.counters.duplicatesDropped - before.duplicatesDropped,
        appendTimesMs: o.appendTimes.slice(o.appendTimes.length - consumed), atMs: Date.now(), applyMs: performance.now() - started, traced,
      });
      if (consumed < batch.messages.length) {
        // The rest of this inbox batch waits for the source partition (see Shard.noteSourceEnd):
        // fetch it again from the first record not applied. Pause briefly when nothing could be
        // applied, so a source fetched by another broker connection gets ahead without a busy loop.
        if (consumed > 0) resolveOffset(batch.messages[consumed - 1]!.offset);
        consumer.seek({ topic: batch.topic, partition: batch.partition, offset: batch.messages[consumed]!.offset });
        if (consumed === 0) await new Promise((res) => setTimeout(res, 20));
      } else {
        // Resolving only moves kafkajs's fetch position (autoCommit is off); Postgres keeps the truth.
        resolveOffset(batch.lastOffset());
        observer.lag?.({ topic: batch.topic, partition: batch.partition, lag: Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1) });
      }
      if (o.uncommitted > maxUncommitted && !o.paused) {
        // Backpressure: memory held for the next checkpoint is bounded; fetching resumes after it.
        o.paused = true;
        consumer.pause(topicsOfShard(o).map((topic) => ({ topic, partitions: [o.partition] })));
        void checkpoint().catch((e) => log(`checkpoint error: ${e}`));
      }
      await heartbeat();
    }

    function resume(o: Owned): void {
      o.paused = false;
      if (stopped) return; // the consumer is stopping or stopped: it would refuse, and fetches no more anyway
      consumer.resume(topicsOfShard(o).map((topic) => ({ topic, partitions: [o.partition] })));
    }

    const checkpointer = createCheckpointer({
      store, relay, consumer, observer, log, passivation,
      // One connection stays free for acquisitions, rehydration and queries.
      parallelism: Math.max(1, (opts.postgresPoolSize ?? 6) - 1),
      shards: () => [...owned],
      isCurrent: (id, o) => owned.get(id) === o,
      retire,
      reacquire: (id) => ownedShard(id).catch((e) => log(`re-acquiring ${id} failed: ${e}`)),
      resume,
      dropAssignment: (id) => void assigned.delete(id),
    });
    const checkpoint = () => checkpointer.checkpointAll();

    opened.push(() => consumer.disconnect());
    await consumer.connect();
    for (const topic of actorOfTopic.keys()) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // One batch per partition at a time (per-key order), several partitions at once so every
      // worker has work while the consumer thread fetches and commits.
      partitionsConsumedConcurrently: Math.max(1, pool.size * 2),
      eachBatch,
    });
    const timer = setInterval(() => void checkpoint().catch((e) => log(`checkpoint error: ${e}`)), opts.checkpointIntervalMs);
    return processorHandle(timer);

    /** The running processor's API (declared here: it closes over everything started above). */
    function processorHandle(timer: ReturnType<typeof setInterval>): Processor {
      return {
        async query(type, key) {
          const n = partitionCounts.get(type);
          if (n === undefined) return { kind: 'not-owned' };
          const id = shardId(type, partitionOf(key, n));
          const o = owned.get(id);
          if (!o) return { kind: 'not-owned' };
          const a = await o.host.query(id, key);
          if (a === undefined) return { kind: 'unknown' };
          if (a !== 'passivated') return { kind: 'found', from: 'memory', ...a };
          const [row] = await store.loadStates(type, [key]);
          if (!row) return { kind: 'unknown' };
          const actor = actors.find((x) => x.type === type)!;
          // A row committed by an older version is shown as the worker would hold it: migrated.
          const state = row.stateVersion === actor.stateVersion ? row.state : actor.migrate(row.state, row.stateVersion);
          return { kind: 'found', from: 'store', state, quarantine: row.quarantine };
        },
        ownedShards: () => [...owned.keys()].sort(),
        totals() {
          const t = { ...retired };
          for (const { counters } of owned.values()) {
            t.applied += counters.applied;
            t.deadLettered += counters.deadLettered;
            t.duplicatesDropped += counters.duplicatesDropped;
            t.skippedBelowOffset += counters.skippedBelowOffset;
          }
          return t;
        },
        entitiesInMemory() {
          const out: Record<string, number> = {};
          for (const o of owned.values()) out[o.actor.type] = (out[o.actor.type] ?? 0) + o.size;
          return out;
        },
        partitionsOf: (type) => partitionCounts.get(type),
        readiness() {
          const ownedAssigned = [...assigned].filter((id) => owned.has(id)).length;
          return { ready: joined && !stopped && loading.size === 0 && ownedAssigned === assigned.size, assigned: assigned.size, owned: owned.size, loading: loading.size };
        },
        checkpoint,
        async stop() {
          if (stopped) return;
          stopped = true; // eachBatch applies nothing more from here on
          clearInterval(timer);
          // Commit while still a group member: after leaving, a new owner may acquire (and fence) us.
          await checkpoint();
          await consumer.stop();
          // Let a join's acquisitions that were under way finish (or give up) before the clients close.
          await rebalance;
          await checkpoint();
          await consumer.disconnect();
          await producer.disconnect();
          await admin.disconnect();
          await pool.terminate();
          await sql.end({ timeout: 5 });
        },
      };
    }
  } catch (e) {
    await closeOpened();
    throw e;
  }
}
