import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { MAX_EVENT_BYTES } from '../schemas/index.ts';
import { PROCESSOR_DEFAULTS } from '../engine/processor-options.ts';
import { eventually, spawnInstance, type InstanceProcess } from './support/instance-process.ts';
import { createPipelineEnv, type PipelineEnv } from './support/pipeline-env.ts';

/**
 * The HTTP API against running instances (real processes, real Kafka and Postgres): ingest → query
 * round trips, answers from any instance (proxied to the owner), stale snapshots when the owner is
 * gone, bad bodies, and bearer scopes. Expected values come from the contract (ARCHITECTURE.md).
 */
const PARTITIONS = 3;
const T0 = 1_750_000_000_000;
const N = 6;
const sku = (i: number) => `sku-http-${i}`;
const order = (i: number) => `o-http-${i}`;
const user = (i: number) => `u-http-${i}`;

function events(): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < N; i++) out.push({ id: `stock-${i}`, type: 'stock_received', v: 1, ts: T0 + i, data: { sku: sku(i), qty: 10 } });
  for (let i = 0; i < N; i++) out.push({ id: `login-${i}`, type: 'login_succeeded', v: 1, ts: T0 + 100 + i, data: { userId: user(i), country: 'DE', ip: '10.0.0.1', deviceId: `d-${i}` } });
  for (let i = 0; i < N; i++) {
    out.push({ id: `place-${i}`, type: 'order_placed', v: 2, ts: T0 + 200 + i, data: { orderId: order(i), userId: user(i), items: [{ sku: sku(i), qty: 2, unitPrice: 10 }], currency: 'EUR', country: 'DE' } });
  }
  return out;
}

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function post(base: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${base}/v1/events`, { method: 'POST', body, headers });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('HTTP API', () => {
  let env: PipelineEnv;
  let a: InstanceProcess;
  let b: InstanceProcess;
  beforeAll(async () => {
    env = await createPipelineEnv(PARTITIONS);
    // The default session timeout: a test below asks the dead owner's shard within it, before the
    // group notices (tests/support/pipeline-env.ts shortens it for the other suites).
    const sessionAsDefault = { KAFKA_SESSION_TIMEOUT_MS: String(PROCESSOR_DEFAULTS.sessionTimeoutMs) };
    a = await spawnInstance({ ...env.processorEnv('inst-a'), ...sessionAsDefault });
    b = await spawnInstance({ ...env.processorEnv('inst-b'), ...sessionAsDefault });
    // Both are members once the shards are split between them and both are ready again.
    await eventually(async () => {
      const owners = await env.sql`select distinct owner_id from shard_owners`;
      const ready = await Promise.all([a, b].map((i) => fetch(`${i.url}/readyz`).then((r) => r.status)));
      return owners.length === 2 && ready.every((s) => s === 200) ? true : undefined;
    }, 60_000, 'both instances to own shards');
  }, 180_000);
  afterAll(async () => {
    for (const i of [a, b]) i?.kill('SIGKILL');
    await env?.close();
  });

  test('ingest → query round trip for each entity type, from either instance', async () => {
    const r = await post(a.url, JSON.stringify(events()));
    expect(r).toEqual({ status: 202, body: { accepted: 3 * N, rejected: [], rejectedCount: 0, duplicates: [], duplicateCount: 0 } });
    for (const base of [a.url, b.url]) {
      // Contract: stock_received onHand += qty; the order's reserve(2) is granted (available 10 ≥ 2).
      const s = await eventually(async () => {
        const q = await get(base, `/v1/skus/${sku(0)}`);
        return q.status === 200 && q.body.state.reserved === 2 ? q : undefined;
      }, 30_000, 'the SKU to show the reservation');
      expect(s.body).toMatchObject({ type: 'sku', key: sku(0), stale: false, state: { onHand: 10, reserved: 2 } });
      // The order learns of the grant from the SKU's reply (SKU → order inbox): a little later.
      const o = await eventually(async () => {
        const q = await get(base, `/v1/orders/${order(0)}`);
        return q.body.state?.status === 'reserved' ? q : undefined;
      }, 30_000, 'the order to be reserved');
      expect(o.body).toMatchObject({ type: 'order', key: order(0), stale: false, state: { status: 'reserved', userId: user(0) } });
      const u = await get(base, `/v1/users/${user(0)}`);
      expect(u.status).toBe(200);
      expect(JSON.stringify(u.body.state)).toContain('DE');
    }
    expect((await get(a.url, '/v1/skus/no-such-sku')).status).toBe(404);
    // Every order's reservation settled (the later tests read these states from snapshots).
    for (let i = 0; i < N; i++) {
      await eventually(async () => ((await get(a.url, `/v1/orders/${order(i)}`)).body.state?.status === 'reserved' ? true : undefined), 30_000, `${order(i)} reserved`);
    }
  }, 60_000);

  test('every instance answers live for keys owned by the other (proxied to the owner)', async () => {
    const owners = new Map((await env.sql`select shard, owner_id from shard_owners`).map((r) => [r.shard as string, r.owner_id as string]));
    const keys = [
      ...Array.from({ length: N }, (_, i) => ['skus', 'sku', sku(i)]),
      ...Array.from({ length: N }, (_, i) => ['orders', 'order', order(i)]),
      ...Array.from({ length: N }, (_, i) => ['users', 'user', user(i)]),
    ] as [string, string, string][];
    const ownedBy = new Set<string>();
    for (const [plural, type, key] of keys) {
      const owner = owners.get(`${type}/${partitionOf(key, PARTITIONS)}`)!;
      ownedBy.add(owner);
      for (const base of [a.url, b.url]) {
        const q = await get(base, `/v1/${plural}/${key}`);
        expect({ status: q.status, stale: q.body.stale, servedBy: q.body.servedBy }).toEqual({ status: 200, stale: false, servedBy: owner });
      }
    }
    expect([...ownedBy].sort()).toEqual(['inst-a', 'inst-b']);
  }, 60_000);

  test('bad bodies get the right status and message, and nothing invalid reaches Kafka', async () => {
    const malformed = await post(a.url, '{"id": "bad-1", oops');
    expect(malformed.status).toBe(400);
    expect(malformed.body.rejected[0].error.code).toBe('INVALID_JSON');

    const wrongType = await post(a.url, JSON.stringify({ id: 'bad-2', type: 'stock_received', v: 1, ts: T0, data: { sku: 'sku-x', qty: 'ten' } }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.rejected[0].error).toMatchObject({ code: 'INVALID_DATA' });
    expect(wrongType.body.rejected[0].error.message).toContain('/data/qty');

    expect((await post(a.url, '')).status).toBe(400);
    expect((await post(a.url, JSON.stringify({ id: 'bad-3', type: 'no_such_type', v: 1, ts: T0, data: {} }))).body.rejected[0].error.code).toBe('UNKNOWN_EVENT_TYPE');

    const tooBig = await fetch(`${a.url}/v1/events`, { method: 'POST', body: 'x'.repeat(17 * 1024 * 1024), headers: { 'content-type': 'application/json' } });
    expect(tooBig.status).toBe(413);

    const mixed = [
      { id: 'good-1', type: 'stock_received', v: 1, ts: T0 + 1000, data: { sku: 'sku-mixed', qty: 1 } },
      { id: 'bad-4', type: 'stock_received', v: 1, ts: T0 + 1000, data: { sku: 'sku-mixed', qty: -5 } },
      { id: 'bad-5', type: 'reorder_point_set', v: 1, ts: T0 + 1000, data: { sku: 'x'.repeat(MAX_EVENT_BYTES), reorderPoint: 1 } },
      { id: 'good-2', type: 'stock_received', v: 1, ts: T0 + 1001, data: { sku: 'sku-mixed', qty: 2 } },
    ];
    const r = await post(a.url, mixed.map((e) => JSON.stringify(e)).join('\n'), { 'content-type': 'application/x-ndjson' });
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(2);
    expect(r.body.rejected.map((x: { index: number; error: { code: string } }) => [x.index, x.error.code])).toEqual([[1, 'INVALID_DATA'], [2, 'OVERSIZE']]);

    const ids = (await env.readAll(env.topics.source.inventory_events)).map((m) => (JSON.parse(m.value) as { id: string }).id);
    expect(ids.filter((id) => id.startsWith('bad-'))).toEqual([]);
    expect(ids).toContain('good-1');
    expect(ids).toContain('good-2');
    const s = await eventually(async () => {
      const q = await get(b.url, '/v1/skus/sku-mixed');
      return q.status === 200 && q.body.state.onHand === 3 ? q : undefined;
    }, 30_000, 'sku-mixed to reach onHand 3');
    expect(s.body.state.onHand).toBe(3);
  }, 60_000);

  test('alerts: the SSE stream delivers a new alert live and replays it after Last-Event-ID; the list pages newest first', async () => {
    const controller = new AbortController();
    const res = await fetch(`${b.url}/v1/alerts/stream`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(/event: ready/);
    // Contract: low_stock when available falls below the reorder point (10 − 8 = 2 < 5).
    const r = await post(a.url, JSON.stringify([
      { id: 'lsa-1', type: 'stock_received', v: 1, ts: T0 + 5000, data: { sku: 'sku-alert', qty: 10 } },
      { id: 'lsa-2', type: 'reorder_point_set', v: 1, ts: T0 + 5001, data: { sku: 'sku-alert', reorderPoint: 5 } },
      { id: 'lsa-3', type: 'stock_adjusted', v: 1, ts: T0 + 5002, data: { sku: 'sku-alert', delta: -8, reason: 'damaged' } },
    ]));
    expect(r.status).toBe(202);
    await readUntil(/"entityKey":"sku-alert"/);
    controller.abort();
    const id = /id: (\S+)\n(?:.*\n)*?data: .*"entityKey":"sku-alert"/.exec(text)?.[1] ?? /id: (\S+)/.exec(text.slice(text.indexOf('event: alert')))?.[1];
    expect(text).toContain('"type":"low_stock"');

    const list = await get(a.url, '/v1/alerts?entity=sku:sku-alert&limit=1');
    expect(list.body.alerts).toHaveLength(1);
    expect(list.body.alerts[0]).toMatchObject({ type: 'low_stock', entityType: 'sku', entityKey: 'sku-alert', reasons: ['lsa-3'] });
    expect(list.body.alerts[0].id).toBe(id!);

    // Reconnecting with the id of an earlier alert replays what came after it (from memory or Postgres).
    const all = await get(a.url, '/v1/alerts?limit=500');
    const older = all.body.alerts.find((x: { id: string }) => x.id !== id);
    if (older) {
      const again = new AbortController();
      const replay = await fetch(`${a.url}/v1/alerts/stream`, { headers: { 'last-event-id': older.id }, signal: again.signal });
      const rd = replay.body!.getReader();
      let got = '';
      while (!got.includes('event: ready')) got += new TextDecoder().decode((await rd.read()).value);
      again.abort();
      expect(got).not.toContain(`id: ${older.id}\n`);
    }
  }, 60_000);

  test('GET /openapi.json describes the routes with the schemas that validate', async () => {
    const doc = await get(a.url, '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/users/{id}', '/v1/orders/{id}', '/v1/skus/{id}', '/v1/alerts', '/v1/alerts/stream']));
    expect(doc.body.components.schemas.stock_received_v1.properties.data.properties.qty).toMatchObject({ type: 'integer' });
    expect(doc.body.components.schemas.order_placed_v1).toBeDefined();
  });

  test('the owner killed: the other instance answers from the snapshot with stale: true', async () => {
    const owners = new Map((await env.sql`select shard, owner_id from shard_owners`).map((r) => [r.shard as string, r.owner_id as string]));
    const ofB = Array.from({ length: N }, (_, i) => sku(i)).find((k) => owners.get(`sku/${partitionOf(k, PARTITIONS)}`) === 'inst-b');
    expect(ofB).toBeDefined();
    b.kill('SIGKILL');
    await b.exited();
    // Within the session timeout the group still lists b as owner: a proxied query fails over.
    const q = await get(a.url, `/v1/skus/${ofB}`);
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ type: 'sku', key: ofB, stale: true, servedBy: 'inst-a', state: { onHand: 10, reserved: 2 } });
    expect(q.body.staleReason).toContain('did not answer');
    expect(typeof q.body.ageMs).toBe('number');
    // Once the group notices, a takes the shard over and answers live again.
    const live = await eventually(async () => {
      const r = await get(a.url, `/v1/skus/${ofB}`);
      return r.body.stale === false ? r : undefined;
    }, 60_000, 'a to take over the dead owner\'s shard');
    expect(live.body).toMatchObject({ servedBy: 'inst-a', state: { onHand: 10, reserved: 2 } });
  }, 90_000);
});

describe('HTTP API auth', () => {
  let env: PipelineEnv;
  let c: InstanceProcess;
  const ingestToken = 'ingest-token-0123456789';
  const readToken = 'read-token-0123456789ab';
  beforeAll(async () => {
    env = await createPipelineEnv(1);
    c = await spawnInstance({ ...env.processorEnv('inst-auth'), API_TOKENS: `writer:${ingestToken}:ingest,reader:${readToken}:read` });
  }, 120_000);
  afterAll(async () => {
    c?.kill('SIGKILL');
    await env?.close();
  });

  test('no token → 401, wrong scope → 403, right scope → served; health stays open', async () => {
    const event = JSON.stringify({ id: 'auth-1', type: 'stock_received', v: 1, ts: T0, data: { sku: 'sku-auth', qty: 4 } });
    expect((await post(c.url, event)).status).toBe(401);
    expect((await post(c.url, event, { authorization: 'Bearer not-a-real-token-at-all' })).status).toBe(401);
    expect((await post(c.url, event, { authorization: `Bearer ${readToken}` })).status).toBe(403);
    expect((await post(c.url, event, { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' })).status).toBe(202);
    expect((await get(c.url, '/v1/skus/sku-auth')).status).toBe(401);
    expect((await get(c.url, '/v1/skus/sku-auth', { authorization: `Bearer ${ingestToken}` })).status).toBe(403);
    const q = await eventually(async () => {
      const r = await get(c.url, '/v1/skus/sku-auth', { authorization: `Bearer ${readToken}` });
      return r.status === 200 ? r : undefined;
    }, 30_000, 'the SKU to appear');
    expect(q.body.state.onHand).toBe(4);
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
    const err = await get(c.url, '/v1/alerts?limit=abc', { authorization: `Bearer ${readToken}` });
    expect(err.status).toBe(400);
    expect(JSON.stringify(err.body)).not.toContain('    at ');
  }, 60_000);
});
