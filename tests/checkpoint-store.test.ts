import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../scripts/infra/test-database.ts';
import { createCheckpointStore, type Checkpoint, type CheckpointStore } from '../runtime/store/checkpoint-store.ts';
import { migrate } from '../runtime/store/migrations.ts';
import { ShardFenced } from '../runtime/errors.ts';
import type { Alert } from '../schemas/index.ts';

/**
 * The checkpoint store against a real Postgres: atomicity, fencing of a stale owner, idempotent
 * alerts. Each test uses its own shard names, so they share one migrated database.
 */
let db: TestDatabase;
let sql: postgres.Sql;
let store: CheckpointStore;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = postgres(db.url, { max: 4, onnotice: () => {} });
  expect(await migrate(sql)).toEqual([1]);
  store = createCheckpointStore(sql);
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await db?.drop();
});

const alert = (id: string): Alert => ({
  id, type: 'low_stock', entityType: 'sku', entityKey: 'sku-1', severity: 'warning', ts: 1, detectedAt: 2,
  reasons: ['e-1'], details: { summary: 'available 3 fell below reorder point 5' },
});

function checkpoint(shard: string, epoch: number, n: number, extra: Partial<Checkpoint> = {}): Checkpoint {
  return {
    shard, epoch,
    offsets: [{ topic: 'inventory_events', partition: 0, nextOffset: n }],
    states: [{ actorType: 'sku', key: 'sku-1', partition: 0, stateVersion: 2, state: { onHand: n } }],
    outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [],
    ...extra,
  };
}

describe('checkpoint store', () => {
  test('migrations are idempotent', async () => {
    expect(await migrate(sql)).toEqual([]);
  });

  test('a commit lands states, offsets, outbox, alerts, inbox positions and timers together', async () => {
    const epoch = await store.acquire('sku/0', 'proc-a', 'http://127.0.0.1:1');
    expect(epoch).toBe(1);
    await store.commit(checkpoint('sku/0', epoch, 7, {
      outbox: [{ topic: 'app.order.inbox', key: 'o-1', value: '{"type":"reservation_result"}', headers: { seq: '1' } }],
      alerts: [alert('sku/sku-1/low_stock/e-1')],
      inboxPositions: [{ origin: 'order/3', lastSeq: 41 }],
      timersAdded: [{ actorType: 'order', key: 'o-1', dueAt: 900_000, seq: 1, timer: { type: 'payment_timeout', cause: 'e-9' } }],
    }));
    const snap = await store.load('sku/0', 'sku', 0);
    expect(snap.states.map(({ stateJson, ...s }) => ({ ...s, state: JSON.parse(stateJson) }))).toEqual([{ key: 'sku-1', stateVersion: 2, state: { onHand: 7 }, quarantine: null }]);
    expect([...snap.offsets]).toEqual([['inventory_events:0', 7]]);
    expect([...snap.inboxPositions]).toEqual([['order/3', 41]]);
    expect(snap.timers).toEqual([{ actorType: 'order', key: 'o-1', dueAt: 900_000, seq: 1, timer: { type: 'payment_timeout', cause: 'e-9' } }]);
    const [out] = await sql`select topic, key, value, headers from outbox where shard = 'sku/0'`;
    expect(out).toEqual({ topic: 'app.order.inbox', key: 'o-1', value: '{"type":"reservation_result"}', headers: { seq: '1' } });
  });

  test('a replayed alert is stored once', async () => {
    const epoch = await store.acquire('sku/1', 'proc-a');
    await store.commit(checkpoint('sku/1', epoch, 1, { alerts: [alert('sku/sku-9/low_stock/e-5')] }));
    await store.commit(checkpoint('sku/1', epoch, 2, { alerts: [alert('sku/sku-9/low_stock/e-5')] }));
    const [row] = await sql`select count(*)::int as n from alerts where id = 'sku/sku-9/low_stock/e-5'`;
    expect(row!.n).toBe(1);
  });

  test('a stale owner is fenced and none of its checkpoint lands', async () => {
    const zombieEpoch = await store.acquire('sku/2', 'proc-a');
    await store.commit(checkpoint('sku/2', zombieEpoch, 10));
    const newEpoch = await store.acquire('sku/2', 'proc-b');
    expect(newEpoch).toBe(zombieEpoch + 1);

    const stale = store.commit(checkpoint('sku/2', zombieEpoch, 99, {
      outbox: [{ topic: 't', key: 'k', value: 'stale' }],
      alerts: [alert('stale-alert')],
    }));
    await expect(stale).rejects.toBeInstanceOf(ShardFenced);

    const snap = await store.load('sku/2', 'sku', 0);
    expect([...snap.offsets]).toEqual([['inventory_events:0', 10]]);
    const [counts] = await sql`select
      (select count(*)::int from outbox where value = 'stale') as outbox,
      (select count(*)::int from alerts where id = 'stale-alert') as alerts`;
    expect(counts).toEqual({ outbox: 0, alerts: 0 });
    await store.commit(checkpoint('sku/2', newEpoch, 11));
    expect([...(await store.load('sku/2', 'sku', 0)).offsets]).toEqual([['inventory_events:0', 11]]);
  });

  test('a commit for a shard never acquired is refused', async () => {
    await expect(store.commit(checkpoint('sku/404', 1, 1))).rejects.toBeInstanceOf(ShardFenced);
  });

  test('thousands of states go in one batched commit', async () => {
    const epoch = await store.acquire('user/5', 'proc-a');
    const states = Array.from({ length: 5000 }, (_, i) => ({
      actorType: 'user', key: `u-${i}`, partition: 5, stateVersion: 1, state: { logins: i },
    }));
    await store.commit({ ...checkpoint('user/5', epoch, 1), states });
    const snap = await store.load('user/5', 'user', 5);
    expect(snap.states.length).toBe(5000);
    expect(JSON.parse(snap.states.find((s) => s.key === 'u-4999')!.stateJson)).toEqual({ logins: 4999 });
  });
});
