import { RECENT_VIEWS_CAP } from './protocol.ts';
import { skusOf, type RecentSkus } from './recent-skus.ts';
import { partnersOf, type SkuAffinityState } from './sku-affinity.ts';

/**
 * A user's recommendations from what the actors keep (docs/recommendations.md "Scores"). Pure: the
 * HTTP route reads the states and the trending SKUs, this decides. Tiers, best first:
 * 1. `bought_with:<x>` — SKUs bought together with x, where x is one of the user's SEED_PURCHASES
 *    newest purchases or SEED_VIEWS newest views; score = the co-purchase counts summed over those
 *    seeds; the reason names the seed that contributed most (ties: purchases before views, newer first).
 * 2. `viewed` — SKUs the user viewed recently; score = 1 − rank / RECENT_VIEWS_CAP (newest 1.0).
 * 3. `trending` — the most sold SKUs of the last hour; score = units sold in paid orders.
 * A SKU appears once, under its best tier; SKUs in the user's purchased list never appear. Order:
 * tier, then score descending, then SKU.
 */
export interface Recommendation {
  sku: string;
  score: number;
  reason: string;
}

/** What the user state holds for recommendations (actors/user.ts). */
export interface UserLists {
  /** Product pages viewed, newest first (RecentSkus). */
  recentViews?: RecentSkus;
  /** SKUs bought in paid orders, newest first (RecentSkus). */
  purchased?: RecentSkus;
}

export interface RecommendInput {
  user: UserLists | undefined;
  /** sku_affinity states of the seeds (missing: no paid order held that SKU yet). */
  affinity: ReadonlyMap<string, Pick<SkuAffinityState, 'partners'>>;
  trending: readonly { sku: string; units: number }[];
  limit: number;
}

/** How many of the user's newest purchases and views seed the bought-with lookups. */
export const SEED_PURCHASES = 5;
export const SEED_VIEWS = 5;

/** The SKUs whose sku_affinity states `recommend` needs: the newest purchases, then the newest views. */
export function affinitySeeds(user: UserLists | undefined): string[] {
  const seeds = [...skusOf(user?.purchased).slice(0, SEED_PURCHASES), ...skusOf(user?.recentViews).slice(0, SEED_VIEWS)];
  return [...new Set(seeds)];
}

/**
 * @example
 * recommend({ user: { purchased: ['x', 1] }, affinity: new Map([['x', { partners: ['y', 3] }]]), trending: [], limit: 10 });
 * // [{ sku: 'y', score: 3, reason: 'bought_with:x' }]
 */
export function recommend(input: RecommendInput): Recommendation[] {
  const bought = new Set(skusOf(input.user?.purchased));
  const chosen = new Map<string, { tier: number } & Recommendation>();

  const withBest = new Map<string, { total: number; best: number; from: string }>();
  for (const seed of affinitySeeds(input.user)) {
    for (const { sku, count } of partnersOf(input.affinity.get(seed))) {
      if (bought.has(sku)) continue;
      const w = withBest.get(sku);
      if (!w) withBest.set(sku, { total: count, best: count, from: seed });
      else {
        w.total += count;
        if (count > w.best) Object.assign(w, { best: count, from: seed });
      }
    }
  }
  for (const [sku, w] of withBest) chosen.set(sku, { tier: 0, sku, score: w.total, reason: `bought_with:${w.from}` });

  skusOf(input.user?.recentViews).forEach((sku, rank) => {
    if (bought.has(sku) || chosen.has(sku)) return;
    chosen.set(sku, { tier: 1, sku, score: round(1 - rank / RECENT_VIEWS_CAP), reason: 'viewed' });
  });
  for (const { sku, units } of input.trending) {
    if (bought.has(sku) || chosen.has(sku)) continue;
    chosen.set(sku, { tier: 2, sku, score: units, reason: 'trending' });
  }

  return [...chosen.values()]
    .sort((a, b) => a.tier - b.tier || b.score - a.score || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .slice(0, Math.max(0, input.limit))
    .map(({ sku, score, reason }) => ({ sku, score, reason }));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
