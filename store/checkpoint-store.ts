import type postgres from 'postgres';
import type { Alert } from '../schemas/index.ts';
import { ShardFenced } from './shard-fenced.ts';
import type { ShardDelta } from '../engine/index.ts';
import { parkedInputsOf } from './parked-inputs.ts';
import type { ParkedRow } from '../engine/shard/parked.ts';
import { startCheckpoint, type OutboxSeqs } from './checkpoint-writes.ts';
import type { CommittedOutbox } from './committed-outbox.ts';
import { allStatements, type Started, type StatementSql } from './all-statements.ts';
import { findUnstorable, type Unstorable } from './unstorable.ts';

export { isDataError, type Unstorable } from './unstorable.ts';

/**
 * Checkpoints to PostgreSQL. One `commit` is ONE transaction holding a shard's dirty actor states,
 * its next input offsets, its outbox messages, alerts, inbox positions and timer changes, guarded
 * by the shard's epoch: a stale owner (one whose epoch was superseded by a newer `acquire`) gets
 * `ShardFenced` and nothing of its checkpoint lands. All writes are set-based (UNNEST), never one
 * statement per entity.
 */
export interface CheckpointStore {
  /** Takes ownership of a shard: bumps and returns its epoch, fencing any previous owner. */
  acquire(shard: string, ownerId: string, httpAddress?: string): Promise<number>;
  /** The shard's current epoch (undefined when never acquired): an owner whose epoch it still is may keep it. */
  currentEpoch(shard: string): Promise<number | undefined>;
  commit(checkpoint: Checkpoint): Promise<void>;
  /**
   * Several shards' checkpoints in ONE transaction (group commit): one fence check and one
   * statement per table for all of them. All land or none does: a stale epoch of any of them is
   * `ShardFenced` (naming it) and nothing of the group lands.
   */
  commitGroup?(checkpoints: readonly Checkpoint[]): Promise<void>;
  /**
   * After `commit` failed with a data error (`isDataError`): which entities' rows (or which dead
   * letters, by outbox index) Postgres refuses, found by bisection in savepoints of a transaction
   * that is rolled back. Empty when no single group fails on its own.
   */
  findUnstorable(checkpoint: Checkpoint): Promise<Unstorable[]>;
  /** Everything needed to resume a shard where its last committed checkpoint left it. */
  /**
   * The shard's checkpoint. With `lazyAbove`, a shard holding more entities than that loads only
   * the states of entities with a pending timer (`storedUnknown`): the rest is read back on demand,
   * like a passivated entity, so taking a large shard over waits neither for its states nor for
   * their keys (`storedKeys`, read afterwards).
   */
  load(shard: string, actorType: string, partition: number, opts?: { lazyAbove?: number }): Promise<ShardSnapshot>;
  /** The keys of a shard's committed entities without a pending timer: what a lazy `load` left in Postgres. */
  storedKeys(shard: string, actorType: string, partition: number): Promise<string[]>;
  /** The committed rows of some entities (to rehydrate passivated ones, or answer a query). */
  loadStates(actorType: string, keys: readonly string[]): Promise<StoredState[]>;
  /** A quarantined entity's parked inputs, oldest first (store/parked-inputs.ts). */
  parkedInputs(actorType: string, key: string): Promise<ParkedRow[]>;
}

export interface StoredState {
  key: string;
  stateVersion: number;
  state: unknown;
  quarantine: string | null;
  /** The entity's dedup window as stored (ids one per line, see engine/shard/recent-ids.ts); absent when empty. */
  recentIds?: string;
  /** Inputs it holds while awaiting answers, as stored (engine/shard/awaiting-holds.ts); absent when none. */
  held?: string;
  /** When the row was last committed (epoch ms). */
  updatedAt: number;
}

/** One shard's checkpoint: what the shard accumulated (`ShardDelta`) plus who writes it, at which epoch. */
export interface Checkpoint extends ShardDelta {
  shard: string;
  epoch: number;
  /**
   * Entities to mark quarantined without writing their state (Postgres refused it): an existing
   * row keeps its committed state, a new one starts from `initialState`; their pending timers stay.
   */
  quarantines?: Quarantine[];
}

export interface Quarantine {
  actorType: string;
  key: string;
  partition: number;
  stateVersion: number;
  initialState: unknown;
  reason: string;
}

export interface ShardSnapshot {
  offsets: Map<string, number>;
  /**
   * By `<topic>:<partition>`, the running maximum of event time up to the offset, where one was
   * written (a source partition, after its first event): the shard takes its own source's.
   */
  eventTimes: Map<string, number>;
  /**
   * States as JSON text: parsing is left to the shard worker, off the consumer's thread, and text
   * is cheaper than objects both to read from Postgres and to post to a worker (1M entities).
   */
  states: { key: string; stateVersion: number; stateJson: string; quarantine: string | null; recentIds?: string; held?: string }[];
  /** Keys of committed entities whose states were not loaded (see `load`'s `lazyAbove`). */
  stored?: string[];
  /** A lazy load: states not loaded, keys not either (`storedKeys` reads them). */
  storedUnknown?: boolean;
  inboxPositions: Map<string, number>;
  timers: { actorType: string; key: string; dueAt: number; seq: number; timer: unknown }[];
}

/** Builds the store over a postgres.js connection pool (the schema must be migrated). */
export interface CheckpointStoreOptions {
  /** The processed-events table (store/processed-events.ts), when opted in. */
  processedEventsTable?: string;
  /** Keeps what each commit put in the outbox, with its seqs, so that the relay need not read it back. */
  committedOutbox?: CommittedOutbox;
}

export function createCheckpointStore(sql: postgres.Sql, opts: CheckpointStoreOptions = {}): CheckpointStore {
  return {
    async acquire(shard, ownerId, httpAddress) {
      const [row] = await sql`
        insert into shard_owners (shard, epoch, owner_id, http_address) values (${shard}, 1, ${ownerId}, ${httpAddress ?? null})
        on conflict (shard) do update set epoch = shard_owners.epoch + 1, owner_id = excluded.owner_id,
          http_address = excluded.http_address, acquired_at = now()
        returning epoch`;
      return Number(row!.epoch);
    },

    async currentEpoch(shard) {
      const [row] = await sql`select epoch from shard_owners where shard = ${shard}`;
      return row ? Number(row.epoch) : undefined;
    },

    commit: (cp) => commitFenced(sql, [cp], opts.processedEventsTable, opts.committedOutbox),

    async commitGroup(cps) {
      if (cps.length === 0) return;
      const shards = cps.map((cp) => cp.shard);
      if (new Set(shards).size !== shards.length) throw new Error(`a group commit names a shard twice: ${shards.join(', ')}`);
      await commitFenced(sql, cps, opts.processedEventsTable, opts.committedOutbox);
    },

    findUnstorable: (cp) => findUnstorable(sql, cp, opts.processedEventsTable),

    parkedInputs: (actorType, key) => parkedInputsOf(sql, actorType, key),

    async loadStates(actorType, keys) {
      if (keys.length === 0) return [];
      const rows = await sql`select key, state_version, state, quarantine, recent_event_ids, held_inputs, updated_at from actor_states
        where actor_type = ${actorType} and key = any(${keys as string[]}::text[])`;
      return rows.map((r) => ({
        key: r.key as string,
        stateVersion: r.state_version as number,
        state: r.state,
        quarantine: (r.quarantine as string | null) ?? null,
        ...(r.recent_event_ids ? { recentIds: r.recent_event_ids as string } : {}),
        ...(r.held_inputs ? { held: r.held_inputs as string } : {}),
        updatedAt: (r.updated_at as Date).getTime(),
      }));
    },

    async storedKeys(shard, actorType, partition) {
      const rows = await sql`select key from actor_states where actor_type = ${actorType} and partition = ${partition}
        and key not in (select key from timers where shard = ${shard})`.values();
      return rows.map((r) => r[0] as string);
    },

    async load(shard, actorType, partition, opts = {}) {
      const lazy = opts.lazyAbove !== undefined && (await countStates(sql, actorType, partition)) > opts.lazyAbove;
      const [states, offsets, positions, timers] = await Promise.all([
        lazy
          // Lazily, only the entities a timer or held inputs need: the clock a shard publishes counts what it holds.
          ? sql`select key, state_version, state::text as state_json, quarantine, recent_event_ids, held_inputs from actor_states
              where actor_type = ${actorType} and partition = ${partition} and (held_inputs is not null or key in (select key from timers where shard = ${shard}))`
          : sql`select key, state_version, state::text as state_json, quarantine, recent_event_ids, held_inputs from actor_states where actor_type = ${actorType} and partition = ${partition}`,
        sql`select topic, partition, next_offset, event_time_max from input_offsets where shard = ${shard}`,
        sql`select origin, last_seq from inbox_positions where shard = ${shard}`,
        sql`select actor_type, key, due_at, seq, timer from timers where shard = ${shard} order by due_at, seq`,
      ]);
      return {
        states: states.map((r) => ({
          key: r.key as string,
          stateVersion: r.state_version as number,
          stateJson: r.state_json as string,
          quarantine: (r.quarantine as string | null) ?? null,
          ...(r.recent_event_ids ? { recentIds: r.recent_event_ids as string } : {}),
          ...(r.held_inputs ? { held: r.held_inputs as string } : {}),
        })),
        ...(lazy ? { storedUnknown: true } : {}),
        offsets: new Map(offsets.map((r) => [`${r.topic}:${r.partition}`, Number(r.next_offset)])),
        eventTimes: new Map(offsets.filter((r) => r.event_time_max !== null).map((r) => [`${r.topic}:${r.partition}`, Number(r.event_time_max)])),
        inboxPositions: new Map(positions.map((r) => [r.origin as string, Number(r.last_seq)])),
        timers: timers.map((r) => ({
          actorType: r.actor_type as string,
          key: r.key as string,
          dueAt: Number(r.due_at),
          seq: Number(r.seq),
          timer: r.timer,
        })),
      };
    },
  };
}

/** The statement that raises unless every shard of `cps` is still held at its epoch (migration 10). */
export function fenceQuery(conn: StatementSql, cps: readonly Pick<Checkpoint, 'shard' | 'epoch'>[]) {
  return conn`select actorstream_fence(${cps.map((cp) => cp.shard)}::text[], ${cps.map((cp) => cp.epoch)}::int[])`;
}

/**
 * Commits `cps` (one shard's checkpoint, or a group of shards') in ONE transaction, fenced by each
 * shard's epoch, in ONE round trip: BEGIN, the fence, every write and COMMIT are started together
 * on a reserved connection, and postgres.js pipelines them in that order. Under a backlog each
 * round trip waits for the processor's busy event loop (issue #19, bench/README "The drain"); with
 * `sql.begin`, BEGIN, the writes and COMMIT were three of them.
 *
 * The fence is `actorstream_fence` (migration 10): it locks the shards' owner rows, in shard order,
 * which orders the commit against a concurrent acquire, and raises when an epoch is stale. A raise,
 * or any write Postgres refuses, aborts the transaction: every later statement fails and COMMIT
 * rolls it back. So nothing lands unless every statement succeeded, and the error reported is the
 * first one (the fence's, as ShardFenced, before any data error).
 *
 * What this rests on: BEGIN succeeds on a live connection (it has nothing to fail on). Were it to
 * fail, the statements behind it would each commit on their own; the commit then reports that
 * failure, so the shard is restored from whatever landed. A guard that made the connection
 * read-only around the transaction was tried and removed: on the embedded default every
 * connection shares PGlite's one session (adapters/embedded/pglite-session-queue.ts), so a
 * session setting made between exchanges would reach the other connections' statements.
 */
async function commitFenced(sql: postgres.Sql, cps: readonly Checkpoint[], processedEventsTable: string | undefined, committed?: CommittedOutbox): Promise<void> {
  const conn = await sql.reserve();
  try {
    const begin = conn`begin`.execute().catch((e: Error) => {
      throw new Error(`BEGIN of a checkpoint failed, so its statements may have run outside a transaction: ${e.message}`);
    });
    const fence = fenceQuery(conn, cps).execute();
    const writes: (Started | undefined)[] = [];
    let outbox: Promise<OutboxSeqs> | undefined;
    try {
      outbox = startCheckpoint(conn, cps, writes, processedEventsTable);
    } catch (e) {
      throw await rolledBack(conn, [begin, fence, ...writes], e);
    }
    const commit = conn`commit`.execute();
    // The first failure, in statement order, is the one reported.
    await allStatements([begin, fence, ...writes, commit]).catch((e: unknown) => {
      throw fencedOr(e);
    });
    const done = await commit;
    if (done.command !== 'COMMIT') throw new Error(`a checkpoint's COMMIT answered ${done.command}`);
    if (committed && outbox) rememberCommitted(committed, cps, await outbox);
  } finally {
    conn.release();
  }
}

/**
 * The committed outbox rows of `cps` with the seqs their insert drew, for the relay
 * (store/committed-outbox.ts). The commit has landed by now, so nothing here may throw: an answer
 * of an unexpected shape keeps nothing, and the relay reads those rows back.
 */
function rememberCommitted(committed: CommittedOutbox, cps: readonly Checkpoint[], drawn: OutboxSeqs): void {
  const seqsOf = new Map(drawn.filter((d) => Array.isArray(d.seqs)).map((d) => [d.shard, d.seqs.map(Number)]));
  for (const cp of cps) {
    const seqs = seqsOf.get(cp.shard);
    if (seqs) committed.remember(cp.shard, cp.outbox, seqs);
  }
}

/**
 * A write that failed before its statement was sent (a value JSON cannot encode: json-rows.ts
 * UnencodableValue), with BEGIN and the fence already on their way: ROLLBACK behind them, so the
 * connection goes back to the pool outside any transaction (released inside one, its next
 * statements, an acquire's epoch among them, would have run in it and been rolled back later).
 * Every statement sent is settled first. Reported as the fence's refusal when there is one, as
 * for any other data error.
 */
async function rolledBack(conn: postgres.ReservedSql, sent: readonly (Started | undefined)[], e: unknown): Promise<unknown> {
  const settled = await Promise.allSettled([...sent, conn`rollback`.execute()]);
  const fenced = settled.find((s) => s.status === 'rejected' && (s.reason as { code?: string } | null)?.code === 'AS001');
  return fenced ? fencedOr((fenced as PromiseRejectedResult).reason) : e;
}

/** The fence's refusal (SQLSTATE AS001, its DETAIL naming the stale shard) as ShardFenced; any other error as is. */
function fencedOr(e: unknown): unknown {
  if ((e as { code?: string } | null)?.code !== 'AS001') return e;
  const d = JSON.parse((e as { detail: string }).detail) as { shard: string; epoch: number; current: number | null };
  return new ShardFenced(d.shard, d.epoch, d.current ?? undefined);
}

/** How many committed entities a shard has (an index-only count, far cheaper than reading them). */
async function countStates(sql: postgres.Sql, actorType: string, partition: number): Promise<number> {
  const [row] = await sql`select count(*)::int as n from actor_states where actor_type = ${actorType} and partition = ${partition}`;
  return row!.n as number;
}

