import { ShardFenced } from '../store/shard-fenced.ts';
import { isDataError, type Checkpoint } from '../store/index.ts';
import type { CheckpointerContext } from './checkpointer.ts';
import type { Owned } from './owned-shard.ts';
import type { Taken } from './checkpoint-shard.ts';
import type { ShardDelta } from './shard/shard.ts';

/**
 * Group commit (issue #19; ProcessorOptions.groupCommit, on by default since 2026-12-05): the
 * dirty shards of a pass commit in group transactions, one fence check and one statement per table
 * for a whole group, instead of a transaction of up to ten statements per shard. Every statement
 * cost the processor's thread ~75 µs of CPU whatever its rows; a pass of 24 shards ran ~190 of them
 * (bench/checkpoint-pass.ts). First measured opt-in (event→durable p99 21–31% lower, backlog
 * throughput 8–16% lower: bench/README "Group commit"); with one-round-trip commits and passes as
 * often as they are cheap, p99 about halved at 2,000–4,000 events/s and backlog throughput was no
 * lower (bench/README "Checkpoints as often as they are cheap"), so it became the default.
 *
 * How a group ends, per shard:
 *   - committed: the shard's checkpoint is durable; it is reported and published as after its own commit;
 *   - failed: the commit's outcome is unknown (a lost connection may have lost the answer to a
 *     COMMIT that landed), so the delta must not be committed again: the shard is restored from
 *     Postgres, as after a failed commit of its own;
 *   - absent: the group was refused before it could land (a stale epoch, a row Postgres refuses),
 *     so nothing of it did: each shard commits its delta on its own, where a fence or a refused
 *     row is handled for that shard alone.
 * Shards restored to isolate refused rows (`recordsInputs`) always commit on their own.
 *
 * Not one group for everything: Postgres runs a transaction on one backend, so a pass as large as a
 * backlog's (12,000 events) took longer in one transaction (219–226 ms) than in five lanes (157–174
 * ms), and backlog throughput fell ~20% in the full pipeline. The checkpointer commits groups of
 * about SHARDS_PER_GROUP shards in its lanes (engine/checkpointer.ts), which keeps most of the
 * saving and Postgres's parallelism, and publishes a group's shards as soon as it is committed.
 */
export type GroupOutcome = { committed: Checkpoint; started: number } | { failed: Error };

/** Shards per group transaction, about: fewer statements per shard, while groups still run side by side. */
export const SHARDS_PER_GROUP = 8;

/** `items` in contiguous groups of about SHARDS_PER_GROUP, at most `parallelism` groups (shards of one actor type stay together). */
export function splitGroups<T>(items: readonly T[], parallelism: number): T[][] {
  const count = Math.max(1, Math.min(parallelism, Math.ceil(items.length / SHARDS_PER_GROUP)));
  const size = Math.ceil(items.length / count);
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

/** Commits the dirty shards of `group` in one transaction (when at least two may); each shard's outcome, by id. */
export async function commitTogether(
  ctx: Pick<CheckpointerContext, 'store' | 'isCurrent' | 'log'>,
  group: readonly [string, Owned][],
  taken: ReadonlyMap<string, Promise<Taken>>,
): Promise<Map<string, GroupOutcome>> {
  const outcomes = new Map<string, GroupOutcome>();
  const commitGroup = ctx.store.commitGroup?.bind(ctx.store);
  if (!commitGroup || group.length < 2) return outcomes;
  const ready = await Promise.all(group.map(async ([id, o]) => ({ id, o, delta: deltaOf(await taken.get(id)) })));
  const members = ready.filter(({ id, o, delta }) => delta && !o.recordsInputs && ctx.isCurrent(id, o));
  if (members.length < 2) return outcomes;
  const checkpoints: Checkpoint[] = members.map(({ id, o, delta }) => ({ shard: id, epoch: o.epoch, ...delta! }));
  const started = performance.now();
  try {
    await commitGroup(checkpoints);
    for (const cp of checkpoints) outcomes.set(cp.shard, { committed: cp, started });
  } catch (e) {
    if (e instanceof ShardFenced || isDataError(e)) {
      ctx.log(`group commit of ${checkpoints.length} shards refused (${(e as Error).message}): each commits on its own`);
      return outcomes;
    }
    for (const cp of checkpoints) outcomes.set(cp.shard, { failed: e as Error });
  }
  return outcomes;
}

/** The delta of a take; none for a clean shard or a failed take (which commits on its own, to be restored). */
function deltaOf(taken: Taken | undefined): ShardDelta | undefined {
  return taken && 'delta' in taken ? taken.delta : undefined;
}
