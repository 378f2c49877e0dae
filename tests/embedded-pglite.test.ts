import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { ShardFenced } from '../store/shard-fenced.ts';
import { startPgliteServer, type PgliteServer } from '../adapters/embedded/pglite-server.ts';
import { createCheckpointStore, type Checkpoint, type CheckpointStore } from '../store/checkpoint-store.ts';
import { migrate } from '../store/migrations.ts';
import type { Alert } from '../schemas/index.ts';

/**
 * The embedded Postgres: PGlite behind a socket, reached by the unchanged postgres.js code with a
 * URL. The same checks as against a real Postgres (migrations, the epoch-fenced checkpoint with
 * jsonb sent as text[]), plus pooled connections working at once, which pglite-socket's own
 * server gets wrong.
 */
let pg: PgliteServer;
let sql: postgres.Sql;
let store: CheckpointStore;

beforeAll(async () => {
  pg = await startPgliteServer();
  sql = postgres(pg.url, { max: 4, onnotice: () => {} });
  store = createCheckpointStore(sql);
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await pg?.close();
});

const alert = (id: string, key: string): Alert => ({
  id, type: 'low_stock', entityType: 'sku', entityKey: key, severity: 'warning', ts: 1, detectedAt: 2,
  reasons: ['e-1'], details: { summary: 'available 3 fell below reorder point 5' },
});

function checkpoint(shard: string, epoch: number, n: number, extra: Partial<Checkpoint> = {}): Checkpoint {
  const partition = Number(shard.split('/')[1]);
  return {
    shard, epoch,
    offsets: [{ topic: 'inventory_events', partition, nextOffset: n }],
    states: [{ actorType: 'sku', key: `sku-${shard}`, partition, stateVersion: 2, state: { onHand: n, tags: ['a', 'b'], nested: { x: null } } }],
    outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [],
    ...extra,
  };
}

describe('embedded Postgres (PGlite over its socket)', () => {
  test('an ordinary postgres:// URL on 127.0.0.1 with a free port', () => {
    expect(pg.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(pg.port).toBeGreaterThan(0);
  });

  test('migrations apply once', async () => {
    expect(await migrate(sql)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(await migrate(sql)).toEqual([]);
  });

  test('acquire, commit (UNNEST of text[] cast to jsonb) and load round-trip a checkpoint', async () => {
    const epoch = await store.acquire('sku/0', 'proc-a', 'http://127.0.0.1:1');
    expect(epoch).toBe(1);
    await store.commit(checkpoint('sku/0', epoch, 7, {
      outbox: [{ topic: 'app.order.inbox', key: 'o-1', value: '{"type":"reservation_result"}', headers: { seq: '1' } }],
      alerts: [alert('sku/sku-1/low_stock/e-1', 'sku-1')],
      inboxPositions: [{ origin: 'order/3', lastSeq: 41 }],
      timersAdded: [{ actorType: 'order', key: 'o-1', dueAt: 900_000, seq: 1, timer: { type: 'payment_timeout', cause: 'e-9' } }],
    }));
    const snap = await store.load('sku/0', 'sku', 0);
    expect(snap.states.map(({ stateJson, ...rest }) => ({ ...rest, state: JSON.parse(stateJson) }))).toEqual([
      { key: 'sku-sku/0', stateVersion: 2, state: { onHand: 7, tags: ['a', 'b'], nested: { x: null } }, quarantine: null },
    ]);
    expect([...snap.offsets]).toEqual([['inventory_events:0', 7]]);
    expect([...snap.inboxPositions]).toEqual([['order/3', 41]]);
    expect(snap.timers).toEqual([{ actorType: 'order', key: 'o-1', dueAt: 900_000, seq: 1, timer: { type: 'payment_timeout', cause: 'e-9' } }]);
    const [out] = await sql`select topic, key, value, headers from outbox where shard = 'sku/0'`;
    expect(out).toEqual({ topic: 'app.order.inbox', key: 'o-1', value: '{"type":"reservation_result"}', headers: { seq: '1' } });
    // a jsonb document, not a JSON string inside jsonb
    const [kind] = await sql`select jsonb_typeof(state) as t from actor_states where key = 'sku-sku/0'`;
    expect(kind!.t).toBe('object');
  });

  test('a stale owner is fenced and none of its checkpoint lands', async () => {
    const zombie = await store.acquire('sku/2', 'proc-a');
    await store.commit(checkpoint('sku/2', zombie, 10));
    expect(await store.acquire('sku/2', 'proc-b')).toBe(zombie + 1);
    let error: unknown;
    await store.commit(checkpoint('sku/2', zombie, 99, { alerts: [alert('zombie-alert', 'sku-z')] })).catch((e) => (error = e));
    expect(error).toBeInstanceOf(ShardFenced);
    const snap = await store.load('sku/2', 'sku', 2);
    expect([...snap.offsets]).toEqual([['inventory_events:2', 10]]);
    const [row] = await sql`select count(*)::int as n from alerts where id = 'zombie-alert'`;
    expect(row!.n).toBe(0);
  });

  test('a pool of 4 and a second client run many transactions and queries at once without mixing them up', async () => {
    const other = postgres(pg.url, { max: 4, onnotice: () => {} });
    try {
      const shards = Array.from({ length: 8 }, (_, i) => `sku/${10 + i}`);
      const epochs = await Promise.all(shards.map((s) => store.acquire(s, 'proc-c')));
      // Per shard, commits one after the other (as the processor does); shards, and 150 queries
      // on two clients, all at once.
      const committing = shards.map(async (shard, j) => {
        for (let n = 1; n <= 10; n++) await store.commit(checkpoint(shard, epochs[j]!, n * 100 + j));
        return 'ok';
      });
      const querying = Array.from({ length: 150 }, async (_, i) => {
        const client = i % 2 === 0 ? sql : other;
        const [r] = await client`select ${`echo-${i}`}::text as v, ${i}::int * 2 as d`;
        return r!.v === `echo-${i}` && r!.d === i * 2 ? 'ok' : `wrong answer for ${i}: ${JSON.stringify(r)}`;
      });
      const results = await Promise.all([...committing, ...querying]);
      expect(results.filter((r) => r !== 'ok')).toEqual([]);
      for (const [j, shard] of shards.entries()) {
        const snap = await store.load(shard, 'sku', 10 + j);
        expect(snap.offsets.get(`inventory_events:${10 + j}`)).toBe(1000 + j);
      }
    } finally {
      await other.end({ timeout: 5 });
    }
  });

  test('a connection that dies inside a transaction leaves nothing locked and nothing half-written', async () => {
    const victim = postgres(pg.url, { max: 1, onnotice: () => {} });
    await victim`select 1`;
    const inside = victim.begin(async (tx) => {
      await tx`insert into shard_owners (shard, epoch, owner_id) values ('doomed/0', 1, 'x')`;
      await new Promise((r) => setTimeout(r, 100_000)); // never commits
    });
    inside.catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    await victim.end({ timeout: 0 }); // drops the socket mid-transaction
    const [row] = await sql`select count(*)::int as n from shard_owners where shard = 'doomed/0'`;
    expect(row!.n).toBe(0);
  });
});
