import { describe, expect, test } from 'bun:test';
import { createCheckpointStore, ensureProcessedEventsTable, openPool, prepareCheckpointStatements, type Checkpoint, type CheckpointShape, type Sql } from '../store/index.ts';
import { useMigratedDatabase } from './support/migrated-database.ts';
import { AGGREGATE_TABLES, SALES_MINUTE } from '../actors/analytics/tables.ts';
import { ordersReadModel } from '../actors/analytics/order-analytics.ts';
import { skuStockReadModel } from '../actors/analytics/sku-analytics.ts';
import { userRiskReadModel } from '../actors/analytics/user-analytics.ts';

/**
 * The warm-up prepares, on every connection of a pool, each parameterized statement a checkpoint
 * sends, with the text and parameter types the writers use: a commit after it prepares nothing
 * more. Each statement prepared at first use cost a round trip of its own under a backlog, and a
 * reserved connection then sent the rest of the transaction one statement per round trip
 * (store/checkpoint-warmup.ts).
 */
const db = useMigratedDatabase({ seed: (sql) => ensureProcessedEventsTable(sql, 'processed_events_warm') });
const M = Date.UTC(2026, 11, 2, 10, 0);
const SHAPE: Omit<CheckpointShape, 'connections'> = {
  readModels: [ordersReadModel, skuStockReadModel, userRiskReadModel],
  aggregates: AGGREGATE_TABLES,
  history: true,
  processedEventsTable: 'processed_events_warm',
};

/**
 * Statements with parameters prepared on the pool's one connection (those postgres.js describes
 * before it binds them), each as its whole text and parameter types: the same text prepared again
 * with other types is another entry.
 */
async function describedOnConnection(sql: Sql): Promise<string[]> {
  const rows = await sql.unsafe('select statement, parameter_types::text as types from pg_prepared_statements where cardinality(parameter_types) > 0');
  return rows.map((r) => `${String(r.types)} ${String(r.statement).replace(/\s+/g, ' ').trim()}`).sort();
}

/** What `after` holds beyond `before`, counting repeats (multisets). */
function beyond(after: readonly string[], before: readonly string[]): string[] {
  const left = [...before];
  return after.filter((s) => {
    const i = left.indexOf(s);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

/** A group commit with a row in every section the writers have, read models of three types included. */
function everySection(shards: { shard: string; epoch: number }[], tag: string): Checkpoint[] {
  const [a, b, c] = shards as [{ shard: string; epoch: number }, { shard: string; epoch: number }, { shard: string; epoch: number }];
  const key = `k-${tag}`;
  return [
    {
      ...a,
      offsets: [{ topic: `t-${tag}`, partition: 0, nextOffset: 5, eventTimeMax: M }],
      states: [{ actorType: 'order', key, partition: 0, stateVersion: 1, state: { n: 1 } }],
      outbox: [{ topic: 'app.sku.inbox', key, value: '{}', headers: { a: 'b' }, from: key }],
      alerts: [{ id: `a-${tag}`, type: 'velocity', entityType: 'user', entityKey: key, severity: 'warning', ts: M, detectedAt: M, reasons: ['e'], details: { summary: 's' } }],
      inboxPositions: [{ origin: 'sku/0', lastSeq: 3 }],
      timersAdded: [{ actorType: 'order', key, dueAt: M, seq: 1, timer: { type: 'payment_timeout' } }],
      timersRemoved: [7],
      quarantines: [{ actorType: 'order', key: `q-${tag}`, partition: 0, stateVersion: 1, initialState: {}, reason: 'r' }],
      parked: [{ actorType: 'order', key: `q-${tag}`, partition: 0, code: 'QUARANTINED', reason: 'r', input: '{}', at: M, source: { topic: 'transaction_events', partition: 0, offset: 1 } }],
      released: [{ actorType: 'order', key: `r-${tag}`, throughSeq: 1 }],
      consumedOutbox: [{ origin: 'sku/0', seq: 1 }],
      history: [{ actorType: 'order', key, partition: 0, at: M, stateVersion: 1, state: { n: 1 }, quarantine: null, recentIds: null, timers: [], sourceOffset: 5, inboxOffset: 0, inboxPositions: {} }],
      processed: [{ topic: 'transaction_events', partition: 0, offset: 4, id: `e-${tag}`, type: 'order_placed', key, ts: M, json: '{}' }],
      aggregates: AGGREGATE_TABLES.map((table) => ({ table, rows: [{ minute: M, dims: table.dimensions.map(() => 'x'), values: table.measures.map(() => 1) }] })),
      readModel: { table: 'orders', columns: ordersReadModel.columns, rows: [[key, 'u-1', 'placed', 1, 100, 'EUR', 'DE', M, null, null, null, null]] },
    },
    { ...b, offsets: [], states: [], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [], readModel: { table: 'sku_stock', columns: skuStockReadModel.columns, rows: [[`s-${tag}`, 5, 0, 5, 2, false]] } },
    { ...c, offsets: [], states: [], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [], readModel: { table: 'user_risk', columns: userRiskReadModel.columns, rows: [[`u-${tag}`, 0, 0, 0, 0, 0, 'velocity', M, 'DE', 1, 100]] } },
  ];
}

async function firstCommit(warm: boolean, tag: string): Promise<{ before: string[]; added: string[] }> {
  const sql = openPool(db.url, { max: 1 });
  try {
    if (warm) await prepareCheckpointStatements(sql, { ...SHAPE, connections: 1 });
    const store = createCheckpointStore(sql, { processedEventsTable: 'processed_events_warm' });
    const shards = [];
    for (const s of [`order/w-${tag}`, `sku/w-${tag}`, `user/w-${tag}`]) shards.push({ shard: s, epoch: await store.acquire(s, 'proc-a') });
    const before = await describedOnConnection(sql);
    await store.commitGroup!(everySection(shards, tag));
    const after = await describedOnConnection(sql);
    return { before, added: beyond(after, before) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

describe('checkpoint statements prepared at start', () => {
  test('without the warm-up, a connection\'s first commit prepares a dozen statements or more (each a round trip of its own)', async () => {
    const { added } = await firstCommit(false, 'cold');
    expect(added.length).toBeGreaterThanOrEqual(12);
    for (const table of ['actor_states', 'outbox', 'alerts', 'timers', 'input_offsets', 'inbox_positions', 'parked_inputs', 'actor_state_history', '"processed_events_warm"', '"orders"', '"sku_stock"', '"user_risk"', '"sales_minute_part"']) {
      expect({ table, written: added.some((s) => s.includes(`insert into ${table} `)) }).toEqual({ table, written: true });
    }
    expect(added.some((s) => s.includes('actorstream_fence'))).toBe(true);
  });

  test('after it, the first commit with a row in every section finds every statement prepared', async () => {
    const { before, added } = await firstCommit(true, 'warm');
    expect(before.length).toBeGreaterThanOrEqual(12);
    expect(added).toEqual([]);
  });

  test('it prepares every connection of the pool, runs nothing, and the sales views still read empty', async () => {
    const sql = openPool(db.url, { max: 3 });
    try {
      await prepareCheckpointStatements(sql, { ...SHAPE, connections: 3 });
      const counts = await Promise.all([0, 1, 2].map(async () => {
        const conn = await sql.reserve();
        try {
          const [r] = await conn.unsafe('select pg_backend_pid() as pid, count(*)::int as n from pg_prepared_statements where cardinality(parameter_types) > 0');
          return r as unknown as { pid: number; n: number };
        } finally {
          conn.release();
        }
      }));
      expect(new Set(counts.map((c) => c.pid)).size).toBe(3);
      for (const c of counts) expect(c.n).toBeGreaterThanOrEqual(12);
      const [warm] = await sql`select count(*)::int as n from actor_states where key = 'warmup'`;
      expect(warm!.n).toBe(0);
      const [sales] = await sql`select count(*)::int as n from ${sql(SALES_MINUTE.table + '_part')} where shard = 'warmup'`;
      expect(sales!.n).toBe(0);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
