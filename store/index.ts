/**
 * store/: the one owner of the Postgres schema and every statement on it. Callers open a pool with
 * `openPool`, pass it to these typed functions and never write SQL or JSON paths themselves.
 * Internals (the checkpoint's individual writes, the probing of refused rows) stay in their files.
 */
export { openPool, type PoolOptions, type Sql } from './pool.ts';
export { ShardFenced } from './shard-fenced.ts';
export { UnencodableValue } from './json-rows.ts';
export { MIGRATIONS, migrate } from './migrations.ts';
export { declaredTableProblems, declaredTablesOf, type DeclaredTables } from './declared-tables.ts';
export { appliedMigrations, ping, schemaPresent } from './schema.ts';
export {
  createCheckpointStore,
  isDataError,
  type Checkpoint,
  type CheckpointStore,
  type Quarantine,
  type ShardSnapshot,
  type StoredState,
  type Unstorable,
} from './checkpoint-store.ts';
export { entitySnapshot } from './entities.ts';
export { shardOwner, shardOwners, type ShardOwner } from './owners.ts';
export { shardInputOffsets, type InputOffset } from './offsets.ts';
export { deleteOutboxRows, deleteRelayed, outboxPending, pendingOutboxOf, readPendingOutbox, type OutboxRow, type PendingOutboxRow, type ShardOutboxRow } from './outbox.ts';
export { CommittedOutbox } from './committed-outbox.ts';
export { alertById, alertExists, alertsAfter, deleteAlertsBefore, entityAlerts, listAlerts, type AlertFilter, type AlertPage, type AlertPosition } from './alerts.ts';
export { orderStatusCounts, quarantinedCount, skuStockFacts, type LowStockSku, type OutOfStockSku, type SkuStockFacts } from './dashboard-facts.ts';
export { vacuumChurningTables } from './maintenance.ts';
export { deleteHistoryBefore, historyAround, writeHistory, type HistoryAround, type HistoryRow, type HistorySnapshot } from './history.ts';
export { replayResetCounts, resetForReplay, type ReplayResetCounts, type ReplayScope } from './replay.ts';
export {
  AGGREGATE_PART_TABLES,
  alertsByBucket,
  deleteAggregatesBefore,
  funnelByBucket,
  salesByBucket,
  topSkus,
  type AlertsBucket,
  type Bucket,
  type FunnelBucket,
  type SalesBucket,
  type TimeRange,
  type TopSku,
} from './analytics.ts';
export { countStates, rebuildReadModelPage, type StoredEntityRow } from './read-model-rebuild.ts';
export { listQuarantined, parkedInputsOf, type QuarantinedEntity } from './parked-inputs.ts';
export { ensureProcessedEventsTable } from './processed-events.ts';
export { IDENTIFIER_PATTERN, isIdentifier } from './identifier.ts';
export { committedAlerts, committedStates, createShadowSchema, dropShadowSchema, shadowDatabaseUrl, shadowProgress } from './shadow.ts';
export { prepareCheckpointStatements, type CheckpointShape } from './checkpoint-warmup.ts';
