import { beforeAll, describe, expect, test } from 'bun:test';
import type { OrderState } from '../actors/order.ts';
import type { SkuState } from '../actors/sku.ts';
import { ShardFenced } from '../store/shard-fenced.ts';
import type { Alert } from '../schemas/index.ts';
import { createTestDatabase } from '../scripts/infra/test-database.ts';
import { useMigratedDatabase } from './support/migrated-database.ts';
import {
  alertExists, alertsAfter, appliedMigrations, createCheckpointStore, deleteRelayed, entityAlerts, entitySnapshot, listAlerts,
  migrate, openPool, orderStatusCounts, outboxPending, pendingOutboxOf, ping, quarantinedCount, replayResetCounts, resetForReplay,
  schemaPresent, shardInputOffsets, shardOwner, shardOwners, skuStockFacts, vacuumChurningTables, type Checkpoint, type CheckpointStore, type Sql,
} from '../store/index.ts';

/**
 * The read and reset functions of store/ against a real Postgres: what each answers follows from
 * the rows a checkpoint commits (ARCHITECTURE.md: SKU and order semantics, alerts newest first,
 * fencing). Rows are written through the checkpoint store, as the runtime writes them; each test
 * uses its own shards, keys and actor types so they share one migrated database.
 */
const db = useMigratedDatabase();
let sql: Sql;
let store: CheckpointStore;

beforeAll(() => {
  sql = db.sql;
  store = createCheckpointStore(sql);
});

/** Takes `shard` for `owner` and commits `extra` at the epoch it got. */
async function commit(shard: string, extra: Partial<Checkpoint>, owner = 'proc-a'): Promise<number> {
  const epoch = await store.acquire(shard, owner, `http://${owner}:8080`);
  await store.commit({ shard, epoch, offsets: [], states: [], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [], ...extra });
  return epoch;
}

const sku = (key: string, s: Omit<SkuState, 'lowStock'>, actorType = 'sku') =>
  ({ actorType, key, partition: 0, stateVersion: 1, state: { ...s, lowStock: false } satisfies SkuState });

const order = (key: string, status: OrderState['status']) =>
  ({ actorType: 'order', key, partition: 0, stateVersion: 2, state: { status, userId: 'u-1', placedBy: 'e-1', placedAt: 1, lines: [], paymentAuthorized: false, refunded: 0, total: 0, currency: 'EUR', country: 'DE' } satisfies OrderState });

const alert = (id: string, a: Partial<Alert> = {}): Alert => ({
  id, type: 'velocity', entityType: 'user', entityKey: 'u-1', severity: 'warning', ts: 1_000, detectedAt: 1_000, reasons: ['e-1'], details: { summary: 'test alert' }, ...a,
});

describe('schema', () => {
  test('a database that never ran a migration has no schema and no applied versions; after migrate it has both', async () => {
    const fresh = await createTestDatabase();
    const pool = openPool(fresh.url, { max: 1 });
    try {
      await ping(pool);
      expect(await schemaPresent(pool)).toBe(false);
      expect(await appliedMigrations(pool)).toEqual(new Set());
      await migrate(pool);
      expect(await schemaPresent(pool)).toBe(true);
      expect(await appliedMigrations(pool)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    } finally {
      await pool.end({ timeout: 5 });
      await fresh.drop();
    }
  });

  test('ping rejects when nothing listens', async () => {
    const pool = openPool('postgres://postgres@127.0.0.1:1/postgres', { max: 1, connectTimeoutSeconds: 2 });
    try {
      await expect(ping(pool)).rejects.toThrow();
    } finally {
      await pool.end({ timeout: 1 });
    }
  });
});

describe('outbox', () => {
  test("each shard's pending rows come oldest first, up to the per-shard limit, in the order the shards were named, and leave once relayed", async () => {
    await commit('q-outbox/0', {
      outbox: [
        { topic: 'app.order.inbox', key: 'o-1', value: 'first', headers: { 'x-kind': 'reserve' } },
        { topic: 'app.user.inbox', key: 'u-1', value: 'second' },
        { topic: 'app.order.inbox', key: 'o-2', value: 'third' },
      ],
    });
    await commit('q-outbox/1', { outbox: [{ topic: 'app.sku.inbox', key: 's-1', value: 'other shard' }] });

    const read = await pendingOutboxOf(sql, ['q-outbox/1', 'q-outbox/0', 'q-outbox/none'], 2);
    expect(read.map(({ shard, topic, key, value, headers }) => ({ shard, topic, key, value, headers }))).toEqual([
      { shard: 'q-outbox/1', topic: 'app.sku.inbox', key: 's-1', value: 'other shard', headers: {} },
      { shard: 'q-outbox/0', topic: 'app.order.inbox', key: 'o-1', value: 'first', headers: { 'x-kind': 'reserve' } },
      { shard: 'q-outbox/0', topic: 'app.user.inbox', key: 'u-1', value: 'second', headers: {} },
    ]);
    expect(read[2]!.seq).toBeGreaterThan(read[1]!.seq);
    const before = await outboxPending(sql);

    await deleteRelayed(sql, [{ shard: 'q-outbox/0', seq: read[2]!.seq }, { shard: 'q-outbox/1', seq: read[0]!.seq - 1 }]);
    expect((await pendingOutboxOf(sql, ['q-outbox/0'], 10)).map((r) => r.value)).toEqual(['third']);
    expect((await pendingOutboxOf(sql, ['q-outbox/1'], 10)).map((r) => r.value)).toEqual(['other shard']);
    expect(await outboxPending(sql)).toBe(before - 2);
    expect(await pendingOutboxOf(sql, [], 10)).toEqual([]);
  });

  test("the relay's read and delete of several shards' rows are index scans on (shard, seq), not table scans", async () => {
    // The plans of the statements store/outbox.ts runs; with table scans ruled out the planner must
    // find an index that serves `shard = ? order by seq` (the primary key on seq alone does not).
    const plans = await sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      const read = await tx.unsafe(`explain select s.shard, o.seq from unnest('{q-outbox/0,q-outbox/1}'::text[]) with ordinality as s(shard, n)
        cross join lateral (select seq from outbox where outbox.shard = s.shard order by seq limit 2000) o order by s.n, o.seq`);
      const remove = await tx.unsafe(`explain delete from outbox using unnest('{q-outbox/0,q-outbox/1}'::text[], '{10,20}'::bigint[]) as u(shard, seq)
        where outbox.shard = u.shard and outbox.seq <= u.seq`);
      return [read, remove].map((rows) => rows.map((r) => Object.values(r)[0]).join('\n'));
    });
    for (const plan of plans) expect(plan).toContain('outbox_by_shard');
  });
});

describe('alerts', () => {
  const at = (ts: number) => ({ ts, detectedAt: ts });
  beforeAll(async () => {
    await commit('q-alerts/0', {
      alerts: [
        alert('q-a1', { ...at(100), entityKey: 'qa-u1' }),
        alert('q-a2', { ...at(200), entityKey: 'qa-u1', type: 'card_testing' }),
        alert('q-a3', { ...at(200), entityKey: 'qa-u2' }),
        alert('q-a4', { ...at(300), entityType: 'sku', entityKey: 'qa-u1', type: 'low_stock' }),
      ],
    });
  });

  test('one entity: newest first, filtered by type, key and since', async () => {
    const page = await listAlerts(sql, { entityType: 'user', entityKey: 'qa-u1', limit: 10 });
    expect(page).toEqual({ alerts: [expect.objectContaining({ id: 'q-a2' }), expect.objectContaining({ id: 'q-a1' })], next: null });
    expect((await listAlerts(sql, { entityKey: 'qa-u1', limit: 10 })).alerts.map((a) => a.id)).toEqual(['q-a4', 'q-a2', 'q-a1']);
    expect((await listAlerts(sql, { entityKey: 'qa-u1', type: 'card_testing', limit: 10 })).alerts.map((a) => a.id)).toEqual(['q-a2']);
    expect((await listAlerts(sql, { entityKey: 'qa-u1', since: 200, limit: 10 })).alerts.map((a) => a.id)).toEqual(['q-a4', 'q-a2']);
  });

  test('pages follow each other without gaps or repeats, ties at one time broken by id', async () => {
    const ours = (p: { alerts: Alert[] }) => p.alerts.map((a) => a.id);
    const first = await listAlerts(sql, { since: 100, limit: 2 });
    const all = await listAlerts(sql, { since: 100, limit: 100 });
    expect(ours(all).filter((id) => id.startsWith('q-a'))).toEqual(['q-a4', 'q-a3', 'q-a2', 'q-a1']);
    expect(first.next).toEqual({ ts: all.alerts[1]!.ts, id: all.alerts[1]!.id });
    const second = await listAlerts(sql, { since: 100, before: first.next!, limit: 100 });
    expect([...ours(first), ...ours(second)]).toEqual(ours(all));
    expect(second.next).toBeNull();
  });

  test("an entity's recent alerts, newest first, limited; none asked, none read", async () => {
    expect((await entityAlerts(sql, 'user', 'qa-u1', 1)).map((a) => a.id)).toEqual(['q-a2']);
    expect((await entityAlerts(sql, 'user', 'qa-u1', 10)).map((a) => a.id)).toEqual(['q-a2', 'q-a1']);
    expect(await entityAlerts(sql, 'user', 'qa-u1', 0)).toEqual([]);
  });

  test('alerts after an id: later detections oldest first, a minute of look-back, undefined for an unknown id', async () => {
    await commit('q-alerts/1', {
      alerts: [
        alert('q-r0', at(1_000_000 - 120_000)),
        alert('q-r1', at(1_000_000 - 30_000)),
        alert('q-ref', at(1_000_000)),
        alert('q-r3', at(1_000_000 + 5)),
      ],
    });
    expect((await alertsAfter(sql, 'q-ref'))?.map((a) => a.id)).toEqual(['q-r1', 'q-r3']);
    expect((await alertsAfter(sql, 'q-r3'))?.map((a) => a.id)).toEqual(['q-r1', 'q-ref']);
    expect(await alertsAfter(sql, 'q-no-such-alert')).toBeUndefined();
    expect(await alertExists(sql, 'q-ref')).toBe(true);
    expect(await alertExists(sql, 'q-no-such-alert')).toBe(false);
  });

  test('a known alert with nothing near it answers an empty list, not undefined', async () => {
    await commit('q-alerts/2', { alerts: [alert('q-alone', at(9_000_000_000))] });
    expect(await alertsAfter(sql, 'q-alone')).toEqual([]);
  });
});

describe('owners, offsets and entity snapshots', () => {
  test('the owner of record of a shard is the last to acquire it, at the epoch it got', async () => {
    expect(await shardOwner(sql, 'q-owned/0')).toBeUndefined();
    await commit('q-owned/0', {}, 'proc-a');
    await commit('q-owned/0', {}, 'proc-b');
    const owner = await shardOwner(sql, 'q-owned/0');
    expect(owner).toEqual({ shard: 'q-owned/0', ownerId: 'proc-b', epoch: 2, httpAddress: 'http://proc-b:8080', acquiredAt: expect.any(Date) });
  });

  test('every owner, by shard id', async () => {
    await commit('q-owned/2', {}, 'proc-c');
    await commit('q-owned/1', {}, 'proc-d');
    const shards = (await shardOwners(sql)).map((o) => o.shard);
    expect(shards.filter((s) => s.startsWith('q-owned/'))).toEqual(['q-owned/0', 'q-owned/1', 'q-owned/2']);
  });

  test("a shard's committed offsets of the topics asked, by topic", async () => {
    await commit('q-offsets/0', {
      offsets: [
        { topic: 'q-topic-b', partition: 0, nextOffset: 12 },
        { topic: 'q-topic-a', partition: 0, nextOffset: 7 },
        { topic: 'q-topic-c', partition: 0, nextOffset: 3 },
      ],
    });
    expect(await shardInputOffsets(sql, 'q-offsets/0', ['q-topic-b', 'q-topic-a'])).toEqual([
      { topic: 'q-topic-a', partition: 0, nextOffset: 7 },
      { topic: 'q-topic-b', partition: 0, nextOffset: 12 },
    ]);
    expect(await shardInputOffsets(sql, 'q-offsets/9', ['q-topic-a'])).toEqual([]);
  });

  test("an entity's last committed state, or undefined", async () => {
    await commit('q-entity/0', { states: [sku('q-e1', { onHand: 4, reserved: 1, reorderPoint: 2 }, 'q-entity')] });
    expect(await entitySnapshot(sql, 'q-entity', 'q-e1')).toEqual({
      key: 'q-e1', stateVersion: 1, state: { onHand: 4, reserved: 1, reorderPoint: 2, lowStock: false }, quarantine: null, updatedAt: expect.any(Number),
    });
    expect(await entitySnapshot(sql, 'q-entity', 'q-missing')).toBeUndefined();
  });
});

describe('dashboard facts', () => {
  // Runs before anything else writes 'sku' or 'order' states in this database.
  test('SKUs below their reorder point and out of stock, from available = onHand − reserved', async () => {
    await commit('sku/0', {
      states: [
        sku('d-fine', { onHand: 10, reserved: 2, reorderPoint: 5 }), // available 8 ≥ 5
        sku('d-low-3', { onHand: 5, reserved: 2, reorderPoint: 5 }), // available 3
        sku('d-low-1', { onHand: 4, reserved: 3, reorderPoint: 5 }), // available 1: most urgent
        sku('d-edge', { onHand: 7, reserved: 2, reorderPoint: 5 }), // available 5 = reorder point: not below
        sku('d-out-b', { onHand: 3, reserved: 3, reorderPoint: 5 }), // available 0
        sku('d-out-a', { onHand: 0, reserved: 0, reorderPoint: 0 }), // nothing on hand
      ],
    });
    expect(await skuStockFacts(sql, 20)).toEqual({
      lowStock: [{ sku: 'd-low-1', available: 1, reorderPoint: 5 }, { sku: 'd-low-3', available: 3, reorderPoint: 5 }],
      outOfStock: [{ sku: 'd-out-a', onHand: 0, reserved: 0 }, { sku: 'd-out-b', onHand: 3, reserved: 3 }],
    });
    expect(await skuStockFacts(sql, 1)).toEqual({
      lowStock: [{ sku: 'd-low-1', available: 1, reorderPoint: 5 }],
      outOfStock: [{ sku: 'd-out-a', onHand: 0, reserved: 0 }],
    });
  });

  test('orders per status, and quarantined entities of every type', async () => {
    const quarantinedBefore = await quarantinedCount(sql);
    await commit('order/0', {
      states: [order('d-o1', 'paid'), order('d-o2', 'paid'), order('d-o3', 'rejected'), { ...order('d-o4', 'placed'), quarantine: 'handler threw' }],
    });
    await commit('q-other/0', { states: [{ ...sku('d-q', { onHand: 1, reserved: 0, reorderPoint: 0 }, 'q-other'), quarantine: 'handler threw' }] });
    expect(await orderStatusCounts(sql)).toEqual(new Map([['paid', 2], ['rejected', 1], ['placed', 1]]));
    expect(await quarantinedCount(sql)).toBe(quarantinedBefore + 2);
  });
});

describe('replay reset', () => {
  const scope = {
    types: ['q-rt'],
    shards: ['q-rt/0', 'q-rt/1'],
    positions: [
      { topic: 'q-rt-source', partition: 0, shard: 'q-rt/0', offset: 0 },
      { topic: 'q-rt-source', partition: 1, shard: 'q-rt/1', offset: 4 },
      { topic: 'q-rt-inbox', partition: 0, shard: 'q-rt/0', offset: 9 },
    ],
  };

  test('counts, then deletes, the types’ states, timers, inbox positions, outbox and offsets; fences the owners; keeps alerts and other types', async () => {
    const epoch = await commit('q-rt/0', {
      states: [sku('r-1', { onHand: 1, reserved: 0, reorderPoint: 0 }, 'q-rt'), sku('r-2', { onHand: 2, reserved: 0, reorderPoint: 0 }, 'q-rt')],
      offsets: [{ topic: 'q-rt-source', partition: 0, nextOffset: 50 }, { topic: 'q-rt-inbox', partition: 0, nextOffset: 20 }],
      outbox: [{ topic: 'q-rt-inbox', key: 'r-1', value: 'unpublished' }],
      alerts: [alert('q-rt-alert', { entityType: 'sku', entityKey: 'q-rt-r-1' })],
      inboxPositions: [{ origin: 'q-rt/1', lastSeq: 3 }],
      timersAdded: [{ actorType: 'q-rt', key: 'r-1', dueAt: 5, seq: 1, timer: {} }],
    });
    await commit('q-keep/0', { states: [sku('k-1', { onHand: 1, reserved: 0, reorderPoint: 0 }, 'q-keep')], offsets: [{ topic: 'q-keep-source', partition: 0, nextOffset: 8 }] });

    expect(await replayResetCounts(sql, scope)).toEqual({ states: 2, timers: 1, inboxPositions: 1, outbox: 1, offsets: 2 });
    // Only q-rt/0 has an owner row: q-rt/1 was never acquired.
    expect(await resetForReplay(sql, scope)).toBe(1);

    expect(await replayResetCounts(sql, { ...scope, positions: [] })).toEqual({ states: 0, timers: 0, inboxPositions: 0, outbox: 0, offsets: 0 });
    expect(await shardInputOffsets(sql, 'q-rt/0', ['q-rt-source', 'q-rt-inbox'])).toEqual([
      { topic: 'q-rt-inbox', partition: 0, nextOffset: 9 },
      { topic: 'q-rt-source', partition: 0, nextOffset: 0 },
    ]);
    expect(await shardInputOffsets(sql, 'q-rt/1', ['q-rt-source'])).toEqual([{ topic: 'q-rt-source', partition: 1, nextOffset: 4 }]);
    expect((await shardOwner(sql, 'q-rt/0'))?.epoch).toBe(epoch + 1);
    expect(await alertExists(sql, 'q-rt-alert')).toBe(true);
    expect(await entitySnapshot(sql, 'q-keep', 'k-1')).toBeDefined();
    expect(await shardInputOffsets(sql, 'q-keep/0', ['q-keep-source'])).toEqual([{ topic: 'q-keep-source', partition: 0, nextOffset: 8 }]);

    // The owner from before the reset is fenced: nothing of its next checkpoint lands.
    const stale = store.commit({
      shard: 'q-rt/0', epoch, offsets: [{ topic: 'q-rt-source', partition: 0, nextOffset: 51 }],
      states: [sku('r-1', { onHand: 1, reserved: 0, reorderPoint: 0 }, 'q-rt')], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [],
    });
    await expect(stale).rejects.toBeInstanceOf(ShardFenced);
    expect(await entitySnapshot(sql, 'q-rt', 'r-1')).toBeUndefined();
  });
});

describe('maintenance', () => {
  test('the churning tables are vacuumed (PGlite has no autovacuum)', async () => {
    await vacuumChurningTables(sql);
    await sql`select pg_stat_clear_snapshot()`;
    const rows = await sql`select relname, last_vacuum from pg_stat_user_tables
      where relname in ('actor_states', 'outbox', 'input_offsets', 'inbox_positions', 'timers', 'shard_owners') order by relname`;
    expect(rows.map((r) => [r.relname, r.last_vacuum !== null])).toEqual(
      ['actor_states', 'inbox_positions', 'input_offsets', 'outbox', 'shard_owners', 'timers'].map((t) => [t, true]),
    );
  });
});

