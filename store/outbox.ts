import type postgres from 'postgres';
import type { StatementSql } from './all-statements.ts';
import type { Sql } from './pool.ts';

/**
 * The outbox table from the relay's side: committed outputs waiting to be published (the
 * checkpoint writes them, store/checkpoint-writes.ts), and their removal once Kafka acknowledged
 * them. Rows of a shard are read and deleted in `seq` order, so a shard's sequence numbers reach
 * Kafka in the order they were committed; a relay reads and deletes for many shards at once.
 */

/** One committed output: Kafka topic, key, value and headers, and its position in the shard's outbox. */
export interface OutboxRow {
  seq: number;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** One committed output and the shard whose outbox holds it. */
export interface ShardOutboxRow extends OutboxRow {
  shard: string;
}

/** A pending row as the relay reads it, with its shard's owner epoch in the same snapshot (undefined: never owned). */
export interface PendingOutboxRow extends ShardOutboxRow {
  ownerEpoch: number | undefined;
}

/**
 * The oldest rows of each of `shards`, up to `perShard` of each, shard by shard and oldest first
 * within a shard: one round trip for a relay of many shards (each shard's read is an index range
 * scan on (shard, seq)). `after`: per shard, read only rows past that seq (rows up to it are known
 * to be handled: engine/local-delivery.ts). Each row carries its shard's owner epoch as of the
 * same snapshot: a relay that finds an epoch other than its own is not the owner any more, and the
 * rows may be the next owner's.
 */
export async function pendingOutboxOf(sql: Sql, shards: readonly string[], perShard: number, after?: ReadonlyMap<string, number>): Promise<PendingOutboxRow[]> {
  if (shards.length === 0) return [];
  const from = shards.map((s) => after?.get(s) ?? 0);
  const rows = await sql`select s.shard, o.seq, o.topic, o.key, o.value, o.headers, so.epoch as owner_epoch
    from unnest(${shards as string[]}::text[], ${from}::bigint[]) with ordinality as s(shard, after, n)
    cross join lateral (select seq, topic, key, value, headers from outbox
      where outbox.shard = s.shard and outbox.seq > s.after order by seq limit ${perShard}) o
    left join shard_owners so on so.shard = s.shard
    order by s.n, o.seq`;
  return rows.map((r) => ({
    ownerEpoch: r.owner_epoch === null ? undefined : Number(r.owner_epoch),
    shard: r.shard as string,
    seq: Number(r.seq),
    topic: r.topic as string,
    key: r.key as string,
    value: r.value as string,
    headers: r.headers as Record<string, string>,
  }));
}

/** Removes each shard's rows up to and including its `seq`: they are published. One statement for every shard. */
export async function deleteRelayed(sql: Sql, upTo: readonly { shard: string; seq: number }[]): Promise<void> {
  if (upTo.length === 0) return;
  await sql`delete from outbox using unnest(${upTo.map((u) => u.shard)}::text[], ${upTo.map((u) => u.seq)}::bigint[]) as u(shard, seq)
    where outbox.shard = u.shard and outbox.seq <= u.seq`;
}

/**
 * Removes exactly these rows (not a prefix): with local delivery, rows for receivers in this
 * process stay in their origin's outbox, between published ones, until the receiver's checkpoint
 * deletes them.
 */
export async function deleteOutboxRows(sql: Sql, rows: readonly { seq: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await outboxRowsDelete(sql, rows);
}

/**
 * The statement that deletes these outbox rows, for the relay and for a checkpoint's transaction
 * (store/checkpoint-writes.ts). By `seq = any(…)`: `seq` is the primary key, drawn from one
 * sequence for every shard, so it names a row on its own. Deleting by (shard, seq) pairs joined
 * with `unnest` let the planner hash the whole outbox: for a statement's first (custom) plans on a
 * connection, with the arrays' real length, a seq scan won. 42 against 3 ms for 2,000 rows of a
 * 50,000-row outbox (issue #19).
 */
export function outboxRowsDelete(sql: Sql | StatementSql, rows: readonly { seq: number }[]): postgres.PendingQuery<postgres.Row[]> {
  return sql`delete from outbox where seq = any(${rows.map((r) => r.seq)}::bigint[])`;
}

/** Outbox rows not yet relayed, every shard together (a gauge: the relay's backlog). */
export async function outboxPending(sql: Sql): Promise<number> {
  return Number((await sql`select count(*)::int as n from outbox`)[0]?.n ?? 0);
}
