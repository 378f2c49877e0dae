import type { ActorDefinition, ActorInput } from '../../actors/actor.ts';
import { AwaitingHolds } from './awaiting-holds.ts';
import { EventTimeOrder } from './event-time-order.ts';
import { RecentIds } from './recent-ids.ts';
import { Residency, type PassivationPolicy } from './residency.ts';
import type { Shard, ShardDelta, ShardRestore } from './shard-api.ts';
import type { SourceRecord } from './records.ts';
import { thrownMessage } from '../../actors/transition-checks.ts';

/** A stored entity row as a checkpoint restores it or a rehydration reads it back. */
export type StoredEntity = ShardRestore['states'][number];

/**
 * The entities of one shard held in memory: each one's state, its quarantine reason (if any), its
 * window of recent source-event ids, and whether it is resident or passivated. The maps are
 * public so the per-record path reads them directly, with no lookup beyond the original ones.
 */
export class EntityTable {
  readonly states = new Map<string, unknown>();
  /** The handler error that quarantined a key; absent when healthy. */
  readonly quarantine = new Map<string, string>();
  readonly recentIds = new RecentIds();
  readonly eventTimeOrder = new EventTimeOrder();
  /** Inputs held for entities awaiting answers (awaiting-holds.ts); such entities stay in memory. */
  readonly holds: AwaitingHolds;
  readonly residency: Residency;

  constructor(
    private readonly actor: ActorDefinition<any>,
    /** The wall-clock time of the batch being applied (for idleness). */
    public now: number,
    maxEvictedKeys?: number,
    /** Hold what entities awaiting answers are given (ShardOptions.holdWhileAwaiting). */
    holdWhileAwaiting = true,
    /** ShardOptions.passivationIdleMs. */
    passivationIdleMs?: number,
  ) {
    this.residency = new Residency(maxEvictedKeys, passivationIdleMs);
    // Total: the hook is the actor's code, called on paths outside any handler's try (holding an
    // input, settling notices); applyInput has already quarantined an entity whose new state it
    // throws on, so a throw here is a state from before (restored, migrated, initial): not awaiting.
    const awaiting = holdWhileAwaiting && actor.awaiting ? (state: unknown) => awaitingOrFalse(actor, state) : undefined;
    const ahead = actor.aheadOfNotices ? (state: unknown, input: ActorInput) => actor.aheadOfNotices!(state, input) : undefined;
    this.holds = new AwaitingHolds(awaiting, actor.heldInOrder, ahead);
  }

  /** Puts a stored row in memory, migrating its state to the actor's current version. */
  restore(s: StoredEntity): void {
    const { actor } = this;
    const stored = 'stateJson' in s ? JSON.parse(s.stateJson) : s.state;
    if (s.quarantine) this.quarantine.set(s.key, s.quarantine);
    this.recentIds.restore(s.key, s.recentIds);
    this.holds.restore(s.key, s.held, this.now);
    if (s.stateVersion === actor.stateVersion) this.states.set(s.key, stored);
    else {
      try {
        this.states.set(s.key, actor.migrate(stored, s.stateVersion));
      } catch (e) {
        // One unmigratable row must not keep the whole shard from loading: that entity is
        // quarantined (its inputs go to the DLQ) and its stored row is left untouched, since it is
        // never marked dirty, until a fixed migration loads it.
        this.states.set(s.key, stored);
        this.quarantine.set(s.key, unmigratableReason(s.stateVersion, actor.stateVersion, e));
      }
    }
    this.residency.touch(s.key, this.now);
  }

  /** The checkpoint row of `key` as it is now. */
  row(key: string, partition: number): ShardDelta['states'][number] {
    const { actor } = this;
    const row: ShardDelta['states'][number] = { actorType: actor.type, key, partition, stateVersion: actor.stateVersion, state: this.states.get(key), quarantine: this.quarantine.get(key) ?? null };
    const window = this.recentIds.saved(key);
    if (window) row.recentIds = window;
    const held = this.holds.saved(key);
    if (held) row.held = held;
    return row;
  }

  query(key: string): ReturnType<Shard['query']> {
    if (this.states.has(key)) return { state: this.states.get(key), quarantine: this.quarantine.get(key) ?? null };
    return this.residency.mayBeStored(key) ? 'passivated' : undefined;
  }

  /**
   * Keys out of memory that applying `records` may touch: their own keys, and the keys of timers
   * that could fire before them (`timersDueBy` visits the key of each timer due by a time). A
   * record moves timers at most to its Kafka timestamp (shard-inputs.ts timerHorizon), so the
   * batch's latest timestamp bounds what fires; a record without one (fed by hand) bounds nothing.
   */
  missingKeys(records: readonly SourceRecord[], timersDueBy: (limit: number, visit: (key: string) => void) => void): string[] {
    const { residency, states } = this;
    if (residency.evicted.size === 0 && !residency.unknownMayBeStored) return [];
    const keys = new Set<string>();
    const missing = (key: string) => {
      if (!states.has(key) && residency.mayBeStored(key)) keys.add(key);
    };
    let horizon = -Infinity;
    for (const r of records) {
      if (r.key !== null) missing(r.key);
      horizon = Math.max(horizon, r.timestamp ?? Infinity);
    }
    if (records.length > 0) timersDueBy(horizon, missing);
    return [...keys];
  }

  rehydrate(rows: readonly StoredEntity[], keys: readonly string[]): void {
    const { residency, states } = this;
    // Only keys still out of memory: one already put back (by a concurrent batch of the same
    // shard) may have moved on since, and its committed row would take it back in time.
    for (const row of rows) if (!states.has(row.key) && residency.mayBeStored(row.key)) this.restore(row);
    const found = new Set(rows.map((r) => r.key));
    for (const key of keys) {
      if (residency.evicted.has(key)) residency.rehydrated(key, this.now);
      // Looked up while any key may be stored (a lazy restore, or evicted keys forgotten) and not
      // in Postgres: a new entity, not looked up again.
      else if (residency.unknownMayBeStored && !found.has(key)) residency.lookedUpNew(key);
    }
  }

  /** See Residency.storedKeys. */
  storedKeys(keys: readonly string[]): void {
    this.residency.storedKeys(keys, (key) => this.states.has(key));
  }

  /** Evicts idle entities for which `keep` is false; returns how many. */
  passivate(policy: PassivationPolicy, at: number, keep: (key: string) => boolean): number {
    const gone = this.residency.evict(policy, at, keep);
    for (const key of gone) {
      this.states.delete(key);
      this.quarantine.delete(key);
      this.recentIds.delete(key);
      this.eventTimeOrder.forget(key);
      this.holds.notices.forget(key); // only notices given up on or settled early (open ones pin): its row has them
    }
    return gone.length;
  }
}

function awaitingOrFalse(actor: ActorDefinition<unknown>, state: unknown): boolean {
  try {
    return !!actor.awaiting!(state);
  } catch {
    return false;
  }
}

/** The quarantine reason of a stored state its actor's `migrate` throws on. */
export function unmigratableReason(from: number, to: number, e: unknown): string {
  return `state v${from} could not be migrated to v${to}: ${thrownMessage(e)}`;
}
