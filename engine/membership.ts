import { parseShardId } from './shard-id.ts';
import type { ActorDefinition } from '../actors/actor.ts';
import type { Owned } from './owned-shard.ts';
import type { ShardCounters } from './shard/shard.ts';

/**
 * Which shards this processor holds, and the order in which they change hands. It owns the
 * sequencing that keeps fencing correct across rebalances; the I/O (epochs, restore, seeking,
 * closing) is done by the functions it is given, so the sequencing is unit-tested with fakes.
 *
 * Every join (an eager rebalance) commits what is held, drops the shards it no longer has, keeps
 * those assigned again whose epoch is still current in Postgres (nobody acquired them meanwhile,
 * so memory and the offsets of truth still belong together: they continue from where they are,
 * without a restore), and acquires the rest with fresh epochs. A member that was a zombie finds
 * its epochs taken and restores; one that misses a take-over is fenced at its next checkpoint.
 * Joins are applied one after another; a join superseded by a newer one acquires nothing, since
 * another member may hold its shards in the newer generation, and taking one would fence it.
 */
export interface Membership {
  /** A new generation assigned these shards (called synchronously from the group's join event). */
  join(shards: readonly string[]): void;
  /** The held shard `id`, acquiring it when it is assigned but not held (e.g. after a failed checkpoint). */
  ownedShard(id: string): Promise<Owned | undefined>;
  /** Stops holding `id` (its memory is dropped; Postgres keeps what was committed). */
  retire(id: string): Promise<void>;
  /** Forgets `id` until the next join: it was fenced, so it is someone else's in this generation. */
  dropAssignment(id: string): void;
  held(id: string): Owned | undefined;
  heldShards(): [string, Owned][];
  readiness(): { ready: boolean; assigned: number; owned: number; loading: number };
  /** Counters of every shard held before and retired since, summed. */
  retiredTotals(): Readonly<Totals>;
  /** Resolves once the joins received so far are applied. */
  settled(): Promise<void>;
  /** From now on no shard is acquired (stop() of the processor). */
  stop(): void;
}

export type Totals = Pick<ShardCounters, 'applied' | 'deadLettered' | 'duplicatesDropped' | 'skippedBelowOffset' | 'outOfEventTimeOrder' | 'mergeWaitsTimedOut' | 'awaitsTimedOut'>;

/** Adds a shard's counters to `into`, every field of Totals: a counter added there is summed everywhere. */
export function addTotals(into: Totals, counters: Readonly<Totals>): void {
  for (const k of Object.keys(into) as (keyof Totals)[]) into[k] += counters[k];
}

export interface MembershipDeps {
  /** The actor definition of an actor type (a shard id is `<type>/<partition>`). */
  actorOf(type: string): ActorDefinition<any> | undefined;
  /** Commits every held shard: runs before a rebalance drops them. */
  checkpoint(): Promise<void>;
  /** Bumps the shard's epoch in Postgres and restores it into a worker. Nothing fetches yet. */
  load(id: string, actor: ActorDefinition<any>, partition: number): Promise<Owned>;
  /** Undoes a load whose shard stopped being ours while it loaded. */
  discard(o: Owned): Promise<void>;
  /** Makes a loaded shard fetch from its offsets of truth. */
  start(o: Owned): void;
  /**
   * A held shard assigned again by a new generation: true when it may continue as it is (its epoch
   * is still the current one), after being set to fetch from where it is; false to restore it.
   */
  keep(o: Owned): Promise<boolean>;
  /** Closes a held shard; resolves to its final counters. */
  close(o: Owned): Promise<ShardCounters>;
  log(line: string): void;
}

export function createMembership(deps: MembershipDeps): Membership {
  const assigned = new Set<string>();
  const owned = new Map<string, Owned>();
  const loading = new Map<string, Promise<Owned | undefined>>();
  const retired: Totals = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, outOfEventTimeOrder: 0, mergeWaitsTimedOut: 0, awaitsTimedOut: 0 };
  let stopped = false;
  let joined = false;
  /** Bumped synchronously on every join: an acquisition begun for an older join must not bump the epoch. */
  let joinSeq = 0;
  /** The join whose assignment `assigned` holds. */
  let assignedSeq = 0;
  let rebalance: Promise<void> = Promise.resolve();

  async function retire(id: string): Promise<void> {
    const o = owned.get(id);
    if (!o) return;
    owned.delete(id);
    const final = await deps.close(o);
    addTotals(retired, final);
  }

  async function acquire(id: string, assignedAt: number): Promise<Owned | undefined> {
    if (stopped) return undefined; // a join that lands during stop(): do not take (and fence) shards we will not run
    // Acquisitions of one join run one after another; if a newer join arrived meanwhile, another
    // member may already hold this shard in that generation: taking it now would fence the rightful
    // owner (which then drops it until the next rebalance). The newer join re-acquires if it is ours.
    if (assignedAt !== joinSeq) return undefined;
    const { actorType, partition } = parseShardId(id) ?? { actorType: id, partition: NaN };
    const actor = deps.actorOf(actorType);
    if (!actor) throw new Error(`no actor type '${actorType}' for shard ${id}`);
    const o = await deps.load(id, actor, partition);
    if (stopped || !assigned.has(id)) {
      // stop() began, or a newer generation took the shard: the consumer may no longer seek.
      await deps.discard(o);
      return undefined;
    }
    deps.start(o);
    owned.set(id, o);
    return o;
  }

  function ownedShard(id: string): Promise<Owned | undefined> {
    const existing = owned.get(id);
    if (existing) return Promise.resolve(existing);
    if (!assigned.has(id)) return Promise.resolve(undefined); // not (or no longer) ours: never steal a shard back
    let pending = loading.get(id);
    if (!pending) {
      pending = acquire(id, assignedSeq).finally(() => loading.delete(id));
      loading.set(id, pending);
    }
    return pending;
  }

  return {
    join(shards) {
      const next = [...shards];
      deps.log(`joined generation: ${[...next].sort().join(' ') || '(no shards)'}`);
      joined = true;
      const seq = ++joinSeq;
      rebalance = rebalance.then(async () => {
        await deps.checkpoint().catch((e) => deps.log(`checkpoint before rebalance failed: ${e}`));
        const again = new Set(next);
        await Promise.all([...owned.keys()].filter((id) => !again.has(id)).map((id) => retire(id)));
        assigned.clear();
        // A newer join is already queued: its step acquires (and keeps); acquiring this one's shards
        // now could fence their owner in the newer generation, and keeping them, outlive it.
        if (seq !== joinSeq) return void (await Promise.all([...owned.keys()].map((id) => retire(id))));
        for (const id of next) assigned.add(id);
        assignedSeq = seq;
        await Promise.all([...owned.values()].map(async (o) => {
          if (!(await deps.keep(o).catch(() => false))) await retire(o.id);
        }));
        await Promise.all(next.map((id) => ownedShard(id).catch((e) => deps.log(`acquiring ${id} failed: ${e}`))));
      });
    },
    ownedShard,
    retire,
    dropAssignment: (id) => void assigned.delete(id),
    held: (id) => owned.get(id),
    heldShards: () => [...owned],
    readiness() {
      const ownedAssigned = [...assigned].filter((id) => owned.has(id)).length;
      return { ready: joined && !stopped && loading.size === 0 && ownedAssigned === assigned.size, assigned: assigned.size, owned: owned.size, loading: loading.size };
    },
    retiredTotals: () => retired,
    settled: () => rebalance,
    stop() {
      stopped = true;
    },
  };
}
