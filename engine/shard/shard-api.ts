import type { ActorDefinition } from '../../actors/actor.ts';
import type { AggregateTable, CellValue, Column } from '../../actors/projection.ts';
import type { Alert } from '../../schemas/index.ts';
import type { MergeOptions } from './merged-inputs.ts';
import type { ParkedInput, ParkedRow } from './parked.ts';
import type { SourceRecord } from './records.ts';
import type { PassivationPolicy } from './residency.ts';
import type { PendingTimer } from './timer-queue.ts';

/**
 * One shard: the actors of one type whose keys live on one partition. It consumes that partition
 * of the type's source topic and of its inbox topic, applies the pure handler, and accumulates
 * everything the next checkpoint must write. It does no I/O: the consumer feeds it records and
 * the checkpointer takes its delta, so the same code runs in a worker, a test, or a benchmark.
 */
export interface ShardOptions {
  actor: ActorDefinition<any>;
  partition: number;
  /** Prefix of inbox topics: `<app>.<actor>.inbox`. */
  app: string;
  /** Name of the actor type's source topic in this deployment (default: the contract's name). */
  sourceTopic?: string;
  /** Topic alerts are relayed to (default `alerts`). */
  alertsTopic?: string;
  restore?: ShardRestore;
  /** Wall clock used only to stamp `detectedAt` on alerts. */
  wallClock?: () => number;
  /** How far an event's `ts` may be ahead of its record's Kafka timestamp (default DEFAULT_MAX_FUTURE_MS). */
  maxFutureMs?: number;
  /**
   * Keep the records of the last two deltas (`inputsOfTakenDelta`). Off on the hot path; a shard
   * whose checkpoint Postgres refused is restored with it on, so the replay that fails again can
   * dead-letter the refused entities' inputs (engine/checkpointer.ts).
   */
  recordInputs?: boolean;
  /** Keep every applied source event for the processed-events table (`postgres.table`, opt-in). */
  keepProcessed?: boolean;
  /** Write a snapshot of every entity each checkpoint changes (ShardDelta.history): time travel. */
  keepHistory?: boolean;
  /** Keys of passivated entities remembered at most (see Residency); default DEFAULT_MAX_EVICTED_KEYS. */
  maxEvictedKeys?: number;
  /**
   * The passivation policy's `idleMs`, when the shard is passivated: its entities' use times may be
   * coarse from the start (Residency.touchResolutionMs), not only once something was evicted.
   */
  passivationIdleMs?: number;
  /**
   * The deployment's actor types: an inbox message must come from one of them, the one its
   * `x-origin` shard runs (it may be answered, and an answer to a type with no inbox topic could
   * never be relayed), and the actor may send only to them (else its entity is quarantined).
   * Absent (tests feeding records by hand): only the origin is checked.
   */
  actorTypes?: readonly string[];
  /** Merge this shard's inputs in event-time order (engine/shard/merged-inputs.ts); absent: arrival order. */
  merge?: MergeOptions;
  /** Actor types whose shards merge (a message to one carries its root key: engine/shard/merge-key.ts). */
  mergedReceivers?: readonly string[];
  /** How long an entity awaiting answers waits before what it holds is applied anyway (engine/shard/awaiting-holds.ts). */
  maxAwaitMs?: number;
  /**
   * Hold the inputs of entities awaiting answers (ActorDefinition.awaiting; default true). The
   * processor holds only when it merges in event time (ProcessorOptions.eventTimeMerge): that is
   * the mode that promises the driver's result, and holding costs a catch-up's throughput.
   */
  holdWhileAwaiting?: boolean;
}

export interface ShardRestore {
  /** A state comes parsed (`state`) or as JSON text (`stateJson`, parsed here: see ShardSnapshot). */
  states: ({ key: string; stateVersion: number; quarantine?: string | null; recentIds?: string | null; held?: string | null } & ({ state: unknown } | { stateJson: string }))[];
  /** Committed entities left in Postgres (a lazy restore): loaded on their next input, as passivated ones are. */
  stored?: readonly string[];
  /**
   * A lazy restore that did not wait for the keys either: any key not in memory may be stored, until
   * `storedKeys` hands them over (read in the background).
   */
  storedUnknown?: boolean;
  offsets: Map<string, number>;
  /** The running maximum of event time over the source partition up to its offset (merge-key.ts). */
  eventTimeMax?: number;
  inboxPositions: Map<string, number>;
  timers: PendingTimer[];
}

/** A snapshot of one entity as a checkpoint writes it for time travel (ShardDelta.history, engine/entity-history.ts). */
export interface HistoryRow extends CarriedState {
  actorType: string;
  key: string;
  partition: number;
  /** The latest event time the entity had been given. */
  at: number;
  stateVersion: number;
  quarantine: string | null;
  recentIds: string | null;
  /** What it holds while it awaits answers (engine/shard/awaiting-holds.ts), as stored; absent when nothing. */
  held?: string;
  /** Its pending timers. */
  timers: { key: string; dueAt: number; seq: number; timer: unknown }[];
  /** The shard's next offsets on its source and inbox partitions. */
  sourceOffset: number;
  inboxOffset: number;
  /** The shard's last applied sequence per origin shard. */
  inboxPositions: Record<string, number>;
  /**
   * Set when the entity was created by this checkpoint's inputs: where the shard stood when they
   * began, so a time before this first snapshot is rebuilt from the initial state.
   */
  created?: { sourceOffset: number; inboxOffset: number; inboxPositions: Record<string, number> };
}

/**
 * The state of a checkpoint row (DeltaStateRow, HistoryRow): the object (`state`), or, from a shard
 * worker, its JSON text (`stateJson`, engine/shard/postable-delta.ts), which is cheaper to post to
 * the store's thread than the object graph and is what the store writes anyway.
 */
export interface CarriedState {
  /** The state; absent when it travels as `stateJson`. */
  state?: unknown;
  /** The state as JSON text, when encoded where the shard runs (undefined: the state is not JSON, e.g. undefined). */
  stateJson?: string;
  /** Why the state could not be encoded as JSON there (a BigInt, a cycle): the store refuses the row with it. */
  unencodable?: string;
}

/** One entity's row in a checkpoint. */
export interface DeltaStateRow extends CarriedState {
  actorType: string;
  key: string;
  partition: number;
  stateVersion: number;
  /** The handler error that quarantined the entity; null or absent when healthy. */
  quarantine?: string | null;
  /** Its dedup window, as stored (engine/shard/recent-ids.ts); absent when empty. */
  recentIds?: string;
  /** The inputs it holds while awaiting answers, as stored (engine/shard/awaiting-holds.ts); absent when none. */
  held?: string;
}

/** What one checkpoint of this shard writes (the store adds shard id and epoch). */
export interface ShardDelta {
  /** `eventTimeMax`: on the source partition's entry, the running maximum of event time up to `nextOffset`. */
  offsets: { topic: string; partition: number; nextOffset: number; eventTimeMax?: number }[];
  states: DeltaStateRow[];
  /** `from`: the entity whose effect the row is (absent for dead letters, which come from a record). */
  outbox: { topic: string; key: string; value: string; headers?: Record<string, string>; from?: string }[];
  alerts: Alert[];
  /**
   * By index into `alerts`, the entity whose effect each alert is: an alert may be about another
   * entity (its `entityKey`), and checkpoint isolation must blame the one that raised it.
   */
  alertFrom?: string[];
  inboxPositions: { origin: string; lastSeq: number }[];
  timersAdded: { actorType: string; key: string; dueAt: number; seq: number; timer: unknown }[];
  timersRemoved: number[];
  /** How many of `outbox`'s rows are dead letters, per source topic and code (for metrics; absent: none). */
  deadLetters?: DeadLetterCount[];
  /** The actor type's read-model rows of the entities that changed (absent: no read model, or nothing to show). */
  readModel?: ReadModelRows;
  /** What the inputs since the last checkpoint added to the actor type's aggregates (absent: nothing). */
  aggregates?: AggregateRows[];
  /** The source events applied since the last checkpoint, as read (only with `keepProcessed`). */
  processed?: ProcessedEvent[];
  /** Inputs of quarantined entities, kept in Postgres until the entity is released (engine/shard/parked.ts). */
  parked?: ParkedInput[];
  /** Snapshots of the entities this checkpoint changed, when the shard keeps history (`keepHistory`). */
  history?: HistoryRow[];
  /** Released entities: their parked rows up to `throughSeq` were applied, and are deleted with this checkpoint. */
  released?: { actorType: string; key: string; throughSeq: number }[];
  /**
   * Outbox rows of other shards this shard received in memory and applied (or dropped as already
   * applied) since the last checkpoint: deleted with it (engine/local-delivery.ts).
   */
  consumedOutbox?: { origin: string; seq: number }[];
  /**
   * The shard's clock as of this delta, when it sends to shards that merge in event time: the root
   * key (merge-key.ts) below which it will send nothing more, or 'idle' when its source partition
   * was read to its end; one per merging type when they differ (engine/clock-set.ts). Published
   * by the relay once this delta's outbox rows went out.
   */
  clock?: string;
}

/** What releasing a quarantined entity did (Shard.release). */
export interface ReleaseResult {
  /** Parked inputs applied. */
  applied: number;
  /** Parked source events skipped because the entity had applied them already (a producer's retry). */
  duplicates: number;
  /** The entity's quarantine now: null when released, the new error when a parked input threw again (it and the rest stay parked). */
  quarantine: string | null;
}

/** One applied source event: its record's coordinates, what it is, and its JSON as decoded (validated, cleaned, upcast). */
export interface ProcessedEvent {
  topic: string;
  partition: number;
  offset: number;
  id: string;
  type: string;
  key: string;
  ts: number;
  json: string;
}

/** Rows of one read model table; each row's first value is the entity key. */
export interface ReadModelRows {
  table: string;
  columns: readonly Column[];
  rows: (readonly CellValue[])[];
}

/** Summed increments of one aggregate table; `key` (the entity they came from) only while a shard records its inputs. */
export interface AggregateRows {
  table: AggregateTable;
  rows: { minute: number; dims: readonly string[]; values: number[]; key?: string }[];
}

export interface DeadLetterCount {
  /** The topic the dead-lettered record was read from. */
  topic: string;
  code: string;
  count: number;
}

export interface ShardCounters {
  applied: number;
  deadLettered: number;
  duplicatesDropped: number;
  skippedBelowOffset: number;
  timersFired: number;
  /** Inputs given to an entity after one with a later event time (engine/shard/event-time-order.ts). */
  outOfEventTimeOrder: number;
  /** Origins a merging shard stopped waiting for because they were silent too long (engine/shard/merged-inputs.ts). */
  mergeWaitsTimedOut: number;
  /** Entities that waited too long for answers and had what they held applied anyway (engine/shard/awaiting-holds.ts). */
  awaitsTimedOut: number;
}

export interface Shard {
  readonly id: string;
  readonly counters: Readonly<ShardCounters>;
  /** The offset the shard expects next on a topic partition, if it has one stored. */
  nextOffset(topic: string, partition: number): number | undefined;
  /**
   * Applies records of one topic partition, in offset order, and returns how many it consumed: a
   * prefix of `records`. Inbox records stop early when they must wait for the source partition
   * (see `noteSourceEnd`); the caller fetches the rest again from `nextOffset`. Messages handed
   * over in memory have no offsets: there only the origin whose message must wait stops, from that
   * message on (`takeMemoryWaits`), and the caller offers those again. `receivedAt`: when the
   * records were received (wall-clock ms), which a source end must be as fresh as (InboxGate).
   */
  apply(records: readonly SourceRecord[], receivedAt?: number): number;
  /**
   * Tells the shard the end (high watermark) of its source partition as last seen by the consumer.
   * From then on an inbox record is applied only once the source partition is caught up to that
   * end or has already applied an event later than the message's event time. Without it (unit
   * tests, benchmarks feeding records by hand) records are applied in the order given. `seenAt`:
   * when that end was measured (wall-clock ms); omitted, it never goes stale.
   */
  noteSourceEnd(highWatermark: number, seenAt?: number): void;
  /** True when an apply since the last call waited on a source end older than its records (InboxGate.takeEndWanted). */
  takeEndWanted(): boolean;
  /** ApplyResult.memoryWaits of the last apply, once (undefined: every memory message it was given was consumed). */
  takeMemoryWaits(): number[] | undefined;
  /** Applies what entities awaiting answers hold once they have waited too long (engine/shard/awaiting-holds.ts). */
  releaseOverdueHolds(): void;
  /** Hands over everything accumulated since the previous call. */
  takeDelta(): ShardDelta;
  /** See ApplyResult.appliedTimestamps: only a shard that merges in event time, or holds inputs for answers, has them. */
  takeAppliedTimestamps?(): number[];
  /** Source events a shard that merges in event time holds now (ApplyResult.heldSources). */
  heldSources?(): number;
  /** True when there is something a checkpoint would write. */
  dirty(): boolean;
  /** Its promise to merging shards now (shard-clock.ts), as the next delta would carry it; undefined unless it sends to some. */
  clock(): string | undefined;
  /**
   * An entity's live state; `passivated` when it was evicted after a checkpoint (its committed row
   * in Postgres is then its current state); undefined when the shard has never seen the key.
   */
  query(key: string): { state: unknown; quarantine: string | null } | 'passivated' | undefined;
  /** Entities in memory. */
  size(): number;
  /** See Residency.oldestUse. */
  oldestUse(): number | undefined;
  /**
   * Fires every timer due before event time `ts` (or at it, when `inclusive`), as inputs later than
   * it would. Live, timers fire as inputs move event time; a time-travel rebuild
   * (engine/entity-history.ts) moves it to the time asked.
   */
  advanceTimers(ts: number, inclusive: boolean): void;
  /**
   * Keys of `records` whose state was passivated: the caller must `rehydrate` them (from their
   * committed rows) before `apply`, or the actor would start them from their initial state.
   */
  missingKeys(records: readonly SourceRecord[]): string[];
  /** The shard's committed keys after a `storedUnknown` restore (see Residency.storedKeys). */
  storedKeys(keys: readonly string[]): void;
  /** Puts passivated entities back; keys without a row start from their initial state. */
  rehydrate(rows: readonly StoredRow[], keys: readonly string[]): void;
  /**
   * Evicts idle entities whose latest state is committed. Call only right after a successful
   * commit of this shard's delta: keys changed since `takeDelta` are dirty again and stay.
   */
  passivate(policy: PassivationPolicy, now: number): number;
  /** Tells the shard the wall-clock time of the batch being applied (for idleness). */
  setNow(now: number): void;
  /**
   * The records applied to `keys` that the last `takeDelta` accounted for, to dead-letter them when
   * Postgres refuses those entities' rows of that delta (see engine/checkpoint-isolation.ts).
   */
  inputsOfTakenDelta(keys: readonly string[]): SourceRecord[];
  /**
   * Lifts `key`'s quarantine and applies its parked inputs in order: `committed` (the rows in
   * Postgres, read right after this shard's last commit) and then those parked since, still in the
   * pending delta. Stops at an input that throws again. `stored`: the entity's committed row, to
   * put a passivated entity back or to migrate again a state whose migration failed.
   */
  release(key: string, committed: readonly ParkedRow[], stored: StoredRow | undefined): ReleaseResult;
}

/** An entity's committed row, as `rehydrate` and `release` take it. */
export interface StoredRow {
  key: string;
  stateVersion: number;
  state: unknown;
  quarantine: string | null;
  recentIds?: string;
  held?: string;
}
