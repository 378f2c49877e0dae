import { describe, expect, test } from 'bun:test';
import type { HistoryResult } from '../../engine/entity-history.ts';
import type { HistoryPoint } from '../../engine/history-point.ts';
import { openApiDocument } from '../openapi.ts';
import { entityHistoryRoutes, type EntityHistoryRoutesOptions } from './entity-history.ts';

const AT = '2026-12-01T10:00:00.000Z';
const AT_MS = Date.parse(AT);

/** The route over a fake history: it records what it was asked and answers `result`. */
function routes(result: HistoryResult | Error | undefined, extra: Partial<EntityHistoryRoutesOptions> = {}) {
  const asked: [string, string, HistoryPoint][] = [];
  const logged: string[] = [];
  const app = entityHistoryRoutes({
    history: result === undefined ? undefined : async (type, key, at) => {
      asked.push([type, key, at]);
      if (result instanceof Error) throw result;
      return result;
    },
    types: ['user', 'order', 'sku'],
    // A view that adds a derived field, as the SKU actor's does.
    present: (type, state) => (type === 'sku' ? { ...(state as object), available: 7 } : state),
    log: (l) => logged.push(l),
    ...extra,
  });
  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return { get, asked, logged };
}

const found: HistoryResult = {
  kind: 'found',
  answer: {
    type: 'sku', key: 'S-1', at: AT_MS, state: { onHand: 10, reserved: 3 }, quarantine: null,
    snapshot: { at: Date.parse('2026-12-01T09:59:58.000Z'), committedAt: '2026-12-01T09:59:59.120Z' },
    replayed: { inputs: 3, timers: 1, recordsRead: 5 },
  },
};

describe('GET /v1/entities/:type/:key/history', () => {
  test('found: 200 with the times as ISO text and the state through the actor view', async () => {
    const r = routes(found);
    const res = await r.get(`/v1/entities/sku/S-1/history?at=${AT}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      type: 'sku', key: 'S-1', at: AT, state: { onHand: 10, reserved: 3, available: 7 }, quarantine: null,
      snapshot: { at: '2026-12-01T09:59:58.000Z', committedAt: '2026-12-01T09:59:59.120Z' },
      replayed: { inputs: 3, timers: 1, recordsRead: 5 },
    });
    expect(r.asked).toEqual([['sku', 'S-1', { at: AT_MS }]]);
  });

  test('at may be epoch milliseconds', async () => {
    const r = routes(found);
    expect((await r.get(`/v1/entities/sku/S-1/history?at=${AT_MS}`)).status).toBe(200);
    expect(r.asked).toEqual([['sku', 'S-1', { at: AT_MS }]]);
  });

  test('at=offset:N asks by source offset; the answer names the record it is right after', async () => {
    const through = { topic: 'inventory_events', partition: 1, offset: 41 };
    const r = routes({ kind: 'found', answer: { ...(found as Extract<HistoryResult, { kind: 'found' }>).answer, through } });
    const res = await r.get('/v1/entities/sku/S-1/history?at=offset:41');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ at: AT, through });
    expect(r.asked).toEqual([['sku', 'S-1', { offset: 41 }]]);
    for (const bad of ['offset:', 'offset:-1', 'offset:1.5', 'offset:x']) {
      const refused = await r.get(`/v1/entities/sku/S-1/history?at=${bad}`);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toContain('offset:N');
    }
    expect(r.asked).toHaveLength(1);
  });

  test('by offset, older than the log: 410 naming where the partition starts', async () => {
    const res = await routes({ kind: 'log-gone', topic: 'inventory_events', partition: 1, needed: 3, low: 40, snapshotAt: null, asked: 3 }).get('/v1/entities/sku/S-1/history?at=offset:3');
    expect(res.status).toBe(410);
    expect(res.body.error).toBe("cannot rebuild sku 'S-1' at offset 3: offset 3 of inventory_events partition 1 is no longer in the log (it starts at offset 40)");
  });

  test('by offset, no record there: 404; a record that is not an event: 400 — both say which', async () => {
    const missing = await routes({ kind: 'no-record', topic: 'inventory_events', partition: 1, offset: 900, high: 50 }).get('/v1/entities/sku/S-1/history?at=offset:900');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("no state of sku 'S-1' at offset 900: no record at offset 900 of inventory_events partition 1 (it ends before offset 50, or the offset is a gap)");
    const bad = await routes({ kind: 'not-an-event', topic: 'inventory_events', partition: 1, offset: 7, reason: 'its value is not JSON (bad)' }).get('/v1/entities/sku/S-1/history?at=offset:7');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("cannot rebuild sku 'S-1' at offset 7: offset 7 of inventory_events partition 1 is not an event: its value is not JSON (bad)");
  });

  test('at missing, empty or unparseable: 400 naming at, and history is not asked', async () => {
    const r = routes(found);
    for (const q of ['', '?at=', '?at=yesterday', '?at=99999999999999999']) {
      const res = await r.get(`/v1/entities/sku/S-1/history${q}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toContain('at ');
    }
    expect(r.asked).toEqual([]);
  });

  test('a key that is not a well-formed identifier: 400', async () => {
    const res = await routes(found).get(`/v1/entities/sku/${encodeURIComponent('bad\u0000key')}/history?at=${AT}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('a sku key is well-formed text');
  });

  test('an unknown actor type: 404 with the known ones', async () => {
    const res = await routes(found).get(`/v1/entities/merchant/M-1/history?at=${AT}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("no actor type 'merchant' (known: user, order, sku)");
  });

  test('a type that keeps no history: 404 naming history.actors and HISTORY_ACTORS', async () => {
    const res = await routes({ kind: 'not-kept', type: 'order' }).get(`/v1/entities/order/O-1/history?at=${AT}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toContain('history.actors');
    expect(res.body.error).toContain('HISTORY_ACTORS');
  });

  test('no history of the key: 404', async () => {
    const res = await routes({ kind: 'unknown' }).get(`/v1/entities/sku/nope/history?at=${AT}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toContain("no history of sku 'nope'");
  });

  test('before the oldest kept state: 404 with oldestAt and why', async () => {
    const res = await routes({ kind: 'before-history', oldestAt: Date.parse('2026-12-02T00:00:00Z') }).get(`/v1/entities/sku/S-1/history?at=${AT}`);
    expect(res.status).toBe(404);
    expect(res.body.oldestAt).toBe('2026-12-02T00:00:00.000Z');
    expect(res.body.error).toContain('did not exist yet');
    expect(res.body.error).toContain('history.retention_hours');
  });

  test('the log lost the records after the snapshot: 410, naming the partition and where it starts', async () => {
    const res = await routes({ kind: 'log-gone', topic: 'inventory_events', partition: 3, needed: 120, low: 900, snapshotAt: Date.parse('2026-12-01T09:00:00Z') }).get(`/v1/entities/sku/S-1/history?at=${AT}`);
    expect(res.status).toBe(410);
    expect(res.body.error).toContain('inventory_events partition 3 starts at offset 900, 120 was needed');
    expect(res.body.error).toContain('its snapshot at 2026-12-01T09:00:00.000Z');
  });

  test('no history function configured: 501 with the reason', async () => {
    const res = await routes(undefined).get(`/v1/entities/sku/S-1/history?at=${AT}`);
    expect(res.status).toBe(501);
    expect(res.body.error).toContain('cannot rebuild past states');
  });

  test('a failed rebuild (Kafka unreachable): 503 with the message, logged', async () => {
    const r = routes(new Error('connect ECONNREFUSED 127.0.0.1:9092'));
    const res = await r.get(`/v1/entities/sku/S-1/history?at=${AT}`);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe(`could not rebuild sku 'S-1' at ${AT}: connect ECONNREFUSED 127.0.0.1:9092`);
    expect(r.logged).toHaveLength(1);
    expect(r.logged[0]).toContain('ECONNREFUSED');
  });

  test('the OpenAPI document lists the route with its at parameter', () => {
    const doc = openApiDocument('test') as { paths: Record<string, { get: { parameters: { name: string; required: boolean }[]; responses: Record<string, unknown> } }> };
    const route = doc.paths['/v1/entities/{type}/{id}/history']!;
    expect(route.get.parameters.find((p) => p.name === 'at')).toMatchObject({ required: true });
    expect(Object.keys(route.get.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '501', '503']));
  });
});
