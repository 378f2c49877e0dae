import type { Sql } from './pool.ts';

/**
 * Questions about the database itself rather than its rows: does it answer, is the checkpoint
 * schema there, which migrations (store/migrations.ts) has it applied. Operator commands ask them
 * first so that a missing schema is one clear message, not a "relation does not exist" error.
 */

/** Resolves once Postgres answers a statement; rejects with the driver's error otherwise. */
export async function ping(sql: Sql): Promise<void> {
  await sql`select 1`;
}

/** True when the checkpoint tables exist (migration 1 ran), whatever their version. */
export async function schemaPresent(sql: Sql): Promise<boolean> {
  const [row] = await sql`select to_regclass('actor_states') is not null as ok`;
  return Boolean(row?.ok);
}

/** Versions of the migrations applied so far; empty when none ever ran. */
export async function appliedMigrations(sql: Sql): Promise<Set<number>> {
  const [exists] = await sql`select to_regclass('schema_migrations') is not null as present`;
  if (!exists?.present) return new Set();
  return new Set((await sql`select version from schema_migrations`).map((r) => Number(r.version)));
}
