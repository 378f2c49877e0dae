import type postgres from 'postgres';
import type { ProcessedEvent } from '../engine/index.ts';
import { checkIdentifier } from './identifier.ts';
import type { Sql } from './pool.ts';
import type { StatementSql, Started } from './all-statements.ts';

/**
 * The opt-in processed-events table (pipeline.yaml `postgres.table`): every source event the
 * processor applied, as validated, written in the checkpoint transaction of its shard, so the
 * table holds each event exactly once and never one whose effects are not committed. Its name is
 * the user's, so it is created here rather than by a migration.
 */


/** Creates the table and its time index when missing. */
export async function ensureProcessedEventsTable(sql: Sql, table: string): Promise<void> {
  const t = sql(checkIdentifier(table, 'postgres.table'));
  await sql`create table if not exists ${t} (
    topic text not null,
    partition int not null,
    "offset" bigint not null,
    event_id text not null,
    event_type text not null,
    entity_key text not null,
    ts timestamptz not null,
    event jsonb not null,
    processed_at timestamptz not null default now(),
    primary key (topic, partition, "offset"))`;
  await sql`create index if not exists ${sql(`${table}_by_ts`)} on ${t} (ts)`;
}

/** Inserts a checkpoint's processed events; a replayed one (same record) is already there and kept. */
export function writeProcessedEvents(tx: StatementSql, table: string | undefined, events: readonly ProcessedEvent[] | undefined): Started | undefined {
  if (!table || !events || events.length === 0) return undefined;
  const e = events;
  return tx`
    insert into ${tx(table)} (topic, partition, "offset", event_id, event_type, entity_key, ts, event)
    select t, p, o, i, y, k, to_timestamp(s / 1000.0), j::jsonb from unnest(
      ${e.map((x) => x.topic)}::text[], ${e.map((x) => x.partition)}::int[], ${e.map((x) => x.offset)}::bigint[],
      ${e.map((x) => x.id)}::text[], ${e.map((x) => x.type)}::text[], ${e.map((x) => x.key)}::text[],
      ${e.map((x) => x.ts)}::bigint[], ${e.map((x) => x.json)}::text[]) as u(t, p, o, i, y, k, s, j)
    on conflict do nothing`.execute();
}
