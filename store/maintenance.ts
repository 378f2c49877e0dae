import type { Sql } from './pool.ts';

/**
 * The tables every checkpoint rewrites or empties: each upsert of a state leaves its old row
 * version behind, and the outbox is a queue. Postgres's autovacuum reclaims them; PGlite (the
 * embedded default) is a single-user backend with no autovacuum, and keeps its data in memory, so
 * without this its memory grows with every event ever applied.
 */
const CHURNING_TABLES = ['actor_states', 'outbox', 'input_offsets', 'inbox_positions', 'timers', 'shard_owners'] as const;

/** Plain VACUUM of the churning tables: dead row versions become reusable space (nothing is locked exclusively). */
export async function vacuumChurningTables(sql: Sql): Promise<void> {
  for (const table of CHURNING_TABLES) await sql.unsafe(`vacuum ${table}`);
}
