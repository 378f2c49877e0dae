import { expect } from 'bun:test';
import type postgres from 'postgres';

/**
 * Time-travel snapshots survive crashes exactly (issue #16): they are written in the checkpoint
 * transaction, so after any kills every entity's newest snapshot is its committed state, and no
 * checkpoint's snapshot of an entity was written twice (a replay after a kill re-applies only
 * what was never committed). A checkpoint is known by its source offset, inbox offset and inbox
 * positions: with the event-time merge, messages applied ahead of a held one leave both offsets
 * where they were and move only their origins' positions (engine/shard/merge-passing.test.ts).
 */
export async function expectHistoryMatchesCommitted(sql: postgres.Sql, types: readonly string[]): Promise<void> {
  const [counts] = await sql`
    select count(*)::int as snapshots, count(distinct (actor_type, key))::int as entities
    from actor_state_history where actor_type = any(${types as string[]}::text[])`;
  // Not vacuous: the run kept history for thousands of entities, several snapshots each.
  expect(counts!.entities).toBeGreaterThan(1000);
  expect(counts!.snapshots).toBeGreaterThan(counts!.entities);
  const differing = await sql`
    select s.actor_type, s.key from actor_states s
    join lateral (select state from actor_state_history h where h.actor_type = s.actor_type and h.key = s.key order by id desc limit 1) h on true
    where s.actor_type = any(${types as string[]}::text[]) and h.state <> s.state
    limit 5`;
  expect(differing.map((r) => `${r.actor_type}/${r.key}`)).toEqual([]);
  const twice = await sql`
    select actor_type, key, source_offset, inbox_offset, inbox_positions, count(*)::int as n from actor_state_history
    where actor_type = any(${types as string[]}::text[])
    group by actor_type, key, source_offset, inbox_offset, inbox_positions having count(*) > 1 limit 5`;
  expect(twice.map((r) => `${r.actor_type}/${r.key}@${r.source_offset}/${r.inbox_offset}/${JSON.stringify(r.inbox_positions)} ×${r.n}`)).toEqual([]);
}
