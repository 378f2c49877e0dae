import type postgres from 'postgres';
import type { AggregateTable, ReadModel } from '../actors/projection.ts';
import type { Checkpoint } from './checkpoint-store.ts';
import { fenceQuery } from './checkpoint-store.ts';
import { startCheckpoint } from './checkpoint-writes.ts';
import { allStatements, type Started, type StatementSql } from './all-statements.ts';

/** What a processor's checkpoints can write: which statements they send. */
export interface CheckpointShape {
  /** Connections to prepare: the pool's size (each is reserved at once, so each is a different one). */
  connections: number;
  /** The read models of the actor types the processor runs. */
  readModels: readonly Pick<ReadModel<unknown>, 'table' | 'columns'>[];
  /** Their aggregate tables. */
  aggregates: readonly AggregateTable[];
  /** Whether any actor type keeps state history. */
  history: boolean;
  processedEventsTable?: string;
}

/**
 * Prepares every statement a checkpoint may send on each connection of a pool, before the first
 * checkpoint needs it (issue #19).
 *
 * Why: postgres.js runs a parameterized statement the first time on a connection as Parse +
 * Describe and binds it only once the answer is back; a reserved connection that waited for one
 * then sends each statement still queued after the previous one's answer
 * (node_modules/postgres/src/connection.js `build`, index.js `reserve`). A checkpoint has ~20 kinds
 * of statement, so a connection's first ones went out one per round trip, each waiting for a turn
 * of the processor's event loop: under a backlog the first pass's commits took 4.3–4.6 s, with
 * Postgres working 0.6–0.9 s of it (bench/README "Where an inline run's drain comes from"). Here
 * they are described on an idle loop at start, ~1 ms each, with the very text and parameter types
 * the writers send (the writers build them, on a handle that describes instead of running), so the
 * first checkpoint finds them prepared.
 *
 * Nothing is run: Postgres parses and plans each statement, holding the tables' usual row locks
 * until the describe's Sync. The processor's pool keeps its connections (store/pool.ts
 * `keepConnections`), so what is prepared here lasts; a connection opened later (one that broke)
 * prepares its statements at first use, as before. Reserves at most the pool's size; every
 * connection it got is released, also when another could not be opened.
 */
export async function prepareCheckpointStatements(sql: postgres.Sql, shape: CheckpointShape): Promise<void> {
  const count = Math.max(1, Math.min(shape.connections, sql.options.max));
  const reserved = await Promise.allSettled(Array.from({ length: count }, () => sql.reserve()));
  const conns = reserved.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  try {
    const failed = reserved.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const cps = sampleCheckpoints(shape);
    await Promise.all(conns.map((conn) => describeAll(conn, cps, shape.processedEventsTable)));
  } finally {
    for (const c of conns) c.release();
  }
}

async function describeAll(conn: postgres.ReservedSql, cps: Checkpoint[], processedEventsTable: string | undefined): Promise<void> {
  const tx = describing(conn);
  const started: (Started | undefined)[] = [fenceQuery(tx, cps).execute()];
  startCheckpoint(tx, cps, started, processedEventsTable);
  await allStatements(started); // every describe settled before the connection goes back to the pool
}

/**
 * `conn` whose queries are described instead of run: a tagged-template call and `unsafe` give the
 * query in describe-only mode (its `execute()` then sends Parse + Describe), everything else
 * (`typed`, identifier helpers) is `conn`'s own.
 */
function describing(conn: postgres.ReservedSql): StatementSql {
  const describeIfQuery = (q: unknown) => (q !== null && typeof q === 'object' && typeof (q as { describe?: unknown }).describe === 'function' ? (q as postgres.PendingQuery<postgres.Row[]>).describe() : q);
  return new Proxy(conn, {
    apply: (target, self, args) => describeIfQuery(Reflect.apply(target as (...a: unknown[]) => unknown, self, args)),
    get: (target, p) => {
      if (p === 'unsafe') return (...args: Parameters<typeof conn.unsafe>) => describeIfQuery(target.unsafe(...args));
      const v = Reflect.get(target, p);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as StatementSql;
}

/**
 * Checkpoints with a row in every section, so that each writer builds its statement: one carries
 * the entity rows, offsets, positions, timers, quarantines and parked inputs, the others one read
 * model each (a checkpoint holds one actor type's). Values only need the JavaScript kinds the real
 * rows have, which is what postgres.js keys a prepared statement by (with its text).
 */
function sampleCheckpoints(shape: CheckpointShape): Checkpoint[] {
  const key = 'warmup';
  const base: Checkpoint = {
    shard: key,
    epoch: 0,
    offsets: [{ topic: key, partition: 0, nextOffset: 0, eventTimeMax: 0 }],
    states: [{ actorType: key, key, partition: 0, stateVersion: 1, stateJson: '{}', quarantine: null, recentIds: key, held: key }],
    outbox: [{ topic: key, key, value: key, headers: {} }],
    alerts: [{ id: key, type: 'velocity', entityType: 'user', entityKey: key, severity: 'info', ts: 0, detectedAt: 0, reasons: [], details: { summary: key } }],
    inboxPositions: [{ origin: key, lastSeq: 0 }],
    timersAdded: [{ actorType: key, key, dueAt: 0, seq: 0, timer: {} }],
    timersRemoved: [0],
    quarantines: [{ actorType: key, key, partition: 0, stateVersion: 1, initialState: null, reason: key }],
    parked: [{ actorType: key, key, partition: 0, code: 'QUARANTINED', reason: key, input: '{}', at: 0, source: { topic: key, partition: 0, offset: 0 } }],
    released: [{ actorType: key, key, throughSeq: 0 }],
    consumedOutbox: [{ origin: key, seq: 0 }],
    aggregates: shape.aggregates.map((table) => ({ table, rows: [{ minute: 0, dims: [], values: [] }] })),
    ...(shape.history
      ? { history: [{ actorType: key, key, partition: 0, at: 0, stateVersion: 1, stateJson: '{}', quarantine: null, recentIds: null, timers: [], sourceOffset: 0, inboxOffset: 0, inboxPositions: {} }] }
      : {}),
    ...(shape.processedEventsTable ? { processed: [{ topic: key, partition: 0, offset: 0, id: key, type: key, key, ts: 0, json: '{}' }] } : {}),
  };
  const readModels = shape.readModels.map((rm): Checkpoint => ({
    shard: key,
    epoch: 0,
    offsets: [],
    states: [],
    outbox: [],
    alerts: [],
    inboxPositions: [],
    timersAdded: [],
    timersRemoved: [],
    readModel: { table: rm.table, columns: rm.columns, rows: [[key]] },
  }));
  return [base, ...readModels];
}
