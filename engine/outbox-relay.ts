import type { OutgoingRecord, RecordSink } from './record-sink.ts';
import { ORIGIN_HEADER, SEQ_HEADER } from './shard/records.ts';
import { clockRecords, type ClockTargets } from './clock-records.ts';
import { deleteOutboxRows, deleteRelayed, readPendingOutbox, type CommittedOutbox, type PendingOutboxRow, type ShardOutboxRow, type Sql } from '../store/index.ts';
import type { LocalDelivery } from './local-delivery.ts';
import type { Owned } from './owned-shard.ts';

/**
 * Publishes shards' committed outbox rows to Kafka, oldest first, then deletes them. It runs after
 * every checkpoint commit and when a new owner takes a shard over (so a crashed owner's committed
 * outputs still go out). A crash between publish and delete republishes rows with the same
 * `x-origin`/`x-seq`, which receivers drop exactly; nothing is lost because rows leave the table
 * only after Kafka acknowledged them (idempotent producer, acks=all).
 *
 * Relays of many shards go out together (issue #19): a checkpoint pass commits every dirty shard,
 * and a relay per shard was a read, a produce request and a delete for a few dozen rows each (the
 * relay was ~16% of the main thread in a Bun profile; relaying 24 shards' rows one shard at a time
 * cost 2.5× the CPU of relaying them together, bench/relay-cost.ts). Shards asked for while a
 * relay runs wait for it and then go together in the next one: one read, as few produce requests
 * as the size cap allows, one delete. Only one relay runs at a time, so each shard's sequence
 * numbers reach every partition in order.
 */
export interface OutboxRelay {
  /** Publishes everything pending for `shard`; resolves with how many of its records went out. */
  flush(shard: string): Promise<number>;
  /** The last clock published for `shard` (with `RelayClocks`): true still, as promises only move forward. */
  publishedClock(shard: string): string | undefined;
}

/**
 * Rows read per relay (spread over its shards): large enough to amortise the round trips, small
 * enough to bound what one read holds (~3 MB at ~300 B a row, read back or kept in memory;
 * store/committed-outbox.ts bounds what is kept). Each read is a query, produce requests and a
 * delete, and under a backlog every round trip waits for the consumer thread's turn: with 2,000,
 * the six order shards' first checkpoints of a 300k backlog (~7,700 rows each) took 23 reads or
 * more. At 10,000 the drain after that backlog fell from 3.3 s to 2.5 s (medians of 4 interleaved
 * pairs; bench/README "The drain").
 */
const BATCH = 10_000;
/** Rows read per shard at least, however many shards share a relay. */
const MIN_PER_SHARD = 100;
const MAX_BATCH_BYTES = 512 * 1024;

interface Waiter {
  resolve(records: number): void;
  reject(e: unknown): void;
}

/**
 * With `local` (engine/local-delivery.ts), rows for shards held by this process are handed over in
 * memory instead of published, and only published rows are deleted here.
 */
export interface LocalHandOver {
  delivery: LocalDelivery;
  /** The epoch at which this process holds `shard`, if it does (rows of other origins are only published). */
  epochOf(shard: string): number | undefined;
}

/**
 * Clocks of shards that send to shards merging in event time (engine/event-time-plan.ts): after a
 * shard's rows went out, its clock as of its last commit goes to every partition of the merging
 * types' inbox topics, behind the rows it covers (one relay at a time, one producer: in order).
 * Only a changed clock is published here; engine/clock-heartbeat.ts repeats the last one published.
 */
export interface RelayClocks {
  clockOf(shard: string): string | undefined;
  readonly targets: ClockTargets;
}

/**
 * `committed`: the contents of the rows this process committed (store/committed-outbox.ts), so that
 * a relay reads only which rows are pending, not the rows again.
 */
export function createOutboxRelay(sql: Sql, sink: RecordSink, local?: LocalHandOver, clocks?: RelayClocks, committed?: CommittedOutbox): OutboxRelay {
  const published = new Map<string, string>();
  let queued = new Map<string, Waiter[]>();
  let running = false;

  function start(): void {
    if (running || queued.size === 0) return;
    const group = queued;
    queued = new Map();
    running = true;
    const shards = [...group.keys()];
    // Taken before the rows are read: every commit a clock comes from is then in what is relayed.
    const due = clocks ? clocksDue(clocks, shards, published) : [];
    relayShards(sql, sink, shards, local, committed)
      .then(async ({ counts, unrelayed }) => {
        // Not behind rows left pending (an origin taken by another process, a full receiver): the
        // heartbeat asks again while the clock is unpublished.
        const covered = due.filter((d) => !unrelayed.has(d.shard));
        if (covered.length > 0) {
          await sink.send(clockRecords(covered, clocks!.targets));
          for (const { shard, clock } of covered) published.set(shard, clock);
        }
        return counts;
      })
      .then(
        (counts) => {
          for (const [shard, waiters] of group) for (const w of waiters) w.resolve(counts.get(shard) ?? 0);
        },
        (e) => {
          for (const waiters of group.values()) for (const w of waiters) w.reject(e);
        },
      )
      .finally(() => {
        running = false;
        start();
      });
  }

  return {
    publishedClock: (shard) => published.get(shard),
    flush(shard) {
      return new Promise<number>((resolve, reject) => {
        const waiters = queued.get(shard);
        if (waiters) waiters.push({ resolve, reject });
        else queued.set(shard, [{ resolve, reject }]);
        start();
      });
    },
  };
}

/** The clocks of `shards` not yet published. */
function clocksDue(clocks: RelayClocks, shards: readonly string[], published: ReadonlyMap<string, string>): { shard: string; clock: string }[] {
  const due: { shard: string; clock: string }[] = [];
  for (const shard of shards) {
    const clock = clocks.clockOf(shard);
    if (clock !== undefined && published.get(shard) !== clock) due.push({ shard, clock });
  }
  return due;
}

/**
 * Relays every pending row of `shards`; returns how many records went out per shard, and the
 * shards whose rows were not all handled (with local delivery: taken by another process, or a
 * receiver's queue was full).
 */
async function relayShards(
  sql: Sql, sink: RecordSink, shards: readonly string[], local: LocalHandOver | undefined, committed: CommittedOutbox | undefined,
): Promise<{ counts: Map<string, number>; unrelayed: Set<string> }> {
  const counts = new Map<string, number>();
  const unrelayed = new Set<string>();
  let left = shards;
  while (left.length > 0) {
    const perShard = Math.max(MIN_PER_SHARD, Math.ceil(BATCH / left.length));
    const generation = local?.delivery.generation;
    const { rows, filled } = await readPendingOutbox(sql, left, perShard, local?.delivery.cursors, committed);
    // The shards that filled their share of a read may hold more; the others are drained (rows
    // committed since are relayed by the flush their commit asks for).
    if (!local) {
      await publishThenDelete(sql, sink, rows, counts);
      left = left.filter((s) => filled.has(s));
      continue;
    }
    // Shards were taken or given up during the read (cursors may have been reset): sort nothing
    // by what was held before; read again.
    if (local.delivery.generation !== generation) continue;
    const outcome = await publishOrHandOver(sql, sink, rows, counts, local, generation!);
    // …or during the publish: what was to be handed over is read again, for the shards held now
    // (what was published is deleted, and not read again).
    if (outcome === 'shards moved') continue;
    for (const s of outcome) unrelayed.add(s);
    left = left.filter((s) => filled.has(s) && !outcome.has(s));
  }
  return { counts, unrelayed };
}

/**
 * Produces `rows` (shard by shard, oldest first) in requests capped by size, then deletes what was
 * published — also when a later request fails, so a retry does not republish the earlier ones.
 */
async function publishThenDelete(sql: Sql, sink: RecordSink, rows: readonly ShardOutboxRow[], counts: Map<string, number>): Promise<void> {
  const published = new Map<string, number>();
  try {
    await publishInRequests(sink, rows, counts, (r) => published.set(r.shard, r.seq));
  } finally {
    if (published.size > 0) await deleteRelayed(sql, [...published].map(([shard, seq]) => ({ shard, seq })));
  }
}

/**
 * Local delivery: rows for shards held here are handed over (after the rest is published, so a
 * receiver's barrier covers every earlier publish of the origin), the others are published and
 * deleted by their seqs. Each origin's cursor then moves past what was handled; a receiver whose
 * queue is full leaves that row and the origin's later ones pending for a later relay.
 *
 * An origin held here whose owner epoch in Postgres (read with the rows) is not the one held has
 * been taken by another process: nothing of it goes out from here (see `taken`). A row is handed
 * over only when no shard was taken or given up here since `generation` was read: the receivers
 * and epochs decided on are then still the ones held. Otherwise nothing is handed over ('shards
 * moved'): the cursors stay, and the caller reads again.
 */
async function publishOrHandOver(
  sql: Sql, sink: RecordSink, rows: readonly PendingOutboxRow[], counts: Map<string, number>, local: LocalHandOver, generation: number,
): Promise<Set<string> | 'shards moved'> {
  const remote: ShardOutboxRow[] = [];
  const handed = new Map<Owned, Map<string, PendingOutboxRow[]>>();
  // Origins held here that another process has taken since: none of their rows go out from here.
  // Some may wait in a receiver's memory queue already; the new owner's acquisition relay reads
  // every pending row from the start and publishes them in order (a later row published here
  // could reach the receiver before them).
  const taken = new Set<string>();
  for (const r of rows) {
    const heldEpoch = local.epochOf(r.shard);
    if (heldEpoch !== undefined && r.ownerEpoch !== heldEpoch) {
      taken.add(r.shard);
      continue;
    }
    const receiver = heldEpoch !== undefined ? local.delivery.receiverOf(r) : undefined;
    if (!receiver) {
      remote.push(r);
      continue;
    }
    const byOrigin = handed.get(receiver) ?? new Map<string, PendingOutboxRow[]>();
    handed.set(receiver, byOrigin);
    const list = byOrigin.get(r.shard);
    if (list) list.push(r);
    else byOrigin.set(r.shard, [r]);
  }
  const published: { shard: string; seq: number }[] = [];
  try {
    await publishInRequests(sink, remote, counts, (r) => published.push({ shard: r.shard, seq: r.seq }));
  } finally {
    await deleteOutboxRows(sql, published);
  }
  if (local.delivery.generation !== generation) return 'shards moved';
  // From here to the end nothing awaits: the shards held are those the rows were sorted by.
  const cursors = local.delivery.cursors;
  for (const r of rows) if (!taken.has(r.shard)) cursors.set(r.shard, Math.max(cursors.get(r.shard) ?? 0, r.seq));
  // Not relayed further here: full receivers (read again once they drain) and origins taken elsewhere.
  const starved = new Set<string>(taken);
  for (const [receiver, byOrigin] of handed) {
    for (const [origin, list] of byOrigin) {
      if (local.delivery.handOver(receiver, origin, list[0]!.ownerEpoch!, list)) continue;
      // Not all taken (the receiver's queue is full): the origin is read from the start again when
      // the queue drains (rows handed already are skipped), and not again in this relay.
      cursors.delete(origin);
      starved.add(origin);
    }
  }
  return starved;
}

/**
 * Produces `rows` in order, in requests capped by size; each row is passed to `sent` (and counted
 * for its shard) once the request that carried it was acknowledged, so a failed request leaves
 * the caller knowing exactly what went out before it.
 */
async function publishInRequests(sink: RecordSink, rows: readonly ShardOutboxRow[], counts: Map<string, number>, sent: (r: ShardOutboxRow) => void): Promise<void> {
  for (let at = 0; at < rows.length; ) {
    const end = requestEnd(rows, at);
    await sink.send(rows.slice(at, end).map(toRecord));
    for (let i = at; i < end; i++) {
      const r = rows[i]!;
      sent(r);
      counts.set(r.shard, (counts.get(r.shard) ?? 0) + 1);
    }
    at = end;
  }
}

/**
 * Where the produce request that starts at `from` ends. Capped by size too: Kafka refuses a
 * request over message.max.bytes (1 MB by default), and a refused batch would be retried forever,
 * wedging the outbox.
 */
function requestEnd(rows: readonly ShardOutboxRow[], from: number): number {
  let bytes = 0;
  let end = from;
  while (end < rows.length) {
    const size = recordSize(rows[end]!);
    if (end > from && bytes + size > MAX_BATCH_BYTES) break;
    bytes += size;
    end++;
  }
  return end;
}

function toRecord(r: ShardOutboxRow): OutgoingRecord {
  return { topic: r.topic, key: r.key, value: r.value, headers: { ...r.headers, [ORIGIN_HEADER]: r.shard, [SEQ_HEADER]: String(r.seq) } };
}

/** Roughly what a row weighs in a produce request: key, value and headers (characters, not bytes). */
function recordSize(r: { key: string; value: string; headers: Record<string, string> }): number {
  let size = r.key.length + r.value.length;
  for (const [name, value] of Object.entries(r.headers)) size += name.length + value.length;
  return size;
}
