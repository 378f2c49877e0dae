import type { Sql } from './pool.ts';
import { AGGREGATE_PART_TABLES } from './analytics.ts';

/**
 * The reset behind `actorstream replay` (cli/commands/replay-plan.ts says why a reset and not a
 * fold): some actor types' committed states and shard rows are emptied and their offsets of truth
 * pointed at restart positions, so the next owner of each shard rebuilds from there.
 */

/** What a reset covers: actor types, their shards, and where each of their input partitions restarts. */
export interface ReplayScope {
  types: readonly string[];
  shards: readonly string[];
  /** One per input partition of the types; the reset replaces the offsets of truth of these topics with them. */
  positions: readonly { topic: string; partition: number; shard: string; offset: number }[];
  /** Read-model tables of the types (emptied with their states). */
  readModelTables?: readonly string[];
}

/** The rows a reset of `scope` would delete, counted per table. */
export interface ReplayResetCounts {
  states: number;
  timers: number;
  inboxPositions: number;
  outbox: number;
  offsets: number;
}

/** Counts what `resetForReplay(sql, scope)` would delete now, in one statement. */
export async function replayResetCounts(sql: Sql, scope: ReplayScope): Promise<ReplayResetCounts> {
  const { types, shards, topics } = arrays(scope);
  const [c] = await sql`select
    (select count(*) from actor_states where actor_type = any(${types}::text[]))::int as states,
    (select count(*) from timers where shard = any(${shards}::text[]))::int as timers,
    (select count(*) from inbox_positions where shard = any(${shards}::text[]))::int as inbox_positions,
    (select count(*) from outbox where shard = any(${shards}::text[]))::int as outbox,
    (select count(*) from input_offsets where topic = any(${topics}::text[]))::int as offsets`;
  return { states: c!.states, timers: c!.timers, inboxPositions: c!.inbox_positions, outbox: c!.outbox, offsets: c!.offsets };
}

/**
 * The reset, in ONE transaction; returns how many shard owners it fenced. Bumping the shards'
 * epochs first takes their owner rows' locks (a checkpoint takes the same lock) and fences whoever
 * owns them now: a checkpoint racing this one either committed before (and its rows are deleted
 * here) or is refused afterwards — no pre-reset state can land on top of the reset. Alerts stay:
 * their ids are deterministic, so the rebuild cannot duplicate them.
 */
export async function resetForReplay(sql: Sql, scope: ReplayScope): Promise<number> {
  const { types, shards, topics } = arrays(scope);
  const p = scope.positions;
  return sql.begin(async (tx) => {
    const fenced = await tx`update shard_owners set epoch = epoch + 1 where shard = any(${shards}::text[]) returning shard`;
    await tx`delete from actor_states where actor_type = any(${types}::text[])`;
    await tx`delete from parked_inputs where actor_type = any(${types}::text[])`;
    await tx`delete from actor_state_history where actor_type = any(${types}::text[])`;
    await tx`delete from timers where shard = any(${shards}::text[])`;
    await tx`delete from inbox_positions where shard = any(${shards}::text[])`;
    // Unpublished outputs of the discarded history: the rebuild produces its own again.
    await tx`delete from outbox where shard = any(${shards}::text[])`;
    await tx`delete from input_offsets where topic = any(${topics}::text[])`;
    // Read models and the shards' share of the aggregates describe the discarded history: the
    // rebuild writes them again (aggregates then count what the rebuild reads, as states do).
    for (const table of scope.readModelTables ?? []) await tx`delete from ${tx(table)}`;
    for (const table of AGGREGATE_PART_TABLES) await tx`delete from ${tx(table)} where shard = any(${shards}::text[])`;
    if (p.length > 0) {
      await tx`insert into input_offsets (topic, partition, shard, next_offset)
        select * from unnest(${p.map((x) => x.topic)}::text[], ${p.map((x) => x.partition)}::int[],
          ${p.map((x) => x.shard)}::text[], ${p.map((x) => x.offset)}::bigint[])`;
    }
    return fenced.length;
  });
}

/** The scope as the (mutable) arrays postgres.js binds; topics are those of the positions, once each. */
function arrays(scope: ReplayScope): { types: string[]; shards: string[]; topics: string[] } {
  return { types: [...scope.types], shards: [...scope.shards], topics: [...new Set(scope.positions.map((p) => p.topic))] };
}
