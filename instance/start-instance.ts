import { buildActors } from '../actors/registry.ts';
import { loadActorModules } from '../actors/modules.ts';
import { createGenerator, toKafkaRecord, writeRecords } from '../generator/index.ts';
import { createApp } from '../http/app.ts';
import type { ApiToken } from '../http/auth.ts';
import { SSE_PATHS, type HttpLimits } from '../http/limits.ts';
import { pathIn, serve, type Served } from '../runtime/serve.ts';
import { composeObservers } from '../observability/compose-observers.ts';
import { createDashboardSnapshots } from '../observability/dashboard-snapshots.ts';
import { createLiveStats } from '../observability/live-stats.ts';
import { createMetrics } from '../observability/metrics.ts';
import type { Tracing } from '../observability/tracing.ts';
import { createInProcessLog } from '../adapters/embedded/index.ts';
import { startEmbeddedDatabase } from './embedded-database.ts';
import { clusterClient, type KafkaClientName } from './cluster-client.ts';
import { entityStateAt, type EntityHistoryDeps } from '../engine/entity-history.ts';
import { sourceTopicName, topicNames, startProcessor, type LogClient, type Processor, type ProcessorOptions, type ProcessorObserver } from '../engine/index.ts';
import { startAlertFeed, type AlertFeed } from '../sinks/alert-feed.ts';
import { deleteAggregatesBefore, deleteAlertsBefore, deleteHistoryBefore, openPool, outboxPending, vacuumChurningTables, type Sql } from '../store/index.ts';
import { startRetention, type RetentionRule } from './retention.ts';
import { deadLetterAdmin } from './dead-letter-admin.ts';
import { alertExplainer } from './alert-explainer.ts';

/** How often the embedded default vacuums PGlite (at 2,000 events/s: ~30k rewritten rows between two). */
const EMBEDDED_VACUUM_MS = 15_000;

/**
 * Alerts the embedded default keeps, in days of event time, unless configured (`alerts.retention_days`):
 * it is a demo that runs on a laptop for days, and its database only grows. A deployment on your
 * own Postgres keeps every alert unless told otherwise.
 */
export const EMBEDDED_ALERT_RETENTION_DAYS = 7;

/**
 * When the embedded default's entities leave memory, unless the `processing.passivate_after_ms` /
 * `max_entities_per_shard` / `max_passivated_keys_per_shard` keys say otherwise: idle for a minute
 * rather than the engine's ten. Its generator opens ~15 new entities a second at 2,000 events/s
 * (orders, fraud's fresh users) that are rarely touched again within minutes; each costs ~3 KB of
 * worker heap while held (issue #17). A passivated entity is read back from PGlite on its next
 * input. A shard remembers the keys of 100,000 passivated entities (~8.5 MB), not the engine's 1M:
 * at ~15 new keys a second that is hours, and past it new keys cost a PGlite look-up instead.
 */
export const EMBEDDED_PASSIVATION: NonNullable<ProcessorOptions['passivation']> = { idleMs: 60_000, maxEntities: 500_000, maxEvictedKeys: 100_000 };

/**
 * How far back the embedded log keeps committed records (besides its newest 2,000 per partition):
 * what an alert's why and time travel can read back. Without an age bound the slow partitions
 * (orders, stock, inboxes: a few records a second) took half an hour to fill their 2,000 and RSS
 * grew with them; topics nothing reads (alerts, dead letters) kept up to 100,000 a partition.
 */
export const EMBEDDED_LOOK_BACK_MS = 5 * 60_000;

/**
 * Shard worker threads of the embedded default, unless `processing.workers` / WORKERS say
 * otherwise: none. Its log, database and generator share the process, so a laptop's cores are
 * busy anyway; measured side by side (bench/README "Shard threads"), shards on the consumer's
 * thread cost about a third less CPU per event than handing batches to a worker (Bun 30.5k vs
 * 24.1k events/s on two cores), and the soak's RSS grows less without a second heap.
 */
export const EMBEDDED_WORKERS = 0;

/** Where the external mode's Kafka is, and which client speaks to it. */
export interface ClusterSettings {
  brokers: string[];
  /** Default kafkajs. */
  kafkaClient?: KafkaClientName;
  /** Static membership (platformatic only): this instance's stable id in the group. */
  groupInstanceId?: string;
}

/** One running instance: processor (consumer group member) + HTTP API + dashboard. */
export interface InstanceConfig {
  /** `embedded`: in-process log + PGlite + built-in generator; `external`: the configured Kafka and Postgres. */
  mode: 'external' | 'embedded';
  /** The processor's options; `brokers` are the Kafka cluster of the external mode. */
  processor: Omit<ProcessorOptions, 'client' | 'observer' | 'httpAddress' | 'log' | 'onFatal'> & ClusterSettings;
  http: {
    port: number;
    /** Interface to bind (default 127.0.0.1; instance/config.ts refuses an open bind without tokens). */
    hostname?: string;
    /** Address other instances use to reach this one (proxied queries); default http://127.0.0.1:<port>. */
    advertisedUrl?: string;
    tokens?: ApiToken[];
    corsOrigins?: string[];
    maxBodyBytes?: number;
    /** Bounds of the edge (http/limits.ts): items per request, timeouts, in-flight, rate limits, dedup. */
    limits?: Partial<HttpLimits>;
  };
  jaegerUrl?: string | null;
  /** Aggregate minutes older than this many days are deleted (default 30). */
  analyticsRetentionDays?: number;
  /** State history snapshots (`history.retention_hours`) older than this are deleted, but each entity's newest (default 24). */
  historyRetentionHours?: number;
  /** Alerts older than this many days (event time) are deleted; 0 keeps all. Default: all, EMBEDDED_ALERT_RETENTION_DAYS embedded. */
  alertsRetentionDays?: number;
  /** Embedded mode: generated events per second (0: none). */
  generatorRate?: number;
  /**
   * Embedded mode: the directory in which PGlite gets a scratch directory for this run, removed at
   * stop (default the OS temp directory), or `memory` to keep its files in memory (embedded-database.ts).
   */
  embeddedDataDir?: string;
  version?: string;
  /** Extra observer (benchmarks). */
  observer?: ProcessorObserver;
  /** Traces (observability/tracing.ts); default none. */
  tracing?: Tracing;
}

export interface Instance {
  url: string;
  processor: Processor;
  /** The log client the instance runs on (the in-process log in embedded mode): tools and tests produce through it. */
  client: LogClient;
  stop(): Promise<void>;
}

export async function startInstance(cfg: InstanceConfig, log: (line: string) => void = console.log): Promise<Instance> {
  const cleanups: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  // Last started, first stopped; a second stop() waits for the first instead of running it again.
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const c of [...cleanups].reverse()) await c().catch((e) => log(`stop: ${(e as Error).message}`));
    })());
  try {
    return await start(cfg, log, cleanups, stopAll);
  } catch (e) {
    await stopAll(); // nothing half-started stays behind (clients, servers, timers)
    throw e;
  }
}

async function start(cfg: InstanceConfig, log: (line: string) => void, cleanups: (() => Promise<void>)[], stopAll: () => Promise<void>): Promise<Instance> {
  let processorOpts = { ...cfg.processor };
  // Before anything is built: module actors join the registry, module events the decoder and the API.
  await loadActorModules(processorOpts.actorsConfig?.modules ?? []);
  const built = buildActors(processorOpts.actorsConfig); // a module redefining a type fails here, before anything starts
  const actors = processorOpts.actors ?? built;
  processorOpts = { ...processorOpts, historyActors: historyActorsOf(cfg, actors) };
  let client: LogClient;
  if (cfg.mode === 'embedded') {
    const pg = await startEmbeddedDatabase(cfg.embeddedDataDir, log);
    cleanups.push(() => pg.close());
    const inProcess = createInProcessLog({ lookBackMs: EMBEDDED_LOOK_BACK_MS });
    cleanups.push(() => inProcess.close());
    client = inProcess;
    // PGlite is one single-user backend: more connections add no parallelism.
    processorOpts = { ...processorOpts, databaseUrl: pg.url, postgresPoolSize: 1, passivation: processorOpts.passivation ?? EMBEDDED_PASSIVATION, workers: processorOpts.workers ?? EMBEDDED_WORKERS };
  } else {
    client = await clusterClient({ client: processorOpts.kafkaClient ?? 'kafkajs', clientId: processorOpts.ownerId, brokers: processorOpts.brokers, groupInstanceId: processorOpts.groupInstanceId });
  }
  const sql = openPool(processorOpts.databaseUrl, { max: cfg.mode === 'embedded' ? 1 : 4 });
  cleanups.push(() => sql.end({ timeout: 5 }));
  const topics = processorOpts.topics ?? topicNames();
  const metrics = createMetrics();
  const live = createLiveStats();

  // HTTP first: its port is what this instance advertises as the owner of its shards.
  let processor: Processor | undefined;
  let alertFeed: AlertFeed | undefined;
  const sink = await client.sink();
  cleanups.push(() => sink.disconnect());
  const deadLetters = deadLetterAdmin(client, topics, processorOpts.app, actors);
  cleanups.push(() => deadLetters.close());
  const historyDeps: EntityHistoryDeps = {
    sql, client, admin: { offsets: async (topic) => (await deadLetters.admin()).offsets(topic) }, app: processorOpts.app, actors, historyTypes: new Set(processorOpts.historyActors), maxFutureMs: processorOpts.maxFutureMs,
    holdWhileAwaiting: processorOpts.eventTimeMerge === true,
    sourceTopicOf: (actor) => sourceTopicName(topics, actor.sourceTopic),
  };
  const app = createApp({
    instanceId: processorOpts.ownerId,
    version: cfg.version ?? '0.0.0',
    sql,
    metrics,
    topics,
    sink,
    local: {
      query: (type, key) => processor?.query(type, key) ?? Promise.resolve({ kind: 'not-owned' as const }),
      release: (type, key) => processor?.release(type, key) ?? Promise.resolve({ kind: 'not-owned' as const }),
    },
    partitionsOf: (type) => processor?.partitionsOf(type),
    partitionOf: client.partitionOf,
    actors,
    alertFeed: () => alertFeed,
    ready: () => {
      const r = processor?.readiness();
      return { ready: Boolean(r?.ready), detail: r ?? { starting: true } };
    },
    tokens: cfg.http.tokens,
    corsOrigins: cfg.http.corsOrigins,
    maxBodyBytes: cfg.http.maxBodyBytes,
    // The edge bounds event time with the same skew the processor applies to records.
    limits: { ...cfg.http.limits, maxFutureMs: cfg.http.limits?.maxFutureMs ?? processorOpts.maxFutureMs },
    dashboard: { snapshots: createDashboardSnapshots({ instance: processorOpts.ownerId, sql, live }), jaegerUrl: cfg.jaegerUrl },
    deadLetters,
    entityHistory: (type, key, at) => entityStateAt(historyDeps, type, key, at),
    explainAlert: alertExplainer(client, deadLetters.admin, topics, processorOpts.app, actors),
    traceIngest: cfg.tracing?.enabled ? (attributes, fn) => cfg.tracing!.ingest(attributes, fn) : undefined,
    log,
  });
  const server: Served = serve(app.fetch, {
    port: cfg.http.port,
    hostname: cfg.http.hostname,
    idleTimeoutSeconds: cfg.http.limits?.idleTimeoutSeconds,
    untimed: pathIn(SSE_PATHS),
  });
  cleanups.push(() => server.stop());
  const url = `http://127.0.0.1:${server.port}`;

  processor = await startProcessor({
    ...processorOpts,
    client,
    httpAddress: cfg.http.advertisedUrl ?? url,
    observer: composeObservers(metrics.observer, live.observer, cfg.tracing?.observer, cfg.observer),
    log: (l) => log(`[processor] ${l}`),
    // A shard worker died with uncommitted state: exit, so the supervisor restarts the instance
    // from its checkpoints (the engine itself never exits the process).
    onFatal(e) {
      log(`[processor] fatal: ${e.message}; exiting so the instance restarts from its checkpoints`);
      process.exit(70);
    },
  });
  const p = processor;
  cleanups.push(() => p.stop());
  metrics.setSources({
    entitiesInMemory: () => p.entitiesInMemory(),
    ownedShards: () => p.ownedShards().length,
    outboxPending: () => outboxPending(sql),
  });
  if (cfg.mode === 'embedded') {
    // PGlite has no autovacuum and keeps its data in memory: reclaim the rows checkpoints rewrite.
    const vacuum = setInterval(() => void vacuumChurningTables(sql).catch((e) => log(`vacuum: ${(e as Error).message}`)), EMBEDDED_VACUUM_MS);
    cleanups.push(async () => clearInterval(vacuum));
  }
  cleanups.push(startRetention(retentionRules(sql, cfg), log));
  alertFeed = await startAlertFeed(client, { topic: topics.alerts, groupId: `${processorOpts.app}-alert-feed-${processorOpts.ownerId}`, log });
  const feed = alertFeed;
  cleanups.push(() => feed.stop());

  if (cfg.mode === 'embedded' && (cfg.generatorRate ?? 0) > 0) {
    const abort = new AbortController();
    // No ground truth: nothing here reads it, and kept it would grow for as long as the instance runs.
    const generator = createGenerator({ seed: Date.now() % 1_000_000, users: 5_000, skus: 300, startTs: Date.now(), eventsPerSecond: cfg.generatorRate, fraudRate: 20, recordGroundTruth: false });
    const records = (function* () {
      for (const e of generator) {
        const r = toKafkaRecord(e);
        yield { ...r, topic: topics.source[r.topic as keyof typeof topics.source] };
      }
    })();
    // The generator is a client of the log like any producer (its own sink).
    const generatorSink = await client.sink();
    cleanups.push(() => generatorSink.disconnect());
    const running = writeRecords(generatorSink, records, { rate: cfg.generatorRate, signal: abort.signal }).catch((e) => {
      if (!abort.signal.aborted) log(`generator stopped: ${(e as Error).message}`);
    });
    // Runs before the producer disconnects (cleanups run in reverse).
    cleanups.push(async () => {
      abort.abort();
      await running;
    });
  }
  return { url, processor: p, client, stop: stopAll };
}

/** What this instance deletes as it ages (instance/retention.ts): aggregate minutes, and alerts when configured. */
function retentionRules(sql: Sql, cfg: InstanceConfig): RetentionRule[] {
  const rules: RetentionRule[] = [
    { name: 'analytics', rows: 'aggregate row', days: cfg.analyticsRetentionDays ?? 30, deleteBefore: (t) => deleteAggregatesBefore(sql, t) },
  ];
  const alertDays = cfg.alertsRetentionDays ?? (cfg.mode === 'embedded' ? EMBEDDED_ALERT_RETENTION_DAYS : 0);
  if (alertDays > 0) rules.push({ name: 'alerts', rows: 'alert', days: alertDays, deleteBefore: (t) => deleteAlertsBefore(sql, t) });
  if ((cfg.processor.historyActors ?? []).length > 0) {
    const hours = cfg.historyRetentionHours ?? 24;
    rules.push({ name: 'history', rows: 'state snapshot', days: hours / 24, deleteBefore: (t) => deleteHistoryBefore(sql, t) });
  }
  return rules;
}

/**
 * The actor types that keep a state history (`history.actors`): none unless configured, the
 * embedded default included — measured there at 2,000 events/s, history grew PGlite's data dir by
 * ~35 MB a minute, while its in-process log keeps only seconds of records to rebuild from. A type
 * the deployment does not run is a configuration mistake, refused before anything starts.
 */
function historyActorsOf(cfg: InstanceConfig, actors: readonly { type: string }[]): string[] {
  const types = actors.map((a) => a.type);
  const wanted = cfg.processor.historyActors ?? [];
  const unknown = wanted.filter((t) => !types.includes(t));
  if (unknown.length > 0) throw new Error(`history.actors (HISTORY_ACTORS) names ${unknown.map((t) => `'${t}'`).join(', ')}, not an actor type of this deployment (${types.join(', ')})`);
  return [...wanted];
}
