import type { Sql } from './pool.ts';

/**
 * The outbox table from the relay's side: committed outputs waiting to be published (the
 * checkpoint writes them, store/checkpoint-writes.ts), and their removal once Kafka acknowledged
 * them. Rows of a shard are read and deleted in `seq` order, so a shard's sequence numbers reach
 * Kafka in the order they were committed.
 */

/** One committed output: Kafka topic, key, value and headers, and its position in the shard's outbox. */
export interface OutboxRow {
  seq: number;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** The oldest `limit` rows of `shard`'s outbox, oldest first. */
export async function pendingOutbox(sql: Sql, shard: string, limit: number): Promise<OutboxRow[]> {
  const rows = await sql`select seq, topic, key, value, headers from outbox
    where shard = ${shard} order by seq limit ${limit}`;
  return rows.map((r) => ({
    seq: Number(r.seq),
    topic: r.topic as string,
    key: r.key as string,
    value: r.value as string,
    headers: r.headers as Record<string, string>,
  }));
}

/** Removes `shard`'s rows up to and including `seq`: they are published. */
export async function deleteRelayed(sql: Sql, shard: string, seq: number): Promise<void> {
  await sql`delete from outbox where shard = ${shard} and seq <= ${seq}`;
}

/** Outbox rows not yet relayed, every shard together (a gauge: the relay's backlog). */
export async function outboxPending(sql: Sql): Promise<number> {
  return Number((await sql`select count(*)::int as n from outbox`)[0]?.n ?? 0);
}
