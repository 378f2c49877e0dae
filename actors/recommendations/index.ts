/**
 * Real-time recommendations (docs/recommendations.md), built only on actorstream/sdk: the
 * `sku_affinity` actor (bought-together counts per SKU), the bounded recency lists the user actor
 * keeps, and the pure composition the HTTP route answers with.
 */
export { skuAffinity, partnersOf, type SkuAffinityState } from './sku-affinity.ts';
export * from './protocol.ts';
export { withRecentSku, skusOf, type RecentSkus } from './recent-skus.ts';
export { affinitySeeds, recommend, SEED_PURCHASES, SEED_VIEWS, type Recommendation, type RecommendInput, type UserLists } from './compose.ts';
