import { ShardFenced } from '../store/shard-fenced.ts';
import { isDataError, UnencodableValue, type Checkpoint } from '../store/index.ts';
import { refusedKeys, withoutUnstorable } from './checkpoint-isolation.ts';
import type { CheckpointerContext } from './checkpointer.ts';
import { oweGroupOffsets, reportCheckpointed, type CommittedOutboxRelay } from './checkpoint-publish.ts';
import type { TracedRecord } from './observer.ts';
import type { Owned } from './owned-shard.ts';
import type { ShardDelta } from './shard/shard.ts';
import { runReleases } from './quarantine-release.ts';
import { mayEvict } from './shard/residency.ts';
import type { GroupOutcome } from './checkpoint-group.ts';

/** What committing a checkpoint, and recovering from a failed commit, needs of the checkpointer's context. */
type CommitContext = Pick<CheckpointerContext, 'store' | 'observer' | 'log' | 'isCurrent' | 'retire' | 'reacquire' | 'dropAssignment' | 'recordInputsOf'>;

/** A checkpoint that reached Postgres, and the entities left out of it to get it there. */
interface Committed {
  checkpoint: Checkpoint;
  /** Keys whose rows Postgres refused: quarantined instead of stored, so the shard is restored. */
  quarantined: string[];
}

/** Where a shard's checkpoint stands once its commit is over: what publishing it still has to do. */
type CommitStep =
  /** Nothing new to commit: a relay or group-offset commit owed from before is retried. */
  | { kind: 'clean' }
  /** The commit failed: the shard has been retired (to be restored) or dropped (fenced). */
  | { kind: 'failed' }
  | ({ kind: 'committed' } & Committed);

/** A shard's checkpoint once committed; `published` settles when the rest of it is done. */
export interface CommittedShard {
  published: Promise<void>;
}

/**
 * One shard's checkpoint (see createCheckpointer): commit the delta `taken` from the worker; resolves
 * as soon as the commit is durable. Publishing it (relay, group offsets, passivation) and the
 * quarantine releases asked of the shard (a second checkpoint right after) go on in `published`,
 * so the next shard's commit does not wait for this one's Kafka round trips: a record's wait for
 * durability is its shard's commit, not every relay before it in the pass.
 */
export async function checkpointShard(
  ctx: CheckpointerContext,
  relay: CommittedOutboxRelay,
  id: string,
  o: Owned,
  taken: Promise<Taken>,
  group?: GroupOutcome,
): Promise<CommittedShard> {
  const step = await commitDelta(ctx, id, o, await taken, group);
  const published = (async () => {
    const committed = await publishStep(ctx, relay, id, o, step);
    if (o.releases?.length) await runReleases(ctx, id, o, committed !== undefined, () => checkpointOnce(ctx, relay, id, o));
  })();
  return { published };
}

/**
 * Takes, commits and publishes one delta. Returns the keys Postgres refused (quarantined instead of
 * stored), or undefined when the commit failed (the shard is then retired).
 */
async function checkpointOnce(ctx: CheckpointerContext, relay: CommittedOutboxRelay, id: string, o: Owned): Promise<readonly string[] | undefined> {
  return publishStep(ctx, relay, id, o, await commitDelta(ctx, id, o, await takeDelta(ctx, id, o)));
}

/** A shard's delta and what the observers need of the records it holds. */
export interface TakenDelta {
  delta: ShardDelta;
  /** Kafka timestamps and traces of the records applied up to the take (event→durable). */
  appendTimes: number[];
  traced: TracedRecord[];
}

/**
 * A take the host answered with an error: it may have taken the delta and then failed to hand it
 * over (a value a worker cannot post). What the shard applied since its last checkpoint is then in
 * no delta, so the shard is restored from Postgres, never treated as clean: the next delta's offsets
 * would be committed past those records and their effects lost.
 */
export interface TakeFailed {
  failed: Error;
}

/** What taking a shard's delta gives: the delta, a failure, or null (clean, or no longer ours). */
export type Taken = TakenDelta | TakeFailed | null;

/**
 * Takes the worker's delta (null when the shard is clean, or `o` no longer holds it: the host is
 * addressed by shard id, so a replacement's delta must not be taken for the old holding). What was
 * applied before it is accounted to it at the moment it arrives: an apply answered later is not in it.
 */
export function takeDelta(ctx: Pick<CheckpointerContext, 'isCurrent'>, id: string, o: Owned): Promise<Taken> {
  if (!ctx.isCurrent(id, o)) return Promise.resolve(null);
  return o.host.takeDelta(id).then(
    (delta) => {
      o.uncommitted = 0;
      if (!delta) return null;
      const taken = { delta, appendTimes: o.appendTimes, traced: o.traced };
      o.appendTimes = [];
      o.traced = [];
      return taken;
    },
    (e) => {
      o.uncommitted = 0;
      // A shard retired meanwhile is answered "not open"; its successor restores from Postgres anyway.
      if (!ctx.isCurrent(id, o)) return null;
      return { failed: new Error(`its delta could not be taken from the shard's host (${(e as Error)?.message ?? e})`) };
    },
  );
}

/**
 * Commits a taken delta (unless the pass's group commit already ended it: engine/checkpoint-group.ts);
 * reports it and resumes a paused shard once durable.
 */
async function commitDelta(ctx: CheckpointerContext, id: string, o: Owned, taken: Taken, group?: GroupOutcome): Promise<CommitStep> {
  if (!taken) {
    // Records skipped below the stored offset count as uncommitted but never make a delta: a
    // shard paused for them would otherwise stay paused.
    resumeBelowBound(ctx, id, o);
    return { kind: 'clean' };
  }
  if ('failed' in taken) {
    await commitFailed(ctx, id, o, taken.failed);
    return { kind: 'failed' };
  }
  if (group && 'failed' in group) {
    await commitFailed(ctx, id, o, group.failed);
    return { kind: 'failed' };
  }
  // Replaced while its delta waited for a lane (retired, re-acquired, revoked): the successor was
  // restored from Postgres and applies these records again; committing them would only be fenced.
  if (!group && !ctx.isCurrent(id, o)) return { kind: 'failed' };
  const started = group?.started ?? performance.now();
  const committed = group ? { checkpoint: group.committed, quarantined: [] } : await commitCheckpoint(ctx, id, o, { shard: id, epoch: o.epoch, ...taken.delta });
  if (!committed) return { kind: 'failed' };
  reportCheckpointed(ctx.observer, id, committed.checkpoint, started, taken.appendTimes, taken.traced);
  // Durable with the outbox rows it covers: the relay that follows may publish it.
  if (taken.delta.clock !== undefined) o.clock = taken.delta.clock;
  resumeBelowBound(ctx, id, o);
  return { kind: 'committed', ...committed };
}

/**
 * Lets a shard paused by backpressure fetch again — unless it went over its bound again while its
 * delta waited for a lane: the next pass (the interval's, at the latest) resumes it after its commit.
 */
function resumeBelowBound(ctx: CheckpointerContext, id: string, o: Owned): void {
  if (o.paused && o.uncommitted <= ctx.maxUncommitted && ctx.isCurrent(id, o)) ctx.resume(o);
}

/**
 * After a commit: relay the outbox, owe the group its offsets (for lag tools), restore a shard whose
 * refused rows were quarantined, and let idle entities leave memory. Returns the refused keys, or
 * undefined when the commit had failed.
 */
async function publishStep(ctx: CheckpointerContext, relay: CommittedOutboxRelay, id: string, o: Owned, step: CommitStep): Promise<readonly string[] | undefined> {
  if (step.kind === 'failed') return undefined;
  if (step.kind === 'clean') {
    await relay.retryDeferred(id);
    return [];
  }
  await relay.relay(id);
  oweGroupOffsets(o, step.checkpoint);
  if (step.quarantined.length > 0 && ctx.isCurrent(id, o)) {
    // The worker still holds the refused states: restore the shard from what was committed.
    await ctx.retire(id);
    await ctx.reacquire(id);
    return step.quarantined;
  }
  // Only now is every entity not changed since `takeDelta` durable, so only now may it leave memory.
  // Asked only when there may be something to evict: the call waits behind every batch queued in
  // the shard's worker, and the shard's next take waits for it (its publishing).
  if (ctx.isCurrent(id, o) && mayEvict(ctx.passivation, o.size, o.oldestUseAt, Date.now())) {
    const left = await o.host.passivate(id, ctx.passivation, Date.now()).catch(() => undefined);
    // As of the passivation; applies answered after it report afresh.
    if (left) {
      o.size = left.size;
      o.oldestUseAt = left.oldestUseAt;
    }
  }
  return [];
}

/**
 * Commits `cp` in one fenced transaction; when Postgres refuses some of its rows, commits it without
 * them instead. Undefined when nothing was committed: the shard has then been retired (to be
 * restored) or dropped (fenced).
 */
async function commitCheckpoint(ctx: CommitContext, id: string, o: Owned, cp: Checkpoint): Promise<Committed | undefined> {
  try {
    await ctx.store.commit(cp);
    return { checkpoint: cp, quarantined: [] };
  } catch (e) {
    if (isDataError(e) && !o.recordsInputs) {
      // The same rows will fail again when the shard replays them. Restore it recording its
      // inputs, so that failure can be isolated without losing the refused entities' inputs.
      ctx.recordInputsOf(id, true);
      ctx.log(`checkpoint of ${id} failed with a data error (${(e as Error).message}); restoring it to isolate the rows on replay`);
      await commitFailed(ctx, id, o, e as Error, false);
      await ctx.reacquire(id);
      return undefined;
    }
    // A data error would recur on every retry of these rows: commit without the refused ones.
    const isolated = isDataError(e) ? await isolateUnstorable(ctx, id, o, cp, e as Error) : undefined;
    if (!isolated) return commitFailed(ctx, id, o, e as Error);
    try {
      await ctx.store.commit(isolated);
    } catch (again) {
      return commitFailed(ctx, id, o, again as Error);
    }
    ctx.recordInputsOf(id, false);
    return { checkpoint: isolated, quarantined: isolated.quarantines?.map((q) => q.key) ?? [] };
  }
}

/** The checkpoint without what Postgres refuses, or undefined when nothing can be singled out. */
async function isolateUnstorable(ctx: CommitContext, id: string, o: Owned, cp: Checkpoint, cause: Error): Promise<Checkpoint | undefined> {
  try {
    const found = await ctx.store.findUnstorable(cp);
    if (found.length === 0) return undefined;
    const keys = refusedKeys(found);
    const inputs = keys.length > 0 ? await o.host.inputsOfTakenDelta(id, keys) : [];
    ctx.log(`checkpoint of ${id} ${cause instanceof UnencodableValue ? 'cannot be encoded' : 'refused by Postgres'} (${cause.message}): quarantining ${keys.length} entit${keys.length === 1 ? 'y' : 'ies'} (${keys.slice(0, 5).join(', ')}), dead-lettering ${inputs.length} input record(s); the rest commits`);
    return withoutUnstorable(cp, found, inputs, o);
  } catch (e) {
    ctx.log(`isolating the refused rows of ${id} failed: ${(e as Error).message}`);
    return undefined;
  }
}

/** A commit that failed: the shard's memory no longer matches Postgres, so it is restored (or dropped when fenced). */
async function commitFailed(ctx: CommitContext, id: string, o: Owned, e: Error, report = true): Promise<undefined> {
  const fenced = e instanceof ShardFenced;
  ctx.observer.checkpointFailed?.({ shard: id, fenced, message: e.message });
  const current = ctx.isCurrent(id, o);
  if (current) await ctx.retire(id);
  // A holding replaced meanwhile was fenced by its successor's epoch: the assignment is still ours.
  if (fenced && current) {
    ctx.dropAssignment(id);
    ctx.log(`fenced: ${e.message}; dropped ${id}`);
  } else if (report) ctx.log(`checkpoint of ${id} failed, shard will be restored: ${e.message}`);
  return undefined;
}
