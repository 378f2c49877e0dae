import { describe, expect, test } from 'bun:test';
import { Hono } from 'hono';
import { recommendationRoutes } from './recommendations.ts';

/** The route over fake entity routes: what it reads, and what it answers. */
function app(states: Record<string, unknown>, trending = [{ sku: 'T', units: 7 }, { sku: 'X', units: 5 }], stale = false) {
  const entities = new Hono();
  const asked: string[] = [];
  entities.get('*', (c) => {
    asked.push(c.req.path);
    const state = states[c.req.path];
    return state === undefined ? c.json({ error: 'no' }, 404) : c.json({ type: 't', key: 'k', state, stale, servedBy: 'i', updatedAt: '', quarantine: null });
  });
  const ranges: { limit: number; span: number }[] = [];
  const routes = recommendationRoutes({
    entities,
    trending: async (range, limit) => (ranges.push({ limit, span: range.to - range.from }), trending),
    now: () => 1_000_000_000,
  });
  return { routes, asked, ranges };
}

describe('GET /v1/users/:id/recommendations', () => {
  test('composes the user, the affinity of what it bought, and trending; never what it bought', async () => {
    const { routes, asked, ranges } = app({
      '/v1/users/b': { purchased: ['X', 5], recentViews: ['V', 4] },
      '/v1/entities/sku_affinity/X': { orders: 2, units: 2, partners: ['Y', 2] },
    });
    const res = await routes.request('/v1/users/b/recommendations?limit=3');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      userId: 'b',
      stale: false,
      items: [{ sku: 'Y', score: 2, reason: 'bought_with:X' }, { sku: 'V', score: 1, reason: 'viewed' }, { sku: 'T', score: 7, reason: 'trending' }],
    });
    expect(asked.sort()).toEqual(['/v1/entities/sku_affinity/V', '/v1/entities/sku_affinity/X', '/v1/users/b']);
    expect(ranges).toEqual([{ limit: 4, span: 3_600_000 + 60_000 }]); // the last hour (and a minute of clock skew)
  });

  test('an unknown user gets trending, 10 by default; a snapshot answer says stale', async () => {
    const { routes } = app({}, [{ sku: 'T', units: 7 }]);
    expect(await (await routes.request('/v1/users/nobody/recommendations')).json()).toEqual({ userId: 'nobody', stale: false, items: [{ sku: 'T', score: 7, reason: 'trending' }] });
    const staleApp = app({ '/v1/users/b': {} }, [], true).routes;
    expect(((await (await staleApp.request('/v1/users/b/recommendations')).json()) as { stale: boolean }).stale).toBe(true);
  });

  test('limit is 1 to 50', async () => {
    const { routes } = app({});
    for (const bad of ['0', '51', 'x', '1.5']) {
      const res = await routes.request(`/v1/users/b/recommendations?limit=${bad}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain('limit must be an integer from 1 to 50');
    }
    expect((await routes.request('/v1/users/b/recommendations?limit=50')).status).toBe(200);
  });
});
