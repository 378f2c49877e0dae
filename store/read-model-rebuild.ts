import type { ReadModelRows } from '../engine/index.ts';
import { writeReadModel } from './analytics-writes.ts';
import type { Sql } from './pool.ts';

/** A committed entity as the rebuild reads it: the projection migrates and projects it. */
export interface StoredEntityRow {
  key: string;
  stateVersion: number;
  state: unknown;
}

/** Entities of `actorType` with a committed state (the rebuild's total). */
export async function countStates(sql: Sql, actorType: string): Promise<number> {
  const [r] = await sql`select count(*)::int as n from actor_states where actor_type = ${actorType}`;
  return r!.n as number;
}

/**
 * Rewrites the read-model rows of the next `limit` entities of `actorType` after `afterKey` (key
 * order) from their committed states, in one transaction. Online: the states are read `for share`,
 * so a checkpoint changing one of them waits for this page and then writes its own newer row; one
 * that committed before is what this page reads. Returns the last key done, or undefined at the end.
 */
export async function rebuildReadModelPage(
  sql: Sql,
  actorType: string,
  afterKey: string,
  limit: number,
  project: (rows: StoredEntityRow[]) => ReadModelRows | undefined,
): Promise<{ lastKey: string | undefined; entities: number; rows: number }> {
  return sql.begin(async (tx) => {
    const states = await tx`select key, state_version, state from actor_states
      where actor_type = ${actorType} and key > ${afterKey} order by key limit ${limit} for share`;
    const rows = project(states.map((r) => ({ key: r.key as string, stateVersion: r.state_version as number, state: r.state })));
    await writeReadModel(tx, rows);
    return { lastKey: states.at(-1)?.key as string | undefined, entities: states.length, rows: rows?.rows.length ?? 0 };
  });
}
