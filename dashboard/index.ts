/**
 * The live dashboard's public surface: the snapshot contract the server fills and the embedded
 * assets the HTTP routes (http/routes/dashboard.ts) serve. Browser checks for integration tests
 * live in ./browser-checks.ts and ./business-checks.ts (not exported here: they pull in Playwright).
 */
export type {
  ActorRate,
  CheckpointHealth,
  DashboardConfig,
  DashboardSnapshot,
  DashboardStreamError,
  OrderFunnel,
  PartitionLag,
  Percentiles,
  ShardOwner,
  TopicRate,
} from './snapshot.ts';
export { DASHBOARD_ASSETS, INDEX_HTML, type DashboardAsset } from './assets.ts';
