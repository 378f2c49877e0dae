import { availableParallelism } from 'node:os';
import type { ActorDefinition } from '../actors/actor.ts';
import { buildActors, type ActorsConfig } from '../actors/registry.ts';
import type { LogClient } from './log-client.ts';
import type { TopicNames } from './topic-names.ts';
import type { ProcessorObserver } from './observer.ts';
import type { PassivationPolicy } from './shard/residency.ts';

/** Configuration of one processor instance (one member of the consumer group). */
export interface ProcessorOptions {
  /** The log, through the engine's ports (adapters/kafkajs/ for a cluster, adapters/embedded/ in memory). */
  client: LogClient;
  databaseUrl: string;
  app: string;
  groupId: string;
  /**
   * Actor types as plain configuration: shard workers rebuild the actors from it (functions do
   * not cross a worker boundary). Default: the registry's actors with default thresholds.
   */
  actorsConfig?: ActorsConfig;
  /**
   * Actor definitions to run. With workers they must be the registry's types (actors/registry.ts),
   * built from `actorsConfig`; any other definition needs `workers: 0` (shards on this thread).
   */
  actors?: readonly ActorDefinition<any>[];
  /** Topic names of this deployment (default: the contract's). */
  topics?: TopicNames;
  /** Partitions of source topics created by this processor (existing topics keep theirs). */
  partitions: number;
  /** The longest from one checkpoint pass's start to the next's (engine/checkpoint-schedule.ts). */
  checkpointIntervalMs: number;
  /**
   * The shortest from one checkpoint pass's start to the next's: passes run this often while they
   * are cheap (each waits as long as the previous took) and something was applied. Default: a
   * quarter of `checkpointIntervalMs`; equal to it, passes run on a fixed timer.
   */
  checkpointMinIntervalMs?: number;
  /** Unique per process; recorded as the shard owner. */
  ownerId: string;
  /** Where other instances reach this one's HTTP API (recorded with every shard it owns). */
  httpAddress?: string;
  /** Shard worker threads; 0 runs shards on the consumer's thread. Default: cores − 1, 1 to 4. */
  workers?: number;
  /** When idle entities leave memory (default: idle 10 min, or beyond 500k per shard). */
  passivation?: PassivationPolicy;
  /**
   * A shard with more committed entities than this is restored lazily: only its keys and the
   * entities with a pending timer are loaded, every other state on its next input (default
   * PROCESSOR_DEFAULTS.lazyRestoreAbove). Taking over a large shard then costs a key scan, not a
   * read and parse of every state; the first batches pay a lookup per batch instead.
   */
  lazyRestoreAbove?: number;
  /**
   * Backpressure: a shard holding more applied-but-uncommitted records than this stops fetching
   * (its partitions are paused) until a checkpoint commits them. Default 100 000.
   */
  maxUncommittedRecords?: number;
  /**
   * Apply a partition's fetched batch while the client fetches its next one, instead of fetching
   * only once the batch is applied (engine/intake-lanes.ts). Default PROCESSOR_DEFAULTS.pipelineBatches.
   */
  pipelineBatches?: boolean;
  /**
   * Fetched batches (one per partition at most) handed to the shards at once. The client fetches
   * again only once every batch of its last fetch is applied, so with a few in flight a fetch of
   * ~40 partitions went through the worker two batches at a time. Default PROCESSOR_DEFAULTS.batchesInFlight.
   */
  batchesInFlight?: number;
  /**
   * Commit the dirty shards of a checkpoint pass in group transactions of ~8 shards (one statement
   * per table for a group) instead of one transaction per shard (engine/checkpoint-group.ts).
   * Default PROCESSOR_DEFAULTS.groupCommit (on); off, each shard commits in its own transaction.
   */
  groupCommit?: boolean;
  /**
   * Hand actor → actor messages between shards of this process over in memory after the origin's
   * commit, instead of through Kafka (engine/local-delivery.ts; why exactly-once holds:
   * docs/local-messages.md). Default: on. Messages handed over are not in the inbox topics: an
   * alert's "why" then finds the events on the senders' source topics, without the message that
   * carried them (engine/alert-causes.ts). Actor types in `historyActors`, and with
   * `eventTimeMerge` the types that merge, always get theirs through Kafka (their history is keyed
   * by inbox offsets; the clocks a merge waits for travel through the inbox topics, behind the
   * messages they cover).
   */
  localMessages?: boolean;
  /**
   * Actor types that declare `eventTimeSenders` (sku, user, sku_affinity) get their source events and
   * those senders' messages in event-time order, as the test driver gives them, whatever order a
   * backlog is read in (engine/shard/merged-inputs.ts, docs/determinism.md). With `localMessages`,
   * only messages to the other types are handed over in memory.
   */
  eventTimeMerge?: boolean;
  /** How long a merging shard waits for a silent origin before taking it as idle (default: outlasts a fail-over, engine/merge-wait.ts; 30 s at the default session timeout). */
  eventTimeMaxWaitMs?: number;
  /** Source events a merging shard may hold before its source partition pauses (default MAX_HELD_SOURCES, 5,000). */
  eventTimeMaxHeldSources?: number;
  /**
   * How far an event's `ts` may be ahead of its record's Kafka timestamp before the record is
   * dead-lettered (FUTURE_TIMESTAMP). Default DEFAULT_MAX_FUTURE_MS (5 min).
   */
  maxFutureMs?: number;
  /**
   * Also write every applied source event, as validated, to this table in the checkpoint transaction
   * (pipeline.yaml `postgres.table`; opt-in: it costs a row per event, see docs/analytics.md).
   */
  processedEventsTable?: string;
  /**
   * Actor types whose checkpoints also write a snapshot of each entity that changed, so its state at
   * a past event time can be rebuilt (engine/entity-history.ts; opt-in: a second row per changed
   * entity per checkpoint). Default none.
   */
  historyActors?: readonly string[];
  /** Most bytes one fetched batch of a partition holds (the client's default otherwise: 1 MiB for kafkajs). */
  fetchMaxBytesPerPartition?: number;
  /**
   * Consumer-group session timeout: how long the broker waits for a silent member (a SIGKILLed
   * instance) before it hands that member's shards to the others. Default 10 s. Shorter means faster
   * fail-over; the broker refuses values below its `group.min.session.timeout.ms` (6 s by default),
   * and a member that cannot heartbeat for this long (a long GC or Postgres stall) loses its shards.
   */
  sessionTimeoutMs?: number;
  /** How often the member heartbeats; below the session timeout (default 1 s; instance/config.ts uses a third of a shorter session). */
  heartbeatIntervalMs?: number;
  /** Postgres connections of this instance (default 6: up to 5 shard checkpoints at once; PGlite needs 1). */
  postgresPoolSize?: number;
  observer?: ProcessorObserver;
  log?: (line: string) => void;
  /**
   * A shard worker died, so uncommitted state is gone: the caller decides (an instance exits and
   * restarts from its checkpoints; a test throws). The engine never exits the process itself.
   */
  onFatal: (error: Error) => void;
}

/** The engine's defaults, in one place (instance/config.ts documents and overrides them). */
export const PROCESSOR_DEFAULTS = {
  passivation: { idleMs: 10 * 60_000, maxEntities: 500_000 } as PassivationPolicy,
  /** Below this a restore reads every state at once: a shard that small loads in well under a second. */
  lazyRestoreAbove: 50_000,
  maxUncommittedRecords: 100_000,
  pipelineBatches: false,
  /**
   * Every batch of a fetch at once, for up to 64 partitions per instance (one idle loop each in the
   * client). Measured against twice the shard threads (bench/README "Batches in flight"): backlog
   * +10–15%, event→state p50 2–3× lower.
   */
  batchesInFlight: 64,
  /**
   * On since 2026-12-05: with one-round-trip commits and the adaptive schedule it halves
   * event→durable p99 at 2,000–4,000 events/s and costs Postgres a third less CPU, with backlog
   * throughput no lower (bench/README "Checkpoints as often as they are cheap").
   */
  groupCommit: true,
  /**
   * On since 2026-12-05: backlog +15% (median of 5) with 17% less processor CPU per event
   * (bench/README "Local messages by default").
   */
  localMessages: true,
  /** 6: up to 5 shard checkpoints at once plus one for acquisitions, rehydration and queries. */
  postgresPoolSize: 6,
  /**
   * Failure detection of the consumer group; must lie within the broker's group.min.session.timeout.ms
   * (6 s by default) and group.max.session.timeout.ms. 10 s leaves room for stalls on a loaded host.
   */
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
} as const;

/** Whether messages between shards of the process are handed over in memory (ProcessorOptions.localMessages). */
export function localMessagesOn(opts: Pick<ProcessorOptions, 'localMessages'>): boolean {
  return opts.localMessages ?? PROCESSOR_DEFAULTS.localMessages;
}

/**
 * Whether messages to shards of actor type `type` held here may be handed over in memory (with
 * local messages on). Not to types that keep a state history, which is rebuilt from (and keyed by)
 * inbox offsets; nor to types that merge in event time: the clock records they wait for go through
 * their inbox topics, and a clock must reach a receiver behind the messages it covers. On one path
 * the relay keeps that: one relay at a time, one producer, a clock sent only after the rows it
 * covers were acknowledged (none for an origin whose rows it left pending), and the heartbeat
 * repeats only clocks so sent (engine/outbox-relay.ts, clock-heartbeat.ts). A clock in Kafka
 * beside messages in memory could be read before them. Their senders' other messages (the SKUs'
 * answers to orders) still go in memory.
 */
export function receivesInMemory(type: string, kept: { historyTypes: ReadonlySet<string>; mergingTypes: ReadonlySet<string> }): boolean {
  return !kept.historyTypes.has(type) && !kept.mergingTypes.has(type);
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** The actor definitions the processor runs, checked against what its workers will build. */
export function resolveActors(opts: ProcessorOptions, workers: number): ActorDefinition<any>[] {
  const registry = buildActors(opts.actorsConfig);
  if (!opts.actors) return registry;
  if (workers > 0) {
    for (const a of opts.actors) {
      const r = registry.find((x) => x.type === a.type);
      if (!r || r.stateVersion !== a.stateVersion) {
        throw new Error(`actor type '${a.type}' is not in the registry (actors/registry.ts); shard workers cannot run it — set workers: 0`);
      }
    }
  }
  return [...opts.actors];
}
