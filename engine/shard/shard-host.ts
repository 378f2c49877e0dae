import type { ActorDefinition } from '../../actors/actor.ts';
import type { ActorsConfig } from '../../actors/registry.ts';
import type { PassivationPolicy } from './residency.ts';
import { unpackBatch, type RecordBatch } from './record-batch.ts';
import type { SourceRecord } from './records.ts';
import type { MergeOptions } from './merged-inputs.ts';
import { createShard, type Shard, type ShardCounters, type ShardDelta, type ShardRestore } from './shard.ts';
import type { ParkedRow } from './parked.ts';
import type { ReleaseResult, StoredRow } from './shard-api.ts';
import { postableDelta } from './postable-delta.ts';

/**
 * The shards living in one thread, addressed by id. In a worker it is exposed with comlink (see
 * shard-worker.ts) and every call is one message: a whole batch per `apply`, never one record.
 * The same object runs inline (workers: 0) for tests and benchmarks. It does no I/O: entities it
 * needs back from Postgres are named in `needs` and handed in with `rehydrate`.
 */
export interface ShardSpec {
  actorType: string;
  partition: number;
  app: string;
  sourceTopic: string;
  alertsTopic: string;
  actors: ActorsConfig;
  /** How far an event's `ts` may be ahead of its record's Kafka timestamp (default DEFAULT_MAX_FUTURE_MS). */
  maxFutureMs?: number;
  /** See ShardOptions.recordInputs. */
  recordInputs?: boolean;
  /** See ShardOptions.keepProcessed. */
  keepProcessed?: boolean;
  /** See ShardOptions.actorTypes. */
  actorTypes?: string[];
  /** See ShardOptions.keepHistory. */
  keepHistory?: boolean;
  /** See ShardOptions.maxEvictedKeys. */
  maxEvictedKeys?: number;
  /** See ShardOptions.passivationIdleMs. */
  passivationIdleMs?: number;
  /** See ShardOptions.merge. */
  merge?: MergeOptions;
  /** See ShardOptions.mergedReceivers. */
  mergedReceivers?: readonly string[];
  /** See ShardOptions.holdWhileAwaiting. */
  holdWhileAwaiting?: boolean;
}

/** A shard's entities in memory: how many, and when the least recently used of them was last used (absent: none is). */
export interface Resident {
  size: number;
  oldestUseAt?: number;
}

export interface ApplyResult extends Resident {
  /** Records consumed (a prefix of the batch, but see `memoryWaits`); 0 with `needs` while passivated keys are missing. */
  consumed: number;
  /** Passivated keys to load and `rehydrate` ; nothing of the batch was applied: send it again. */
  needs?: string[];
  /** Cumulative counters of the shard after the call. */
  counters: ShardCounters;
  /**
   * A shard that merges in event time, or holds inputs of entities awaiting answers, takes records
   * before it applies some of them: the Kafka timestamps of the source events it applied in this call
   * (held ones from earlier calls included, whatever topic this batch was), for event→state and
   * event→durable. Absent: the consumed records are the ones applied.
   */
  appliedTimestamps?: number[];
  /** The source events such a shard holds after this call (engine/intake-merge-pause.ts). */
  heldSources?: number;
  /** Inbox records wait on a source end older than they are: measure the end again (engine/source-ends.ts). */
  endWanted?: true;
  /**
   * A batch of messages handed over in memory: per origin whose message had to wait, that message's
   * index in the batch. It and the origin's later messages in the batch were not consumed; every
   * other message was (engine/memory-taken.ts).
   */
  memoryWaits?: number[];
}

export type QueryAnswer = { state: unknown; quarantine: string | null } | 'passivated' | undefined;

/** An entity's committed row (its dedup window as stored JSON text). */
export type StateRow = StoredRow;

export interface ShardHostApi {
  /** Opens a shard; resolves to its entity count once its actor (and the modules it needs) is ready. */
  open(spec: ShardSpec, restore: ShardRestore): Promise<number>;
  /**
   * Applies a batch. `sourceEnd`: the source partition's high watermark when the batch is from the
   * source topic (see Shard.noteSourceEnd); `now`: wall-clock ms, for passivation; `receivedAt`:
   * when the batch was received (wall-clock ms), the time its high watermark is as of.
   */
  apply(id: string, batch: RecordBatch, ctx: { now: number; sourceEnd?: number; receivedAt?: number }): ApplyResult;
  /**
   * Puts back passivated entities from their committed rows (`keys` without a row start from their
   * initial state). Nothing is parked between calls: source and inbox batches of one shard run
   * concurrently, so the caller applies its batch again afterwards.
   */
  rehydrate(id: string, rows: StateRow[], keys: string[], now: number): void;
  /** `seenAt`: when the end was measured (wall-clock ms). */
  noteSourceEnd(id: string, highWatermark: number, seenAt: number): void;
  /** See Shard.clock. */
  clock(id: string): string | undefined;
  /** See Shard.storedKeys; nothing when the shard is no longer open here. */
  storedKeys(id: string, keys: string[]): void;
  /** What the next checkpoint writes, or null when the shard is clean. */
  takeDelta(id: string): ShardDelta | null;
  /**
   * Evicts idle entities after a successful commit; returns what is in memory then, as an apply
   * reports it (undefined when the shard is not open here).
   */
  passivate(id: string, policy: PassivationPolicy, now: number): Resident | undefined;
  query(id: string, key: string): QueryAnswer;
  /** See Shard.inputsOfTakenDelta: the records to dead-letter for entities whose rows Postgres refused. */
  inputsOfTakenDelta(id: string, keys: string[]): SourceRecord[];
  /** See Shard.release; undefined when the shard is not open here. */
  release(id: string, key: string, committed: ParkedRow[], stored: StateRow | undefined, now: number): ReleaseResult | undefined;
  /** Drops a shard (retired or fenced); returns its final counters. */
  close(id: string): ShardCounters | undefined;
}

/** Its entities in memory (Resident), for passivation (engine/shard/residency.ts mayEvict). */
function resident(s: Shard): Resident {
  const oldestUseAt = s.oldestUse();
  return oldestUseAt === undefined ? { size: s.size() } : { size: s.size(), oldestUseAt };
}

/** What an apply reports, taking from the shard what it reports once (applied timestamps, the wish for an end). */
function result(s: Shard, consumed: number): ApplyResult {
  const appliedTimestamps = s.takeAppliedTimestamps?.();
  const r: ApplyResult = { consumed, counters: { ...s.counters }, ...resident(s) };
  if (appliedTimestamps) r.appliedTimestamps = appliedTimestamps;
  if (s.heldSources) r.heldSources = s.heldSources();
  if (s.takeEndWanted()) r.endWanted = true;
  const memoryWaits = s.takeMemoryWaits();
  if (memoryWaits) r.memoryWaits = memoryWaits;
  return r;
}

/**
 * Applies a batch, unless entities it needs are passivated: then nothing is applied and the
 * result names them. That result takes nothing from the shard: the caller rehydrates and applies
 * the batch again, and only that apply's result is kept, so what is reported once (timestamps
 * applied meanwhile, e.g. held inputs released at a checkpoint; a wish for a fresher source end)
 * waits for it.
 */
export function applyRecords(s: Shard, records: SourceRecord[], receivedAt: number | undefined): ApplyResult {
  const needs = s.missingKeys(records);
  if (needs.length > 0) return { consumed: 0, counters: { ...s.counters }, size: s.size(), needs };
  return result(s, s.apply(records, receivedAt));
}

export interface ShardHostOptions {
  /**
   * Deltas are made postable (engine/shard/postable-delta.ts: states as JSON text, alerts and timers
   * as plain data): for a host in a worker, whose deltas are posted to the store's thread. Inline,
   * the objects go to the store as they are.
   */
  postable?: boolean;
}

/**
 * `resolveActor` turns a type and configuration into its definition (the registry in a worker);
 * `prepare` readies what it needs first (a worker imports the configured actor modules).
 */
export function createShardHost(
  resolveActor: (type: string, config: ActorsConfig) => ActorDefinition<any>,
  prepare: (config: ActorsConfig) => Promise<void> = async () => {},
  opts: ShardHostOptions = {},
): ShardHostApi {
  const shards = new Map<string, Shard>();

  const shardOf = (id: string): Shard => {
    const s = shards.get(id);
    if (!s) throw new Error(`shard ${id} is not open in this host`);
    return s;
  };
  return {
    async open(spec, restore) {
      await prepare(spec.actors);
      const actor = resolveActor(spec.actorType, spec.actors);
      const shard = createShard({ actor, partition: spec.partition, app: spec.app, sourceTopic: spec.sourceTopic, alertsTopic: spec.alertsTopic, restore, maxFutureMs: spec.maxFutureMs, recordInputs: spec.recordInputs, keepProcessed: spec.keepProcessed, actorTypes: spec.actorTypes, keepHistory: spec.keepHistory, maxEvictedKeys: spec.maxEvictedKeys, passivationIdleMs: spec.passivationIdleMs, merge: spec.merge, mergedReceivers: spec.mergedReceivers, holdWhileAwaiting: spec.holdWhileAwaiting });
      shards.set(shard.id, shard);
      return shard.size();
    },
    apply(id, batch, { now, sourceEnd, receivedAt }) {
      const s = shardOf(id);
      s.setNow(now);
      if (sourceEnd !== undefined) s.noteSourceEnd(sourceEnd, receivedAt);
      return applyRecords(s, unpackBatch(batch), receivedAt);
    },
    rehydrate(id, rows, keys, now) {
      const s = shardOf(id);
      s.setNow(now);
      s.rehydrate(rows, keys);
    },
    noteSourceEnd: (id, hw, seenAt) => shardOf(id).noteSourceEnd(hw, seenAt),
    clock: (id) => shardOf(id).clock(),
    storedKeys: (id, keys) => shards.get(id)?.storedKeys(keys),
    takeDelta(id) {
      const s = shardOf(id);
      // Every checkpoint pass comes here, batches or not: a wait for answers that never come ends
      // even on a shard with nothing else to do.
      s.releaseOverdueHolds();
      if (!s.dirty()) return null;
      return opts.postable ? postableDelta(s.takeDelta()) : s.takeDelta();
    },
    passivate(id, policy, now) {
      const s = shards.get(id);
      s?.passivate(policy, now);
      return s && resident(s);
    },
    query: (id, key) => shards.get(id)?.query(key),
    inputsOfTakenDelta: (id, keys) => shardOf(id).inputsOfTakenDelta(keys),
    release(id, key, committed, stored, now) {
      const s = shards.get(id);
      s?.setNow(now);
      return s?.release(key, committed, stored);
    },
    close(id) {
      const s = shards.get(id);
      shards.delete(id);
      return s ? { ...s.counters } : undefined;
    },
  };
}

