import { Hono, type Context } from 'hono';
import { affinitySeeds, recommend, type Recommendation, type SkuAffinityState, type UserLists } from '../../actors/recommendations/index.ts';
import { isIdentifier } from '../../schemas/index.ts';
import type { TimeRange } from '../../store/index.ts';
import { clip } from '../clip.ts';
import type { EntityAnswer } from './entities.ts';

export interface RecommendationRoutesOptions {
  /**
   * The entity routes (http/routes/entities.ts `entityRoutes`): every state is read through them,
   * in process, so a lookup is exactly an entity answer — live from this instance, from the key's
   * owner (proxied), else the last committed snapshot.
   */
  entities: { request(path: string, init?: RequestInit): Response | Promise<Response> };
  /** The most sold SKUs (units in paid orders) over a range: store/analytics.ts `topSkus`. */
  trending(range: TimeRange, limit: number): Promise<readonly { sku: string; units: number }[]>;
  now?: () => number;
}

/** Most items one answer holds, and the default. */
export const MAX_RECOMMENDATIONS = 50;
export const DEFAULT_RECOMMENDATIONS = 10;
/** Trending = units sold in paid orders over this much wall-clock time before the request. */
export const TRENDING_WINDOW_MS = 3_600_000;

/**
 * `GET /v1/users/:id/recommendations?limit=N` (docs/recommendations.md): up to N SKUs with a score
 * and a reason (`bought_with:<sku>`, `viewed`, `trending`), never one the user bought. Composed
 * from the user's state, the sku_affinity states of its newest purchases and views, and the most
 * sold SKUs of the last hour (the analytics aggregates; none when analytics is off). A user nobody
 * has seen gets trending SKUs. `stale` is true when any state came from a snapshot.
 */
export function recommendationRoutes(opts: RecommendationRoutesOptions): Hono {
  const now = opts.now ?? Date.now;
  const app = new Hono();
  app.get('/v1/users/:id/recommendations', async (c) => {
    const userId = c.req.param('id');
    if (!isIdentifier(userId)) return c.json({ error: `a user key is well-formed text without control characters, got '${clip(JSON.stringify(userId))}'` }, 400);
    const limit = parseLimit(c.req.query('limit'));
    if (typeof limit === 'string') return c.json({ error: limit }, 400);

    const user = await stateOf<UserLists>(c, opts, `/v1/users/${encodeURIComponent(userId)}`);
    const seeds = affinitySeeds(user.state);
    const [affinities, trending] = await Promise.all([
      Promise.all(seeds.map((sku) => stateOf<SkuAffinityState>(c, opts, `/v1/entities/sku_affinity/${encodeURIComponent(sku)}`))),
      // Enough to fill the answer after the user's purchases are left out.
      opts.trending({ from: now() - TRENDING_WINDOW_MS, to: now() + 60_000 }, limit + (user.state?.purchased?.length ?? 0) / 2),
    ]);
    const affinity = new Map<string, SkuAffinityState>();
    seeds.forEach((sku, i) => affinities[i]!.state && affinity.set(sku, affinities[i]!.state!));
    const items: Recommendation[] = recommend({ user: user.state, affinity, trending, limit });
    const stale = user.stale || affinities.some((a) => a.stale);
    return c.json({ userId, items, stale });
  });
  return app;
}

function parseLimit(raw: string | undefined): number | string {
  if (raw === undefined || raw === '') return DEFAULT_RECOMMENDATIONS;
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  return n >= 1 && n <= MAX_RECOMMENDATIONS ? n : `limit must be an integer from 1 to ${MAX_RECOMMENDATIONS}, got '${clip(raw)}'`;
}

/** An entity's state through the entity routes: undefined when unknown (404) or not answerable. */
async function stateOf<S>(c: Context, opts: RecommendationRoutesOptions, path: string): Promise<{ state: S | undefined; stale: boolean }> {
  const auth = c.req.header('authorization');
  const res = await opts.entities.request(path, auth ? { headers: { authorization: auth } } : undefined);
  if (res.status !== 200) return { state: undefined, stale: false };
  const answer = (await res.json()) as EntityAnswer;
  return { state: answer.state as S, stale: answer.stale };
}
