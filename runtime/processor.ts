import { Kafka, logLevel, type Consumer, type EachBatchPayload, type Producer } from 'kafkajs';
import postgres from 'postgres';
import type { ActorDefinition } from '../actors/actor.ts';
import { inboxTopicOf } from '../schemas/index.ts';
import { createOutboxRelay, type OutboxRelay } from '../sinks/outbox-relay.ts';
import { ShardFenced } from './errors.ts';
import { createShardAssigner } from './kafka/shard-assigner.ts';
import { ensureTopics, topicNames, type TopicNames } from './kafka/topics.ts';
import { partitionOf } from './partitioner.ts';
import { createShard, shardId, type Shard } from './shard/shard.ts';
import type { SourceRecord } from './shard/records.ts';
import { createCheckpointStore, type CheckpointStore } from './store/checkpoint-store.ts';
import { migrate } from './store/migrations.ts';

/**
 * A processor instance: one member of the consumer group. Kafka assigns it shards (an actor
 * type's partition of the source topic together with the same partition of its inbox); for each it
 * acquires an epoch in Postgres, restores states, timers and offsets, seeks to the stored offsets,
 * and applies batches. Every `checkpointIntervalMs` each dirty shard is committed in ONE fenced
 * transaction, then its outbox is relayed and its offsets are committed to Kafka for lag tools.
 * Correctness never depends on a revocation callback (kafkajs has none): a superseded owner's
 * checkpoint is refused by the epoch check and it drops the shard.
 */
export interface ProcessorOptions {
  brokers: string[];
  databaseUrl: string;
  app: string;
  groupId: string;
  actors: readonly ActorDefinition<any>[];
  /** Topic names of this deployment (default: the contract's). */
  topics?: TopicNames;
  /** Partitions of source topics created by this processor (existing topics keep theirs). */
  partitions: number;
  checkpointIntervalMs: number;
  /** Unique per process; recorded as the shard owner. */
  ownerId: string;
  httpAddress?: string;
  log?: (line: string) => void;
}

export interface Processor {
  /** Live state of an entity if this instance owns its shard. */
  query(type: string, key: string): { state: unknown; quarantine: string | null } | undefined;
  ownedShards(): string[];
  /** Records applied, dead-lettered and skipped since start, over every shard ever owned. */
  totals(): { applied: number; deadLettered: number; duplicatesDropped: number; skippedBelowOffset: number };
  /** Commits every dirty shard now (also runs every checkpoint interval). */
  checkpoint(): Promise<void>;
  /** Graceful stop: no more fetching, final checkpoint and relay, leave the group. */
  stop(): Promise<void>;
}

interface Owned {
  shard: Shard;
  epoch: number;
}

/** Starts a processor and resolves once it has joined the group. */
export async function startProcessor(opts: ProcessorOptions): Promise<Processor> {
  const log = opts.log ?? (() => {});
  const sql = postgres(opts.databaseUrl, { max: 4, onnotice: () => {} });
  await migrate(sql);
  const store = createCheckpointStore(sql);
  const kafka = new Kafka({ clientId: opts.ownerId, brokers: opts.brokers, logLevel: logLevel.ERROR, retry: { retries: 8 } });
  const admin = kafka.admin();
  await admin.connect();
  const topics = opts.topics ?? topicNames();
  const partitionCounts = await ensureTopics(admin, opts.app, opts.actors, opts.partitions, topics);
  // The admin client stays connected: acquiring a shard reads its source partition's end offset.

  const actorOfTopic = new Map<string, ActorDefinition<any>>();
  for (const a of opts.actors) {
    actorOfTopic.set(topics.source[a.sourceTopic], a);
    actorOfTopic.set(inboxTopicOf(opts.app, a.type), a);
  }
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const relay: OutboxRelay = createOutboxRelay(sql, producer);
  const consumer: Consumer = kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    partitionAssigners: [createShardAssigner((topic) => actorOfTopic.get(topic)?.type)],
  });

  const assigned = new Set<string>();
  const retired = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0 };
  const owned = new Map<string, Owned>();
  const loading = new Map<string, Promise<Owned | undefined>>();
  let checkpointing: Promise<void> | undefined;
  let stopped = false;

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
    rebalance = rebalance.then(async () => {
      await checkpoint().catch((e) => log(`checkpoint before rebalance failed: ${e}`));
      for (const id of [...owned.keys()]) retire(id);
      assigned.clear();
      for (const id of next) assigned.add(id);
      await Promise.all([...next].map((id) => ownedShard(id).catch((e) => log(`acquiring ${id} failed: ${e}`))));
    });
  });

  function retire(id: string): void {
    const o = owned.get(id);
    if (!o) return;
    owned.delete(id);
    for (const k of Object.keys(retired) as (keyof typeof retired)[]) retired[k] += o.shard.counters[k];
  }

  async function acquire(id: string, actor: ActorDefinition<any>, partition: number): Promise<Owned | undefined> {
    if (stopped) return undefined; // a join that lands during stop(): do not take (and fence) shards we will not run
    const epoch = await store.acquire(id, opts.ownerId, opts.httpAddress);
    // A previous owner's committed but unrelayed outputs go out before anything of ours.
    await relay.flush(id);
    const snap = await store.load(id, actor.type, partition);
    const sourceTopic = topics.source[actor.sourceTopic];
    const shard = createShard({
      actor, partition, app: opts.app, sourceTopic, alertsTopic: topics.alerts,
      restore: { states: snap.states, offsets: snap.offsets, inboxPositions: snap.inboxPositions, timers: snap.timers as never },
    });
    // Where the source partition ends now: until the shard has read that far (or past an inbox
    // message's event time) inbox messages wait, so a catch-up applies them after the source
    // events that precede them, as live processing does. Batches of the source keep it current.
    const ends = await admin.fetchTopicOffsets(sourceTopic);
    const end = ends.find((x) => x.partition === partition);
    if (end) shard.noteSourceEnd(Number(end.high));
    if (stopped) return undefined; // stop() has begun meanwhile: the consumer can no longer seek
    // Fetch from the offsets of truth. Kafka's position may be ahead of them (this member applied
    // records whose checkpoint was then refused or lost): without the seek they would be skipped.
    for (const topic of [sourceTopic, inboxTopicOf(opts.app, actor.type)]) {
      consumer.seek({ topic, partition, offset: String(snap.offsets.get(`${topic}:${partition}`) ?? 0) });
    }
    log(`acquired ${id} at epoch ${epoch}: ${snap.states.length} states`);
    const o = { shard, epoch };
    if (!assigned.has(id)) return undefined;
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
      const actor = opts.actors.find((a) => a.type === type)!;
      pending = acquire(id, actor, Number(partition)).finally(() => loading.delete(id));
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
    const expected = o.shard.nextOffset(batch.topic, batch.partition) ?? 0;
    if (Number(batch.firstOffset()) > expected && !(await goneFromKafka(batch.topic, batch.partition, expected))) {
      // Kafka delivered from its committed position, which may be behind or ahead of ours:
      // Postgres holds the offsets of truth, so fetch again from there.
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(expected) });
      return;
    }
    if (batch.topic !== inboxTopicOf(opts.app, actor.type)) o.shard.noteSourceEnd(Number(batch.highWatermark));
    const records: SourceRecord[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: Number(m.offset),
      key: m.key ? m.key.toString('utf8') : null,
      value: m.value ? m.value.toString('utf8') : null,
      headers: headersOf(m.headers),
    }));
    const consumed = o.shard.apply(records);
    if (consumed < records.length) {
      // The rest of this inbox batch waits for the source partition (see Shard.noteSourceEnd):
      // fetch it again from the first record not applied. Pause briefly when nothing could be
      // applied, so a source fetched by another broker connection gets ahead without a busy loop.
      if (consumed > 0) resolveOffset(String(records[consumed - 1]!.offset));
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(records[consumed]!.offset) });
      if (consumed === 0) await new Promise((r) => setTimeout(r, 20));
    } else {
      // Resolving only moves kafkajs's fetch position (autoCommit is off); Postgres keeps the truth.
      resolveOffset(batch.lastOffset());
    }
    await heartbeat();
  }

  // Shards whose committed outbox could not be relayed: retried every pass, dirty or not, so a quiet
  // partition's reserves and alerts do not wait for its next input.
  const relayPending = new Set<string>();
  async function relayShard(id: string): Promise<void> {
    try {
      await relay.flush(id);
      relayPending.delete(id);
    } catch (e) {
      relayPending.add(id);
      log(`relay of ${id} deferred: ${(e as Error).message}`);
    }
  }

  async function checkpointShard(id: string, o: Owned): Promise<void> {
    if (!o.shard.dirty()) {
      if (relayPending.has(id)) await relayShard(id);
      return;
    }
    const delta = o.shard.takeDelta();
    try {
      await store.commit({ shard: id, epoch: o.epoch, ...delta });
    } catch (e) {
      // The delta is gone from memory, so this shard's in-memory state is no longer what Postgres
      // holds: drop it and let the next batch restore it (unless another owner fenced us).
      if (owned.get(id) === o) retire(id);
      if (e instanceof ShardFenced) {
        assigned.delete(id);
        log(`fenced: ${e.message}; dropped ${id}`);
        return;
      }
      log(`checkpoint of ${id} failed, shard will be restored: ${(e as Error).message}`);
      return;
    }
    await relayShard(id);
    const offsets = delta.offsets.map((x) => ({ topic: x.topic, partition: x.partition, offset: String(x.nextOffset) }));
    if (offsets.length > 0 && owned.get(id) === o) await consumer.commitOffsets(offsets).catch(() => {});
  }

  function checkpoint(): Promise<void> {
    // One checkpoint pass at a time; `.finally` runs after the assignment, even for a pass that
    // had nothing to await (an inline try/finally would clear the slot before it is set).
    checkpointing ??= (async () => {
      for (const [id, o] of [...owned]) await checkpointShard(id, o);
    })().finally(() => {
      checkpointing = undefined;
    });
    return checkpointing;
  }

  await consumer.connect();
  for (const topic of actorOfTopic.keys()) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
  const timer = setInterval(() => void checkpoint().catch((e) => log(`checkpoint error: ${e}`)), opts.checkpointIntervalMs);

  return {
    query(type, key) {
      const n = partitionCounts.get(type);
      if (n === undefined) return undefined;
      return owned.get(shardId(type, partitionOf(key, n)))?.shard.query(key);
    },
    ownedShards: () => [...owned.keys()].sort(),
    totals() {
      const t = { ...retired };
      for (const { shard } of owned.values()) {
        t.applied += shard.counters.applied;
        t.deadLettered += shard.counters.deadLettered;
        t.duplicatesDropped += shard.counters.duplicatesDropped;
        t.skippedBelowOffset += shard.counters.skippedBelowOffset;
      }
      return t;
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
      await sql.end({ timeout: 5 });
    },
  };
}

function headersOf(h: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  return out;
}
