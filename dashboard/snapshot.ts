/**
 * What the live dashboard shows, pushed once a second on `GET /v1/dashboard/stream` (SSE event
 * `snapshot`, data = one `DashboardSnapshot` as JSON). Types only: the server fills it from the
 * processor's observer and registries; the page (dashboard/src) only reads it.
 *
 * Conventions, so both sides agree without reading each other's code:
 * - times are epoch milliseconds (wall clock of the instance that built the snapshot);
 * - `…PerSec` fields are rates over the last few seconds (a sliding window, not since start);
 * - counters named as totals (`fenced`, `errors`, `deadLetters`, `quarantined`, the funnel) are
 *   cumulative since the process started, so the page can show them as they are and they only rise;
 * - a latency with no sample in its window is `null` (shown as "–"), never 0;
 * - lists may be empty; the page shows "waiting for events…" rather than zeros it cannot know.
 */
export interface DashboardSnapshot {
  /** When the snapshot was taken. */
  at: number;
  /** Name of the instance that serves this page (consumer group member id or host name). */
  instance: string;
  /** Records fetched per input topic (source and inbox topics), per second. */
  throughput: TopicRate[];
  /** Inputs applied by actors of each type, per second. */
  applied: ActorRate[];
  latencyMs: {
    /** Kafka append time → the actor's state reflects the event (in memory). */
    eventToState: Percentiles;
    /** Kafka append time → the checkpoint holding the event committed in Postgres. */
    eventToDurable: Percentiles;
  };
  /** Consumer lag (log end offset − position) of every partition this instance consumes. */
  lag: PartitionLag[];
  checkpoints: CheckpointHealth;
  /** Who owns each shard (`<actorType>/<partition>`, as in `shard_owners`), cluster-wide. */
  ownership: ShardOwner[];
  inventory: {
    /** SKUs whose available stock is below their reorder point (but above zero), most urgent first; capped (e.g. 20). */
    lowStock: { sku: string; available: number; reorderPoint: number }[];
    /** SKUs with nothing available (`onHand − reserved ≤ 0`); capped (e.g. 20). */
    outOfStock: { sku: string; onHand: number; reserved: number }[];
  };
  /** Orders that ever reached each status (cumulative totals). */
  funnel: OrderFunnel;
  /** Records sent to a `<topic>.dlq` dead-letter topic (total). */
  deadLetters: number;
  /** Actors currently quarantined because their handler threw. */
  quarantined: number;
}

export interface TopicRate {
  topic: string;
  eventsPerSec: number;
}

export interface ActorRate {
  /** Actor type: `user`, `order`, `sku`. */
  actor: string;
  perSec: number;
}

export interface Percentiles {
  p50: number | null;
  p99: number | null;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

export interface CheckpointHealth {
  /** When the most recent checkpoint of any shard of this instance committed; null before the first. */
  lastAt: number | null;
  /** How long that checkpoint's transaction took. */
  lastDurationMs: number | null;
  /** Committed checkpoints per second. */
  okPerSec: number;
  /** Checkpoints refused because another owner holds a newer epoch (total). */
  fenced: number;
  /** Checkpoints that failed for any other reason (total). */
  errors: number;
  /** Rows written per second (states + offsets + outbox + alerts + timers). */
  rowsPerSec: number;
}

export interface ShardOwner {
  /** `<actorType>/<partition>`, e.g. `sku/3`. */
  shard: string;
  /** Instance that holds the shard's epoch. */
  owner: string;
  /** Where that instance answers HTTP queries; null when it did not register one. */
  httpAddress: string | null;
  epoch: number;
  acquiredAt: number;
}

export interface OrderFunnel {
  placed: number;
  reserved: number;
  paid: number;
  shipped: number;
  delivered: number;
  rejected: number;
  expired: number;
  cancelled: number;
}

/** Data of `GET /v1/dashboard/config`. */
export interface DashboardConfig {
  /** Base URL of the Jaeger UI; an alert's `details.traceId` links to `${jaegerUrl}/trace/${traceId}`. */
  jaegerUrl: string | null;
  /** Milliseconds between snapshots on the stream. */
  intervalMs: number;
}

/** Data of the SSE `error` event the stream sends when a snapshot could not be built. */
export interface DashboardStreamError {
  message: string;
  at: number;
}
