import { DEFAULT_MAX_FUTURE_MS } from '../schemas/index.ts';

/**
 * The bounds of the HTTP edge (issue 18): what one request, one connection and one client may
 * cost an instance. Every value is configurable (instance/config.ts, pipeline.example.yaml `http:`);
 * these are the defaults.
 */
export interface HttpLimits {
  /** Largest request body (bytes); larger → 413. */
  maxBodyBytes: number;
  /** Most items (events) in one POST /v1/events; more → 413, decided before any item is validated. */
  maxItemsPerRequest: number;
  /** A request body must arrive within this (ms), else 408: a 1-byte-per-5-s upload is cut. */
  bodyReadTimeoutMs: number;
  /** A connection with no traffic for this long is closed (Bun; SSE streams are exempt). */
  idleTimeoutSeconds: number;
  /** Requests being handled at once (health, readiness and metrics exempt); beyond → 503 + Retry-After. */
  maxInFlight: number;
  /** Per-token budgets (none: unlimited). Without configured tokens all callers share one budget. */
  rateLimit?: { requestsPerSecond?: number; eventsPerSecond?: number };
  /** Recently produced (topic, key, id) remembered to answer retries as duplicates; 0 entries: off. */
  dedup: { maxEntries: number; ttlMs: number };
  /** Latest accepted event time, relative to this instance's clock (ms). */
  maxFutureMs: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxItemsPerRequest: 10_000,
  bodyReadTimeoutMs: 30_000,
  idleTimeoutSeconds: 30,
  maxInFlight: 512,
  dedup: { maxEntries: 100_000, ttlMs: 10 * 60_000 },
  maxFutureMs: DEFAULT_MAX_FUTURE_MS,
};

/** Most entries listed in one answer (`rejected`, `duplicates`); the totals are counts beside them. */
export const MAX_LISTED = 100;

/** The Server-Sent Events routes: exempt from the idle timeout, and the only ones taking `?access_token=`. */
export const SSE_PATHS: ReadonlySet<string> = new Set(['/v1/alerts/stream', '/v1/dashboard/stream']);

/** Routes that must answer under any load (probes, scrapes): outside the in-flight bound. */
export const UNBOUNDED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);
