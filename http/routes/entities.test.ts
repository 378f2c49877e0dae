import { describe, expect, test } from 'bun:test';
import { buildActors } from '../../actors/registry.ts';
import type { LocalAnswer } from '../../engine/index.ts';
import { entityRoutes } from './entities.ts';

/** The entity routes over a local processor that owns every key (no Postgres needed on these paths). */
function routes(states: Record<string, unknown>) {
  const actors = buildActors();
  return entityRoutes({
    local: { query: async (type, key): Promise<LocalAnswer> => (states[`${type}/${key}`] ? { kind: 'found', state: states[`${type}/${key}`], quarantine: null, from: 'memory' } : { kind: 'unknown' }) },
    partitionsOf: () => 6,
    partitionOf: () => 0,
    sql: undefined as never,
    self: { id: 'i-1' },
    types: actors.map((a) => a.type),
    present: (type, state) => actors.find((a) => a.type === type)?.view?.(state) ?? state,
  });
}

describe('entity answers', () => {
  const app = routes({ 'sku/S-1': { onHand: 10, reserved: 3, reorderPoint: 2, lowStock: false }, 'order/O-1': { status: 'paid' } });

  test("a SKU's answer carries the contract's available = onHand − reserved, on both routes", async () => {
    for (const path of ['/v1/skus/S-1', '/v1/entities/sku/S-1']) {
      const body = (await (await app.request(path)).json()) as { type: string; state: Record<string, unknown>; stale: boolean };
      expect(body).toMatchObject({ type: 'sku', stale: false, state: { onHand: 10, reserved: 3, available: 7, reorderPoint: 2, lowStock: false } });
    }
  });

  test('types without a view answer their state as stored', async () => {
    const body = (await (await app.request('/v1/entities/order/O-1')).json()) as { state: unknown };
    expect(body.state).toEqual({ status: 'paid' });
  });

  // The plural was an unanchored alternation: '/v1/analytics/top-skus' answered as SKU 'top-skus'.
  test('only the exact plurals are entity routes', async () => {
    const sku = await app.request('/v1/skus/S-1');
    expect(sku.status).toBe(200);
    for (const path of ['/v1/analytics/top-skus', '/v1/xskus/S-1', '/v1/users2/u', '/v1/preorders/O-1']) expect((await app.request(path)).status).toBe(404);
  });

  test('an unknown actor type, or an unknown key, is 404 with the reason', async () => {
    const type = await app.request('/v1/entities/merchant/M-1');
    expect(type.status).toBe(404);
    expect(((await type.json()) as { error: string }).error).toContain("no actor type 'merchant' (known: sku, order, user, sku_affinity)");
    expect((await app.request('/v1/entities/sku/nope')).status).toBe(404);
  });
});
