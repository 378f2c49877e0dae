/**
 * Contender "actorstream": this runtime — startProcessor with the registry's actors (sku, order,
 * user) — on whichever runtime runs this file (`bun` or `deno run -A`). Latency comes from the
 * ProcessorObserver: event→state when a source record's batch went through its shard, event→durable
 * when the checkpoint holding it committed. `done` once every input offset (sources and inboxes)
 * is committed in Postgres and the outbox is empty.
 * Mode `recover`: report once every assigned shard has been restored from Postgres (recovery time).
 */
import { Kafka, logLevel } from 'kafkajs';
import postgres from 'postgres';
import type { LogClient, ProcessorObserver } from '../../engine/index.ts';
import { startProcessor } from '../../engine/processor.ts';
import { clusterClient } from '../../instance/cluster-client.ts';
import { topicNames } from '../../engine/topic-names.ts';
import { inboxTopicOf } from '../../schemas/index.ts';
import { buildActors } from '../../actors/registry.ts';
import { Timeline } from './timeline.ts';
import { deadline, emit, latencyRecorder, processStartMs, readConfig, untilStopped } from './protocol.ts';
import { configureAllocator } from '../../runtime/allocator.ts';
import { heapCensus } from '../runtime-info.ts';
import { writeFileSync } from 'node:fs';

// As `actorstream run` starts (cli/commands/run.ts): on Bun, with the allocator setting it ships with.
configureAllocator();

const cfg = readConfig();
const topics = topicNames(cfg.prefix);
const app = cfg.app ?? `${cfg.prefix}app`;
const sources = new Set(Object.values(topics.source));
const actorsConfig = { analytics: cfg.analytics !== false, recommendations: cfg.recommendations !== false };
const inputs = [...sources, ...buildActors(actorsConfig).map((a) => inboxTopicOf(app, a.type))];
const stateLatency = latencyRecorder();
const durableLatency = latencyRecorder();
// Per shard, the Kafka timestamps of applied records not yet checkpointed, in the processor's own
// order (source records positive, inbox records negated), so that a checkpoint's `appendTimesMs`
// (which mixes both) can be attributed: event→durable is reported for source records only.
const pending = new Map<string, number[]>();
// When each of those records was applied: applied→durable is the checkpoint's share of event→durable.
const appliedAt = new Map<string, number[]>();
const appliedToDurable = latencyRecorder();
// Actor → actor messages: from a message's hand-over in memory (or its append to an inbox topic)
// to the receiver's commit of what it did with it — a message's own event→durable.
const messageToDurable = latencyRecorder();
const checkpoints = { count: 0, totalMs: 0, maxMs: 0, states: 0, outbox: 0 };
let sourceApplied = 0;
let firstAtMs = 0;
// Inbox records delivered by Kafka, applied, and handed over in memory (never fetched): each one
// that came through Kafka is fetched once when fetched = applied − handedOver (issue #19 measured 2.3-3.4×).
// Hand-overs are counted when queued: one dropped from a queue (its origin moved) and fetched after
// counts twice, so the ratio can only read high. `offered`: memory records offered to shards, each
// time again while one waits for its source partition (offered ÷ handedOver: the re-offer cost).
const inboxRecords = { fetched: 0, applied: 0, handedOver: 0, offered: 0 };
// Inputs given to an entity after one with a later event time, per actor type (issue #16).
const outOfEventTimeOrder: Record<string, number> = {};

// Opt-in, by hand: a line per quarter second of what was applied, committed and relayed.
const timeline = process.env.BENCH_TIMELINE ? new Timeline(process.env.BENCH_TIMELINE) : undefined;

const observer: ProcessorObserver = {
  batchApplied(e) {
    timeline?.applied(sources.has(e.topic), e.consumed, e.actorType);
    if (e.outOfEventTimeOrder > 0) outOfEventTimeOrder[e.actorType] = (outOfEventTimeOrder[e.actorType] ?? 0) + e.outOfEventTimeOrder;
    const source = sources.has(e.topic);
    // A shard merging in event time times the source events it applied, whatever the batch's topic.
    const timesAreSources = source || e.sourceTimesOnly === true;
    // Queued even from a batch that consumed nothing itself (a merging or holding shard may have
    // applied held inputs with it): the engine counts them toward the shard's next checkpoint, whose
    // `appendTimesMs` must line up with this queue, or the shard's event→durable samples are dropped.
    let q = pending.get(e.shard);
    if (!q) pending.set(e.shard, (q = []));
    let a = appliedAt.get(e.shard);
    if (!a) appliedAt.set(e.shard, (a = []));
    for (const t of e.appendTimesMs) {
      q.push(timesAreSources ? t : -t);
      a.push(e.atMs);
    }
    if (timesAreSources) for (const t of e.appendTimesMs) stateLatency.record(e.atMs - t);
    if (e.memory) inboxRecords.offered += e.records;
    if (e.consumed === 0) return;
    if (!source) {
      inboxRecords.applied += e.consumed;
      return;
    }
    if (firstAtMs === 0) firstAtMs = e.atMs;
    sourceApplied += e.consumed;
  },
  checkpointed(e) {
    timeline?.committed(e.durationMs, e.rows.outbox);
    checkpoints.count++;
    checkpoints.totalMs += e.durationMs;
    checkpoints.maxMs = Math.max(checkpoints.maxMs, e.durationMs);
    checkpoints.states += e.rows.states;
    checkpoints.outbox += e.rows.outbox;
    const q = pending.get(e.shard) ?? [];
    const a = appliedAt.get(e.shard) ?? [];
    const n = e.appendTimesMs.length;
    if (q.length < n) {
      pending.delete(e.shard); // out of step (a shard was retired and re-acquired): start over
      appliedAt.delete(e.shard);
      return;
    }
    for (let i = 0; i < n; i++) {
      if (q[i]! < 0) messageToDurable.record(e.atMs + q[i]!);
      if (q[i]! <= 0) continue;
      durableLatency.record(e.atMs - q[i]!);
      appliedToDurable.record(e.atMs - a[i]!);
    }
    q.splice(0, n);
    a.splice(0, n);
  },
  checkpointFailed(e) {
    pending.delete(e.shard);
    appliedAt.delete(e.shard);
  },
  relayed: timeline && ((e) => timeline.relayed(e.records)),
  handedOver(e) {
    inboxRecords.handedOver += e.records;
    timeline?.handedOver(e.records);
  },
};

let assignedShards = -1;
let acquired = 0;
let restoredAtMs = 0;
let joinedAtMs = 0;
const processor = await startProcessor({
  client: countingInboxFetches(await clusterClient({ client: cfg.client ?? 'kafkajs', clientId: cfg.ownerId ?? `${cfg.groupId}-${process.pid}`, brokers: cfg.brokers })),
  databaseUrl: cfg.databaseUrl!,
  app,
  groupId: cfg.groupId,
  topics,
  partitions: cfg.partitions,
  checkpointIntervalMs: cfg.checkpointIntervalMs ?? 200,
  checkpointMinIntervalMs: cfg.checkpointMinIntervalMs,
  onFatal(e) {
    console.error(`fatal: ${e.message}`);
    process.exit(70);
  },
  ownerId: cfg.ownerId ?? `${cfg.groupId}-${process.pid}`,
  workers: cfg.workers,
  pipelineBatches: cfg.pipelineBatches,
  batchesInFlight: cfg.batchesInFlight,
  groupCommit: cfg.groupCommit,
  localMessages: cfg.localMessages,
  eventTimeMerge: cfg.eventTimeMerge,
  eventTimeMaxHeldSources: cfg.eventTimeMaxHeldSources,
  actorsConfig,
  observer,
  log(line) {
    console.error(`[actorstream ${process.pid}] ${line}`);
    const joined = /^joined generation: (.*)$/.exec(line);
    if (joined) {
      joinedAtMs = Date.now();
      assignedShards = joined[1] === '(no shards)' ? 0 : joined[1]!.split(' ').length;
      acquired = 0;
    }
    if (line.startsWith('acquired ') && ++acquired === assignedShards) restoredAtMs = Date.now();
  },
});
emit({ event: 'ready', atMs: Date.now() });

const sql = postgres(cfg.databaseUrl!, { max: 1, onnotice: () => {} });
const kafka = new Kafka({ clientId: `${cfg.groupId}-bench-admin`, brokers: cfg.brokers, logLevel: logLevel.ERROR });
const admin = kafka.admin();
await admin.connect();
const timeout = deadline(cfg.timeoutMs, () => `${sourceApplied}/${cfg.expect} source records applied`);

if (cfg.mode === 'recover') {
  while (restoredAtMs === 0) await sleep(10);
  timeout.clear();
  const [row] = await sql`select count(*)::int as n from actor_states`;
  emit({
    event: 'done', records: 0, startedAtMs: processStartMs(), firstAtMs: joinedAtMs, processedAtMs: restoredAtMs, durableAtMs: restoredAtMs,
    latency: {}, extra: { joinedAtMs, restoredAtMs, shards: assignedShards, entities: row!.n },
  });
} else {
  let processedAtMs = 0;
  let calmSince = 0;
  for (;;) {
    if (sourceApplied >= cfg.expect) {
      processedAtMs ||= Date.now();
      const settled = await settledNow();
      if (settled && calmSince) break;
      calmSince = settled ? calmSince || Date.now() : 0;
    }
    await sleep(sourceApplied >= cfg.expect ? 50 : 100);
  }
  timeout.clear();
  // Opt-in, by hand: what the heap holds once the backlog is done (entities, not garbage) — before `done`, which ends the run.
  if (process.env.BENCH_HEAP) writeFileSync(process.env.BENCH_HEAP, JSON.stringify({ entitiesInMemory: processor.entitiesInMemory(), ...(await heapCensus()) }, null, 1));
  const entities = Object.fromEntries((await sql`select actor_type, count(*)::int as n from actor_states group by 1`).map((r) => [r.actor_type, r.n]));
  emit({
    event: 'done', records: sourceApplied, startedAtMs: processStartMs(), firstAtMs, processedAtMs, durableAtMs: calmSince,
    latency: { state: stateLatency.summary(), durable: durableLatency.summary() },
    extra: { totals: processor.totals(), outOfEventTimeOrder, checkpoints, entities, inboxRecords, appliedToDurable: appliedToDurable.summary(), messageToDurable: messageToDurable.summary() },
  });
}
await admin.disconnect().catch(() => {});
await sql.end({ timeout: 5 });
await untilStopped();
await processor.stop();
process.exit(0);

/** Every input offset (sources and inboxes) committed in Postgres up to Kafka's end, and the outbox empty. */
async function settledNow(): Promise<boolean> {
  // Whether any row is left, not how many: counting scans every live row, every 50 ms of a drain
  // (~9 ms of Postgres CPU each at a 300k backlog), which the peer is not charged.
  const [{ any }] = (await sql`select exists (select 1 from outbox) as any`) as unknown as [{ any: boolean }];
  if (any) return false;
  const stored = new Map<string, number>(
    (await sql`select topic, partition, next_offset from input_offsets`).map((r) => [`${r.topic}:${r.partition}`, Number(r.next_offset)]),
  );
  const existing = new Set(await admin.listTopics());
  for (const topic of inputs) {
    if (!existing.has(topic)) continue;
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (Number(o.high) > 0 && (stored.get(`${topic}:${o.partition}`) ?? 0) < Number(o.high)) return false;
    }
  }
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The client, counting the inbox records each fetched batch delivers (what Kafka sent, before the engine). */
function countingInboxFetches(client: LogClient): LogClient {
  return {
    ...client,
    async source(opts) {
      const source = await client.source(opts);
      return {
        ...source,
        run: (handlers, runOpts) =>
          source.run({ ...handlers, batch: (batch, control) => {
            if (!sources.has(batch.topic)) inboxRecords.fetched += batch.records.length;
            return handlers.batch(batch, control);
          } }, runOpts),
      };
    },
  };
}

