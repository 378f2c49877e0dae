import type { Alert } from '../schemas/index.ts';
import { checkIdentifier } from './identifier.ts';
import type { Sql } from './pool.ts';

/**
 * The SQL of a shadow replay (cli/commands/shadow-replay.ts): its checkpoint tables live in a
 * schema of their own, reached through a connection whose search_path is that schema alone, so
 * every store function writes there and nothing of the live tables. Reading the live side for the
 * comparison uses the ordinary connection.
 */

/** A connection URL whose sessions see only `schema` (postgres.js passes the parameter at startup). */
export function shadowDatabaseUrl(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('search_path', checkIdentifier(schema, 'shadow schema'));
  return u.toString();
}

export async function createShadowSchema(sql: Sql, schema: string): Promise<void> {
  await sql.unsafe(`create schema ${checkIdentifier(schema, 'shadow schema')}`);
}

export async function dropShadowSchema(sql: Sql, schema: string): Promise<void> {
  await sql.unsafe(`drop schema if exists ${checkIdentifier(schema, 'shadow schema')} cascade`);
}

/** How far the shadow got: its committed input offsets by `<topic>:<partition>`, and outbox rows not relayed yet. */
export async function shadowProgress(sql: Sql): Promise<{ offsets: Map<string, number>; outbox: number }> {
  const [offsets, [count]] = await Promise.all([
    sql`select topic, partition, next_offset from input_offsets`,
    sql`select count(*)::int as n from outbox`,
  ]);
  return { offsets: new Map(offsets.map((r) => [`${r.topic}:${r.partition}`, Number(r.next_offset)])), outbox: count!.n as number };
}

/** Every committed alert (of the connection's schema), optionally only those of event time ≥ `sinceTs`. */
export async function committedAlerts(sql: Sql, sinceTs?: number): Promise<Alert[]> {
  const rows = sinceTs === undefined ? await sql`select body from alerts` : await sql`select body from alerts where ts >= ${sinceTs}`;
  return rows.map((r) => r.body as Alert);
}

/** Every committed state of these actor types, by type and key. */
export async function committedStates(sql: Sql, types: readonly string[]): Promise<Map<string, Map<string, unknown>>> {
  const out = new Map<string, Map<string, unknown>>(types.map((t) => [t, new Map()]));
  const rows = await sql`select actor_type, key, state from actor_states where actor_type = any(${types as string[]}::text[])`;
  for (const r of rows) out.get(r.actor_type as string)!.set(r.key as string, r.state);
  return out;
}
