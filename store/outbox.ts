import type postgres from 'postgres';
import type { StatementSql } from './all-statements.ts';
import type { CommittedOutbox } from './committed-outbox.ts';
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

/** A pending row as the relay reads it, with its shard's owner epoch in the snapshot that found it pending (undefined: never owned). */
export interface PendingOutboxRow extends ShardOutboxRow {
  ownerEpoch: number | undefined;
}

/**
 * The oldest rows of each of `shards`, up to `perShard` of each, shard by shard and oldest first
 * within a shard. `after`: per shard, read only rows past that seq (rows up to it are known to be
 * handled: engine/local-delivery.ts). Each row carries its shard's owner epoch as of the snapshot
 * that found it pending: a relay that finds an epoch other than its own is not the owner any more,
 * and the rows may be the next owner's.
 *
 * Two steps. Which rows are pending, and the epochs, are read in one statement, as sequence numbers
 * (one row per shard; each shard's read is an index range scan on (shard, seq)). Their contents
 * come from `committed` when this process committed them (store/committed-outbox.ts), and from a
 * second read by primary key otherwise.
 *
 * A row gone between the two reads ends its shard's rows here: the rows after it are left out and
 * the shard counts as filled, so a relay reads it again. The second read is a later snapshot, and
 * a row can go only because it was handled meanwhile: consumed by its receiver, or published by a
 * process that took the shard since (whose epoch the first read did not see yet). Handing over the
 * shard's later rows from memory would then let them reach a receiver here before the gone row
 * reaches it by Kafka, and its position would drop that row as old. Read again, the shard's rows
 * come with the epoch that says it was taken.
 */
export async function pendingOutboxOf(
  sql: Sql, shards: readonly string[], perShard: number, after?: ReadonlyMap<string, number>, committed?: CommittedOutbox,
): Promise<PendingOutboxRow[]> {
  // A shard cut short (see above) says so only in readPendingOutbox's `filled`, which the relay uses.
  return (await readPendingOutbox(sql, shards, perShard, after, committed)).rows;
}

/** `pendingOutboxOf`, and the shards that had `perShard` rows pending or more (they may hold more). */
export async function readPendingOutbox(
  sql: Sql, shards: readonly string[], perShard: number, after?: ReadonlyMap<string, number>, committed?: CommittedOutbox,
): Promise<{ rows: PendingOutboxRow[]; filled: Set<string> }> {
  const filled = new Set<string>();
  if (shards.length === 0) return { rows: [], filled };
  const mark = committed?.mark() ?? 0;
  const pending = await pendingSeqsOf(sql, shards, perShard, after);
  const rows: (PendingOutboxRow | Unread)[] = [];
  for (const { shard, ownerEpoch, seqs } of pending) {
    if (seqs.length >= perShard) filled.add(shard);
    committed?.settle(shard, seqs[0], mark);
    for (const seq of seqs) {
      const known = committed?.get(shard, seq);
      rows.push(known ? { ...known, ownerEpoch } : { shard, unread: seq, ownerEpoch });
    }
  }
  const unread = rows.filter((r): r is Unread => 'unread' in r);
  if (unread.length === 0) return { rows: rows as PendingOutboxRow[], filled };
  const read = await outboxRowsOf(sql, unread.map((r) => r.unread));
  const out: PendingOutboxRow[] = [];
  // Shards with a row gone between the reads: their rows stop before it (see above).
  const cut = new Set<string>();
  for (const r of rows) {
    if (cut.has(r.shard)) continue;
    if (!('unread' in r)) out.push(r);
    else {
      const row = read.get(r.unread);
      if (row) out.push({ ...row, ownerEpoch: r.ownerEpoch });
      else {
        cut.add(r.shard);
        filled.add(r.shard);
      }
    }
  }
  return { rows: out, filled };
}

/** A pending row whose contents are not in memory: read back by its seq. */
interface Unread {
  shard: string;
  unread: number;
  ownerEpoch: number | undefined;
}

/** Per shard, in the order given: its owner epoch and the seqs of its oldest pending rows past `after`, one statement, one snapshot. */
async function pendingSeqsOf(
  sql: Sql, shards: readonly string[], perShard: number, after: ReadonlyMap<string, number> | undefined,
): Promise<{ shard: string; ownerEpoch: number | undefined; seqs: number[] }[]> {
  const from = shards.map((s) => after?.get(s) ?? 0);
  const rows = await sql`select s.shard, so.epoch as owner_epoch,
      array(select seq from outbox where outbox.shard = s.shard and outbox.seq > s.after order by seq limit ${perShard}) as seqs
    from unnest(${shards as string[]}::text[], ${from}::bigint[]) with ordinality as s(shard, after, n)
    left join shard_owners so on so.shard = s.shard
    order by s.n`;
  return rows.map((r) => ({
    shard: r.shard as string,
    ownerEpoch: r.owner_epoch === null ? undefined : Number(r.owner_epoch),
    seqs: (r.seqs as (string | number)[]).map(Number),
  }));
}

/** The committed rows `seqs` still in the outbox, by seq. */
async function outboxRowsOf(sql: Sql, seqs: readonly number[]): Promise<Map<number, ShardOutboxRow>> {
  const rows = await sql`select shard, seq, topic, key, value, headers from outbox where seq = any(${seqs as number[]}::bigint[])`;
  return new Map(rows.map((r) => [Number(r.seq), {
    shard: r.shard as string,
    seq: Number(r.seq),
    topic: r.topic as string,
    key: r.key as string,
    value: r.value as string,
    headers: r.headers as Record<string, string>,
  }]));
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
