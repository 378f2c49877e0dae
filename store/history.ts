import type postgres from 'postgres';
import type { Sql } from './pool.ts';
import type { HistoryRow } from '../engine/shard/shard-api.ts';
import type { StatementSql, Started } from './all-statements.ts';
import { jsonText, stateJsonOf } from './json-rows.ts';

export type { HistoryRow };

/**
 * The entity state history behind time travel (engine/entity-history.ts): one snapshot per entity
 * per checkpoint that changed it, for the actor types that keep history.
 */

/** A snapshot as read back. */
export interface HistorySnapshot extends Omit<HistoryRow, 'actorType' | 'key' | 'timers'> {
  id: number;
  timers: { key: string; dueAt: number; seq: number; timer: any }[];
  /** When its checkpoint committed, ISO. */
  committedAt: string;
}

export interface HistoryAround {
  /** The last snapshot before the first one stamped later than `at`. */
  snapshot?: HistorySnapshot;
  /**
   * The one after it: its offsets end the records to read back. Without `snapshot`, the oldest kept
   * one; when it is the entity's first (`created`), the time asked is rebuilt from the initial state.
   */
  next?: HistorySnapshot;
  /**
   * The first snapshot after `next` stamped later than `at` + the lateness given: inputs of time
   * `at` or before that reached the entity late (after later ones) lie before its offsets. Absent:
   * read to where the shard has checkpointed.
   */
  end?: HistorySnapshot;
}

type Tx = StatementSql;

export function writeHistory(tx: Tx, rows: readonly HistoryRow[] | undefined): Started | undefined {
  if (!rows || rows.length === 0) return undefined;
  const r = rows;
  return tx`
    insert into actor_state_history (actor_type, key, partition, at_ts, state_version, state, quarantine, recent_event_ids, timers, source_offset,
      inbox_offset, inbox_positions, created, start_source_offset, start_inbox_offset, start_inbox_positions, held_inputs)
    select t, k, p, a, v, s::jsonb, q, ri, tm::jsonb, so, io, ip::jsonb, c is not null, (c::jsonb ->> 'sourceOffset')::bigint,
      (c::jsonb ->> 'inboxOffset')::bigint, c::jsonb -> 'inboxPositions', h from unnest(
      ${r.map((x) => x.actorType)}::text[], ${r.map((x) => x.key)}::text[], ${r.map((x) => x.partition)}::int[],
      ${r.map((x) => x.at)}::bigint[], ${r.map((x) => x.stateVersion)}::int[], ${r.map((x) => stateJsonOf(x))}::text[],
      ${r.map((x) => x.quarantine)}::text[], ${r.map((x) => x.recentIds)}::text[], ${r.map((x) => jsonText(x.timers, `${x.actorType} '${x.key}': its timers`))}::text[],
      ${r.map((x) => x.sourceOffset)}::bigint[], ${r.map((x) => x.inboxOffset)}::bigint[], ${r.map((x) => JSON.stringify(x.inboxPositions))}::text[],
      ${r.map((x) => (x.created ? JSON.stringify(x.created) : null))}::text[], ${r.map((x) => x.held ?? null)}::text[])
      with ordinality as u(t, k, p, a, v, s, q, ri, tm, so, io, ip, c, h, n)
    order by n`.execute();
}

const COLUMNS = 'id, partition, at_ts, state_version, state, quarantine, recent_event_ids, held_inputs, timers, source_offset, inbox_offset, inbox_positions, created, start_source_offset, start_inbox_offset, start_inbox_positions, recorded_at';

/**
 * The snapshots around event time `at` of one entity. Snapshots follow processing order (`id`);
 * their stamps do too unless an input arrived late, so the base is the last one before the first
 * stamped after `at`, never one that already holds a later input.
 */
export async function historyAround(sql: Sql, actorType: string, key: string, at: number, latenessMs = 0): Promise<HistoryAround> {
  const [next] = await sql.unsafe(
    `select ${COLUMNS} from actor_state_history where actor_type = $1 and key = $2 and at_ts > $3 order by id limit 1`,
    [actorType, key, at],
  );
  const [base] = await sql.unsafe(
    `select ${COLUMNS} from actor_state_history where actor_type = $1 and key = $2 and id < $3 order by id desc limit 1`,
    [actorType, key, next ? next.id : Number.MAX_SAFE_INTEGER],
  );
  const [end] = next
    ? await sql.unsafe(
      `select ${COLUMNS} from actor_state_history where actor_type = $1 and key = $2 and id >= $3 and at_ts > $4 order by id limit 1`,
      [actorType, key, next.id, at + latenessMs],
    )
    : [];
  return { ...(base ? { snapshot: snapshotOf(base) } : {}), ...(next ? { next: snapshotOf(next) } : {}), ...(end ? { end: snapshotOf(end) } : {}) };
}

function snapshotOf(r: postgres.Row): HistorySnapshot {
  return {
    id: Number(r.id),
    partition: r.partition,
    at: Number(r.at_ts),
    stateVersion: r.state_version,
    state: r.state,
    quarantine: r.quarantine,
    recentIds: r.recent_event_ids,
    ...(r.held_inputs ? { held: r.held_inputs as string } : {}),
    timers: r.timers,
    sourceOffset: Number(r.source_offset),
    inboxOffset: Number(r.inbox_offset),
    inboxPositions: r.inbox_positions,
    ...(r.created ? { created: { sourceOffset: Number(r.start_source_offset), inboxOffset: Number(r.start_inbox_offset), inboxPositions: r.start_inbox_positions } } : {}),
    committedAt: new Date(r.recorded_at).toISOString(),
  };
}

/**
 * Deletes snapshots committed before `before` (epoch ms), `batch` rows per statement — but never
 * an entity's newest: that one is the base its state at any later time is rebuilt from. Returns
 * how many went.
 */
export async function deleteHistoryBefore(sql: Sql, before: number, batch = 5_000): Promise<number> {
  const cutoff = new Date(before);
  let deleted = 0;
  for (;;) {
    const r = await sql`
      delete from actor_state_history where id in (
        select h.id from actor_state_history h
        where h.recorded_at < ${cutoff}
          and exists (select 1 from actor_state_history n where n.actor_type = h.actor_type and n.key = h.key and n.id > h.id and n.recorded_at < ${cutoff})
        order by h.id limit ${batch})`;
    deleted += r.count;
    if (r.count < batch) return deleted;
  }
}
