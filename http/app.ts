import type { ActorDefinition } from '../actors/actor.ts';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type postgres from 'postgres';
import type { DashboardSnapshot } from '../dashboard/snapshot.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RecordSink, TopicNames, LocalAnswer, ReleaseOutcome } from '../engine/index.ts';
import type { AlertExplanation } from '../engine/alert-causes.ts';
import type { HistoryResult } from '../engine/entity-history.ts';
import type { HistoryPoint } from '../engine/history-point.ts';
import type { Alert } from '../schemas/index.ts';
import { stackOf, viewOf } from './present.ts';
import type { AlertFeed } from '../sinks/alert-feed.ts';
import { requireScope, type ApiToken } from './auth.ts';
import { clip } from './clip.ts';
import { limitInFlight } from './in-flight-limit.ts';
import { DEFAULT_HTTP_LIMITS, UNBOUNDED_PATHS, type HttpLimits } from './limits.ts';
import { openApiDocument } from './openapi.ts';
import { createRateLimits } from './rate-limit.ts';
import { createRecentEvents } from './recent-events.ts';
import { alertRoutes } from './routes/alerts.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { deadLetterRoutes, type DeadLetterAdmin } from './routes/dead-letters.ts';
import { quarantineRoutes } from './routes/quarantine.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { entityRoutes } from './routes/entities.ts';
import { entityHistoryRoutes } from './routes/entity-history.ts';
import { recommendationRoutes } from './routes/recommendations.ts';
import { topSkus } from '../store/index.ts';
import { ingestRoutes, type IngestOptions } from './routes/ingest.ts';

/** Everything an instance's HTTP API needs; each piece is optional where an instance may lack it. */
export interface AppDeps {
  instanceId: string;
  version: string;
  sql: postgres.Sql;
  metrics: Metrics;
  topics: TopicNames;
  /** Where ingested events are produced. */
  sink: Pick<RecordSink, 'send'>;
  local?: { query(type: string, key: string): Promise<LocalAnswer>; release?(type: string, key: string): Promise<ReleaseOutcome> };
  partitionsOf(type: string): number | undefined;
  /** The partition of a key (the log client's partitioner): where its entity's shard is. */
  partitionOf(key: string, partitionCount: number): number;
  /** The actor types answered by `/v1/entities/:type/:key`, and their views of a state (ActorDefinition.view). */
  actors?: readonly Pick<ActorDefinition<any>, 'type' | 'view'>[];
  /**
   * An entity's state at a past event time or source offset (`GET /v1/entities/:type/:key/history?at=`): engine/entity-history.ts
   * `entityStateAt` bound to this instance's Postgres and log. Absent: that route answers 501.
   */
  entityHistory?: (type: string, key: string, at: HistoryPoint) => Promise<HistoryResult>;
  alertFeed?: () => AlertFeed | undefined;
  /** Readiness: joined the group and every assigned shard restored. */
  ready(): { ready: boolean; detail: Record<string, unknown> };
  tokens?: ApiToken[];
  /** Allowed CORS origins (none: no CORS headers). */
  corsOrigins?: string[];
  maxBodyBytes?: number;
  /** Bounds of the edge (http/limits.ts); each missing one has its default. */
  limits?: Partial<HttpLimits>;
  dashboard?: { snapshots: () => Promise<DashboardSnapshot>; jaegerUrl?: string | null };
  /** Reading and redriving the dead-letter topics (admin scope); absent: no such routes. */
  deadLetters?: DeadLetterAdmin;
  /** Finds an alert's cause events in the log (`GET /v1/alerts/:id`). */
  explainAlert?: (alert: Alert) => Promise<AlertExplanation>;
  /** Ingest tracing (observability/tracing.ts `Tracing.ingest`). */
  traceIngest?: IngestOptions['trace'];
  log?: (line: string) => void;
}

/**
 * The Hono app every instance serves: the routes of ARCHITECTURE.md plus /openapi.json and the
 * dashboard. Runtime-neutral (fetch handler); runtime/serve.ts binds it to Bun or Deno.
 */
export function createApp(deps: AppDeps): Hono {
  const tokens = deps.tokens ?? [];
  const app = new Hono();
  const log = deps.log ?? ((l: string) => console.error(l));
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...(deps.maxBodyBytes ? { maxBodyBytes: deps.maxBodyBytes } : {}), ...definedOnly(deps.limits ?? {}) };
  const rateLimits = createRateLimits(limits.rateLimit);

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.metrics.httpRequest(c.req.method, c.req.routePath || 'unmatched', c.res.status, (performance.now() - started) / 1000);
  });
  // Before auth: a flood of unauthenticated requests is bounded too.
  app.use('*', limitInFlight(limits.maxInFlight, UNBOUNDED_PATHS));
  if (deps.corsOrigins?.length) app.use('/v1/*', cors({ origin: deps.corsOrigins, allowHeaders: ['authorization', 'content-type', 'last-event-id'] }));

  app.get('/healthz', (c) => c.json({ status: 'ok', instance: deps.instanceId }));
  app.get('/readyz', (c) => {
    const r = deps.ready();
    return c.json({ status: r.ready ? 'ready' : 'not ready', instance: deps.instanceId, ...r.detail }, r.ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => c.text(await deps.metrics.render(), 200, { 'content-type': deps.metrics.registry.contentType }));
  const openapi = openApiDocument(deps.version);
  app.get('/openapi.json', (c) => c.json(openapi));

  app.use('/v1/events', requireScope(tokens, 'ingest'));
  app.use('/v1/users/*', requireScope(tokens, 'read'));
  app.use('/v1/orders/*', requireScope(tokens, 'read'));
  app.use('/v1/skus/*', requireScope(tokens, 'read'));
  app.use('/v1/entities/*', requireScope(tokens, 'read'));
  app.use('/v1/alerts', requireScope(tokens, 'read'));
  app.use('/v1/alerts/*', requireScope(tokens, 'read'));
  app.use('/v1/dashboard/*', requireScope(tokens, 'read'));
  app.use('/v1/analytics/*', requireScope(tokens, 'read'));
  app.use('/v1/admin/*', requireScope(tokens, 'admin'));
  // After auth, so the budget is the token's.
  app.use('/v1/*', rateLimits.requests);

  app.route('/', ingestRoutes({
    sink: deps.sink,
    topics: deps.topics,
    maxBodyBytes: limits.maxBodyBytes,
    maxItemsPerRequest: limits.maxItemsPerRequest,
    bodyReadTimeoutMs: limits.bodyReadTimeoutMs,
    maxFutureMs: limits.maxFutureMs,
    recent: createRecentEvents(limits.dedup),
    admitEvents: rateLimits.admitEvents,
    trace: deps.traceIngest,
    onIngested: (a, r) => deps.metrics.ingested(a, r),
  }));
  const entities = entityRoutes({
    local: deps.local, partitionsOf: deps.partitionsOf, partitionOf: deps.partitionOf, sql: deps.sql, self: { id: deps.instanceId },
    types: deps.actors?.map((a) => a.type),
    present: viewOf(deps.actors),
  });
  app.route('/', entities);
  // Under /v1/entities/*, so the read scope of the entity answers covers it.
  app.route('/', entityHistoryRoutes({
    history: deps.entityHistory, types: deps.actors?.map((a) => a.type) ?? ['user', 'order', 'sku'], log,
    present: viewOf(deps.actors),
  }));
  app.route('/', recommendationRoutes({ entities, trending: (range, limit) => topSkus(deps.sql, range, limit) }));
  app.route('/', alertRoutes({ sql: deps.sql, feed: deps.alertFeed ?? (() => undefined), log, explain: deps.explainAlert, jaegerUrl: deps.dashboard?.jaegerUrl }));
  app.route('/', analyticsRoutes({ sql: deps.sql }));
  if (deps.deadLetters) {
    app.route('/', deadLetterRoutes({ admin: deps.deadLetters, log, counted: (outcome, n) => deps.metrics.adminAction('dead_letter_redrive', outcome, n) }));
  }
  app.route('/', quarantineRoutes({
    sql: deps.sql, self: { id: deps.instanceId }, types: deps.actors?.map((a) => a.type) ?? ['user', 'order', 'sku'],
    local: deps.local?.release ? { release: deps.local.release.bind(deps.local) } : undefined,
    partitionsOf: deps.partitionsOf, partitionOf: deps.partitionOf, log,
    counted: (outcome) => deps.metrics.adminAction('quarantine_release', outcome),
  }));
  if (deps.dashboard) {
    app.route('/', dashboardRoutes({ snapshots: deps.dashboard.snapshots, jaegerUrl: deps.dashboard.jaegerUrl ?? null, onError: (m, e) => log(`[dashboard] ${m}: ${e}`) }));
  }

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${clip(c.req.path)}` }, 404));
  // Never a stack trace to a client: the message for HTTP errors, a reference for the rest.
  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    const ref = crypto.randomUUID();
    log(`[http] ${c.req.method} ${clip(c.req.path)} failed (ref ${ref}): ${stackOf(err)}`);
    return c.json({ error: 'internal error', ref }, 500);
  });
  return app;
}

/** `o` without its undefined values, so spreading it over defaults keeps the defaults. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
