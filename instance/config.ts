import { actorRules, ActorRulesFile } from './actor-rules.ts';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import type { ApiToken } from '../http/auth.ts';
import { DEFAULT_HTTP_LIMITS } from '../http/limits.ts';
import { DEFAULT_HOSTNAME } from '../runtime/serve.ts';
import { PROCESSOR_DEFAULTS, topicNames } from '../engine/index.ts';
import { ConfigError, SOURCE_TOPICS } from '../schemas/index.ts';
import { IDENTIFIER_PATTERN, isIdentifier } from '../store/identifier.ts';
import type { KafkaClientName } from './cluster-client.ts';
import type { InstanceConfig } from './start-instance.ts';

const Scope = Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('admin')]);

/** The pipeline.yaml schema (see pipeline.example.yaml). Unknown keys are errors, not ignored. */
export const PipelineFile = Type.Object(
  {
    app: Type.Optional(Type.String({ minLength: 1, pattern: '^[a-z0-9][a-z0-9_.-]*$' })),
    kafka: Type.Optional(Type.Object({
      bootstrap_servers: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })])),
      topics: Type.Optional(Type.Array(Type.String(), { minItems: 3, maxItems: 3 })),
      topic_prefix: Type.Optional(Type.String()),
      consumer_group: Type.Optional(Type.String({ minLength: 1 })),
      partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      client: Type.Optional(Type.Union([Type.Literal('kafkajs'), Type.Literal('platformatic')])),
      group_instance_id: Type.Optional(Type.String({ minLength: 1, maxLength: 249 })),
      /** Consumer-group failure detection (default 10000); below 6000 the broker must allow it (docs: deploy/README.md). */
      session_timeout_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
      heartbeat_interval_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
    }, { additionalProperties: false })),
    processing: Type.Optional(Type.Object({
      /** Approximate records per fetched batch (sets the fetch size per partition at ~1 KiB per event). */
      batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
      /** The longest between checkpoint passes (default 200). */
      checkpoint_interval_ms: Type.Optional(Type.Integer({ minimum: 10, maximum: 600_000 })),
      /** The shortest between checkpoint passes, while they are cheap (default a quarter of the interval; equal to it: a fixed timer). */
      checkpoint_min_interval_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
      checkpoint_location: Type.Optional(Type.Literal('postgres')),
      workers: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
      max_uncommitted_records: Type.Optional(Type.Integer({ minimum: 100 })),
      /** Apply a partition's batch while the next one is fetched (engine/intake-lanes.ts). */
      pipeline_batches: Type.Optional(Type.Boolean()),
      /** Fetched batches handed to the shards at once (ProcessorOptions.batchesInFlight). */
      batches_in_flight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
      /** Dirty shards commit in group transactions (ProcessorOptions.groupCommit). */
      group_commit: Type.Optional(Type.Boolean()),
      /** Messages between shards of one instance skip Kafka (ProcessorOptions.localMessages). */
      local_messages: Type.Optional(Type.Boolean()),
      /** Inputs of sku, user and sku_affinity merged in event time (ProcessorOptions.eventTimeMerge). */
      event_time_merge: Type.Optional(Type.Boolean()),
      /** How long a merging shard waits for a silent origin (ms). */
      event_time_max_wait_ms: Type.Optional(Type.Integer({ minimum: 100 })),
      /** Source events a merging shard may hold before its source partition pauses (default 5000). */
      event_time_max_held_sources: Type.Optional(Type.Integer({ minimum: 100 })),
      passivate_after_ms: Type.Optional(Type.Integer({ minimum: 1000 })),
      max_entities_per_shard: Type.Optional(Type.Integer({ minimum: 1 })),
      /** Keys of passivated entities a shard remembers; beyond it, every key not in memory is looked up once. */
      max_passivated_keys_per_shard: Type.Optional(Type.Integer({ minimum: 1 })),
      /** A shard holding more entities is restored lazily (keys now, states on their next input); default 50000. */
      lazy_restore_above: Type.Optional(Type.Integer({ minimum: 0 })),
    }, { additionalProperties: false })),
    postgres: Type.Optional(Type.Object({
      url: Type.Optional(Type.String({ minLength: 1 })),
      host: Type.Optional(Type.String({ minLength: 1 })),
      port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
      database: Type.Optional(Type.String({ minLength: 1 })),
      user: Type.Optional(Type.String({ minLength: 1 })),
      password: Type.Optional(Type.String()),
      /** Opt-in table of every processed source event (docs/analytics.md "Processed events"). */
      table: Type.Optional(Type.String({ pattern: IDENTIFIER_PATTERN })),
    }, { additionalProperties: false })),
    limits: Type.Optional(Type.Object({
      /** Latest accepted event time ahead of the clock (ms), at the edge and in the processor. */
      max_future_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 24 * 3_600_000 })),
    }, { additionalProperties: false })),
    http: Type.Optional(Type.Object({
      host: Type.Optional(Type.String({ minLength: 1 })),
      port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
      advertised_url: Type.Optional(Type.String({ pattern: '^https?://' })),
      cors_origins: Type.Optional(Type.Array(Type.String())),
      max_body_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
      max_items_per_request: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
      body_read_timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
      idle_timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
      max_in_flight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
      rate_limit: Type.Optional(Type.Object({
        requests_per_second: Type.Optional(Type.Integer({ minimum: 1 })),
        events_per_second: Type.Optional(Type.Integer({ minimum: 1 })),
      }, { additionalProperties: false })),
      dedup: Type.Optional(Type.Object({
        max_entries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
        ttl_ms: Type.Optional(Type.Integer({ minimum: 1000 })),
      }, { additionalProperties: false })),
      tokens: Type.Optional(Type.Array(Type.Object({ name: Type.String(), token: Type.String({ minLength: 16 }), scopes: Type.Array(Scope, { minItems: 1 }) }, { additionalProperties: false }))),
    }, { additionalProperties: false })),
    observability: Type.Optional(Type.Object({
      otlp_endpoint: Type.Optional(Type.String()),
      trace_sample_ratio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
      jaeger_ui_url: Type.Optional(Type.String()),
    }, { additionalProperties: false })),
    analytics: Type.Optional(Type.Object({
      /** Read models and per-minute aggregates written with each checkpoint (docs/analytics.md); default true. */
      enabled: Type.Optional(Type.Boolean()),
      /** Aggregate minutes older than this many days are deleted; default 30. */
      retention_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    }, { additionalProperties: false })),
    actors: Type.Optional(Type.Object({
      /** Files that define actor and event types with actorstream/sdk (docs/writing-actors.md), relative to this file. */
      modules: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
      ...ActorRulesFile,
    }, { additionalProperties: false })),
    history: Type.Optional(Type.Object({
      /** Actor types whose checkpoints keep a snapshot of every entity that changed, for its state at a past time (engine/entity-history.ts). Default: none. */
      actors: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
      /** Snapshots older than this many hours are deleted, but each entity's newest one before that. Default 24. */
      retention_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 87_600 })),
    }, { additionalProperties: false })),
    alerts: Type.Optional(Type.Object({
      /** Alerts older than this many days (event time) are deleted; 0 keeps all. Default: all; embedded default 7. */
      retention_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 36500 })),
    }, { additionalProperties: false })),
    embedded: Type.Optional(Type.Object({
      generator_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
      /** Where PGlite gets its scratch directory (relative to this file; default the OS temp dir), or `memory`. */
      data_dir: Type.Optional(Type.String({ minLength: 1 })),
    }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type PipelineFile = Static<typeof PipelineFile>;

export interface ResolvedConfig {
  instance: InstanceConfig;
  tracing: { endpoint?: string; sampleRatio: number };
  /** Where the file came from, for the start-up banner. */
  source: string;
  /** ALLOW_INSECURE=true: serve a non-loopback address without API tokens (see checkExposure). */
  allowInsecure: boolean;
}

/**
 * The configuration of `actorstream run`: pipeline.yaml (PIPELINE_CONFIG or --config), then the
 * environment over it (KAFKA_BROKERS, DATABASE_URL, HTTP_PORT, OTEL_EXPORTER_OTLP_ENDPOINT, and
 * APP, GROUP_ID, PARTITIONS, CHECKPOINT_INTERVAL_MS, CHECKPOINT_MIN_INTERVAL_MS, OWNER_ID, TOPIC_PREFIX, WORKERS,
 * HTTP_HOST, HTTP_ADVERTISED_URL, API_TOKENS = name:token:scope+scope,…, MAX_FUTURE_MS, ALLOW_INSECURE,
 * ANALYTICS = true|false, ANALYTICS_RETENTION_DAYS, ALERTS_RETENTION_DAYS, HISTORY_ACTORS = type,type, HISTORY_RETENTION_HOURS, PROCESSED_EVENTS_TABLE, KAFKA_SESSION_TIMEOUT_MS,
 * KAFKA_HEARTBEAT_INTERVAL_MS, ACTOR_MODULES = path,path, EMBEDDED_DATA_DIR). No Kafka and no Postgres configured
 * anywhere → the embedded default. Every mistake is a ConfigError naming the key and the fix.
 */
export function loadConfig(rawEnv: Record<string, string | undefined>, configPath = rawEnv.PIPELINE_CONFIG): ResolvedConfig {
  // An empty variable (`${VAR:-}` in compose or Kubernetes) is unset, not a value: it must not
  // override pipeline.yaml (an empty KAFKA_BROKERS would otherwise select the embedded default).
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const file = configPath ? readPipelineFile(configPath) : {};
  const brokersRaw = env.KAFKA_BROKERS ?? join(file.kafka?.bootstrap_servers);
  const databaseUrl = env.DATABASE_URL ?? postgresUrl(file.postgres);
  if (Boolean(brokersRaw) !== Boolean(databaseUrl)) {
    throw new ConfigError(
      brokersRaw
        ? 'Kafka is configured but Postgres is not: set DATABASE_URL (or postgres.host/database in pipeline.yaml); the offsets of truth live in Postgres'
        : 'Postgres is configured but Kafka is not: set KAFKA_BROKERS (or kafka.bootstrap_servers in pipeline.yaml), or unset both for the embedded default',
    );
  }
  const app = env.APP ?? file.app ?? 'actorstream';
  const prefix = env.TOPIC_PREFIX ?? file.kafka?.topic_prefix ?? '';
  if (file.kafka?.topics) {
    const expected = SOURCE_TOPICS.map((t) => prefix + t);
    const missing = expected.filter((t) => !file.kafka!.topics!.includes(t));
    if (missing.length) throw new ConfigError(`kafka.topics must list ${expected.join(', ')} (missing ${missing.join(', ')}); use kafka.topic_prefix to rename them all`);
  }
  const p = file.processing ?? {};
  const port = int(env.HTTP_PORT, 'HTTP_PORT') ?? file.http?.port ?? 8080;
  const h = file.http ?? {};
  const maxFutureMs = int(env.MAX_FUTURE_MS, 'MAX_FUTURE_MS') ?? file.limits?.max_future_ms;
  const instance: InstanceConfig = {
    mode: brokersRaw ? 'external' : 'embedded',
    processor: {
      brokers: (brokersRaw ?? '').split(',').filter(Boolean),
      ...kafkaClientOf(env.KAFKA_CLIENT ?? file.kafka?.client, env.GROUP_INSTANCE_ID ?? file.kafka?.group_instance_id),
      databaseUrl: databaseUrl ?? '',
      app,
      groupId: env.GROUP_ID ?? file.kafka?.consumer_group ?? `${app}-processor`,
      topics: topicNames(prefix),
      partitions: int(env.PARTITIONS, 'PARTITIONS', 1) ?? file.kafka?.partitions ?? 6,
      ...checkpointIntervals(env, p),
      ownerId: env.OWNER_ID ?? `${hostname()}-${process.pid}`,
      workers: int(env.WORKERS, 'WORKERS') ?? p.workers,
      maxUncommittedRecords: p.max_uncommitted_records,
      pipelineBatches: bool(env.PIPELINE_BATCHES, 'PIPELINE_BATCHES') ?? p.pipeline_batches,
      batchesInFlight: int(env.BATCHES_IN_FLIGHT, 'BATCHES_IN_FLIGHT', 1) ?? p.batches_in_flight,
      groupCommit: bool(env.GROUP_COMMIT, 'GROUP_COMMIT') ?? p.group_commit,
      localMessages: bool(env.LOCAL_MESSAGES, 'LOCAL_MESSAGES') ?? p.local_messages,
      eventTimeMerge: bool(env.EVENT_TIME_MERGE, 'EVENT_TIME_MERGE') ?? p.event_time_merge,
      eventTimeMaxWaitMs: int(env.EVENT_TIME_MAX_WAIT_MS, 'EVENT_TIME_MAX_WAIT_MS', 100) ?? p.event_time_max_wait_ms,
      eventTimeMaxHeldSources: int(env.EVENT_TIME_MAX_HELD_SOURCES, 'EVENT_TIME_MAX_HELD_SOURCES', 100) ?? p.event_time_max_held_sources,
      lazyRestoreAbove: int(env.LAZY_RESTORE_ABOVE, 'LAZY_RESTORE_ABOVE', 0) ?? p.lazy_restore_above,
      maxFutureMs,
      passivation: p.passivate_after_ms || p.max_entities_per_shard || p.max_passivated_keys_per_shard
        ? { idleMs: p.passivate_after_ms ?? 10 * 60_000, maxEntities: p.max_entities_per_shard ?? 500_000, ...(p.max_passivated_keys_per_shard ? { maxEvictedKeys: p.max_passivated_keys_per_shard } : {}) }
        : undefined,
      fetchMaxBytesPerPartition: p.batch_size ? p.batch_size * 1024 : undefined,
      ...groupTimings(env, file.kafka),
      actorsConfig: { analytics: bool(env.ANALYTICS, 'ANALYTICS') ?? file.analytics?.enabled ?? true, recommendations: bool(env.RECOMMENDATIONS, 'RECOMMENDATIONS') ?? true, ...actorRules(file.actors), ...actorModules(env.ACTOR_MODULES, file.actors?.modules, configPath) },
      processedEventsTable: tableName(env.PROCESSED_EVENTS_TABLE) ?? file.postgres?.table,
      historyActors: env.HISTORY_ACTORS !== undefined ? env.HISTORY_ACTORS.split(',').map((t) => t.trim()).filter(Boolean) : file.history?.actors,
    },
    historyRetentionHours: int(env.HISTORY_RETENTION_HOURS, 'HISTORY_RETENTION_HOURS', 1) ?? file.history?.retention_hours ?? 24,
    analyticsRetentionDays: int(env.ANALYTICS_RETENTION_DAYS, 'ANALYTICS_RETENTION_DAYS', 1) ?? file.analytics?.retention_days ?? 30,
    alertsRetentionDays: int(env.ALERTS_RETENTION_DAYS, 'ALERTS_RETENTION_DAYS') ?? file.alerts?.retention_days,
    http: {
      port,
      hostname: env.HTTP_HOST ?? h.host ?? DEFAULT_HOSTNAME,
      advertisedUrl: env.HTTP_ADVERTISED_URL ?? file.http?.advertised_url,
      tokens: env.API_TOKENS ? parseTokens(env.API_TOKENS) : (file.http?.tokens as ApiToken[] | undefined),
      corsOrigins: env.CORS_ORIGINS?.split(',') ?? file.http?.cors_origins,
      maxBodyBytes: file.http?.max_body_bytes,
      limits: {
        maxItemsPerRequest: h.max_items_per_request,
        bodyReadTimeoutMs: h.body_read_timeout_ms,
        idleTimeoutSeconds: h.idle_timeout_seconds,
        maxInFlight: h.max_in_flight,
        rateLimit: h.rate_limit ? { requestsPerSecond: h.rate_limit.requests_per_second, eventsPerSecond: h.rate_limit.events_per_second } : undefined,
        dedup: h.dedup ? { ...DEFAULT_HTTP_LIMITS.dedup, ...definedOnly({ maxEntries: h.dedup.max_entries, ttlMs: h.dedup.ttl_ms }) } : undefined,
        maxFutureMs,
      },
    },
    jaegerUrl: env.JAEGER_UI_URL ?? file.observability?.jaeger_ui_url ?? null,
    generatorRate: num(env.GENERATOR_RATE, 'GENERATOR_RATE') ?? file.embedded?.generator_rate ?? 500,
    embeddedDataDir: embeddedDataDir(env.EMBEDDED_DATA_DIR, file.embedded?.data_dir, configPath),
  };
  return {
    instance,
    tracing: {
      endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT ?? file.observability?.otlp_endpoint,
      sampleRatio: num(env.OTEL_TRACES_SAMPLER_ARG, 'OTEL_TRACES_SAMPLER_ARG') ?? file.observability?.trace_sample_ratio ?? 0.01,
    },
    source: configPath ?? '(no pipeline.yaml: defaults and environment)',
    allowInsecure: env.ALLOW_INSECURE === 'true',
  };
}

/**
 * Safe by default: an instance that listens beyond loopback must require API tokens, or anyone
 * who reaches the port (and, through a browser, any web page) can inject events and read state.
 * Throws a ConfigError (exit 2) naming both ways out, unless `allowInsecure` (run --insecure or
 * ALLOW_INSECURE=true) says the network itself is trusted; then it returns a warning to print.
 */
export function checkExposure(http: InstanceConfig['http'], allowInsecure: boolean): string | undefined {
  const host = http.hostname ?? DEFAULT_HOSTNAME;
  if (isLoopback(host) || (http.tokens?.length ?? 0) > 0) return undefined;
  const what = `the HTTP API listens on ${host} (not loopback) with no API tokens: anyone who reaches port ${http.port} can ingest events and read every entity`;
  if (allowInsecure) return `WARNING: ${what} (allowed by --insecure / ALLOW_INSECURE=true)`;
  throw new ConfigError(`${what}. Set API_TOKENS (or http.tokens), bind to 127.0.0.1 (HTTP_HOST / http.host), or, on a trusted network only, pass --insecure or set ALLOW_INSECURE=true`);
}

/** 127.0.0.0/8, ::1 and localhost: reachable only from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readPipelineFile(path: string): PipelineFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the pipeline config ${path}: ${(e as Error).message}; fix PIPELINE_CONFIG / --config`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (e) {
    throw new ConfigError(`${path} is not valid YAML: ${(e as Error).message}`);
  }
  const errors = [...Value.Errors(PipelineFile, doc)].slice(0, 5);
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const key = e.path.replace(/^\//, '').replaceAll('/', '.') || '(top level)';
      return e.message === 'Unexpected property' ? `  ${key}: unknown key` : `  ${key}: ${e.message}`;
    });
    throw new ConfigError(`${path} has errors:\n${lines.join('\n')}`);
  }
  return doc as PipelineFile;
}

function join(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

function postgresUrl(pg: PipelineFile['postgres']): string | undefined {
  if (!pg) return undefined;
  if (pg.url) return pg.url;
  if (!pg.host) return undefined;
  const auth = pg.user ? `${encodeURIComponent(pg.user)}${pg.password ? `:${encodeURIComponent(pg.password)}` : ''}@` : 'postgres@';
  return `postgres://${auth}${pg.host}:${pg.port ?? 5432}/${pg.database ?? 'postgres'}`;
}

/** The checkpoint schedule (engine/checkpoint-schedule.ts): a shortest interval above the longest is a mistake, not a clamp. */
function checkpointIntervals(env: Record<string, string | undefined>, p: { checkpoint_interval_ms?: number; checkpoint_min_interval_ms?: number }): { checkpointIntervalMs: number; checkpointMinIntervalMs?: number } {
  const intervalMs = int(env.CHECKPOINT_INTERVAL_MS, 'CHECKPOINT_INTERVAL_MS', 10) ?? p.checkpoint_interval_ms ?? 200;
  const minIntervalMs = int(env.CHECKPOINT_MIN_INTERVAL_MS, 'CHECKPOINT_MIN_INTERVAL_MS', 1) ?? p.checkpoint_min_interval_ms;
  if (minIntervalMs !== undefined && minIntervalMs > intervalMs) {
    throw new ConfigError(`CHECKPOINT_MIN_INTERVAL_MS (processing.checkpoint_min_interval_ms) ${minIntervalMs} is above CHECKPOINT_INTERVAL_MS (processing.checkpoint_interval_ms) ${intervalMs}: the shortest time between checkpoints cannot exceed the longest; set it equal for a fixed interval`);
  }
  return { checkpointIntervalMs: intervalMs, ...(minIntervalMs !== undefined ? { checkpointMinIntervalMs: minIntervalMs } : {}) };
}

function int(raw: string | undefined, name: string, min = 0): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new ConfigError(`${name} must be a whole number ≥ ${min}, got '${raw}'`);
  return Number(raw);
}

function tableName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!isIdentifier(raw)) throw new ConfigError(`PROCESSED_EVENTS_TABLE must be a lower-case identifier (letters, digits, _), got '${raw}'`);
  return raw;
}

function bool(raw: string | undefined, name: string): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, got '${raw}'`);
  return raw === 'true';
}

function num(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a non-negative number, got '${raw}'`);
  return n;
}

/** API_TOKENS: `name:token:scope+scope,…` (e.g. `ci:s3cr3t-s3cr3t-s3:ingest+read`). */
function parseTokens(raw: string): ApiToken[] {
  return raw.split(',').map((entry) => {
    const [name, token, scopes] = entry.split(':');
    const list = (scopes ?? '').split('+').filter(Boolean);
    if (!name || !token || token.length < 16 || list.length === 0 || list.some((s) => !['ingest', 'read', 'admin'].includes(s))) {
      throw new ConfigError(`API_TOKENS entry '${name ?? ''}:…' must be name:token:scope+scope with a token of ≥ 16 characters and scopes from ingest, read, admin`);
    }
    return { name, token, scopes: list as ApiToken['scopes'] };
  });
}

/** Which Kafka client runs the processor: kafkajs (the default) or @platformatic/kafka, and its static member id. */
function kafkaClientOf(raw: string | undefined, groupInstanceId: string | undefined): { kafkaClient: KafkaClientName; groupInstanceId?: string } {
  const kafkaClient = raw === undefined || raw === '' ? 'kafkajs' : raw;
  if (kafkaClient !== 'kafkajs' && kafkaClient !== 'platformatic') {
    throw new ConfigError(`KAFKA_CLIENT (kafka.client) must be kafkajs or platformatic, got '${raw}'`);
  }
  if (!groupInstanceId) return { kafkaClient };
  if (kafkaClient !== 'platformatic') {
    throw new ConfigError('GROUP_INSTANCE_ID (kafka.group_instance_id) is static membership, which kafkajs does not have: set KAFKA_CLIENT=platformatic (kafka.client: platformatic) or remove it');
  }
  return { kafkaClient, groupInstanceId };
}


/**
 * The consumer group's session timeout and heartbeat (env over kafka.* in the file), or neither (the
 * engine's defaults: 10 s, 1 s). A shorter session without a heartbeat gets a third of it, Kafka's
 * advice, so one lost heartbeat does not expel the member. Whether the broker accepts the session
 * is only known when joining (group.min/max.session.timeout.ms): the source reports that.
 */
function groupTimings(env: Record<string, string | undefined>, kafka: PipelineFile['kafka']): { sessionTimeoutMs?: number; heartbeatIntervalMs?: number } {
  const session = int(env.KAFKA_SESSION_TIMEOUT_MS, 'KAFKA_SESSION_TIMEOUT_MS', 1) ?? kafka?.session_timeout_ms;
  const heartbeat = int(env.KAFKA_HEARTBEAT_INTERVAL_MS, 'KAFKA_HEARTBEAT_INTERVAL_MS', 1) ?? kafka?.heartbeat_interval_ms;
  const sessionTimeoutMs = session ?? PROCESSOR_DEFAULTS.sessionTimeoutMs;
  const heartbeatIntervalMs = heartbeat ?? Math.max(1, Math.min(PROCESSOR_DEFAULTS.heartbeatIntervalMs, Math.floor(sessionTimeoutMs / 3)));
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new ConfigError(
      `the heartbeat interval (KAFKA_HEARTBEAT_INTERVAL_MS / kafka.heartbeat_interval_ms, ${heartbeatIntervalMs} ms) must be below the session timeout ` +
        `(KAFKA_SESSION_TIMEOUT_MS / kafka.session_timeout_ms, ${sessionTimeoutMs} ms), best a third of it`,
    );
  }
  if (session === undefined && heartbeat === undefined) return {};
  return { sessionTimeoutMs, heartbeatIntervalMs };
}

/**
 * EMBEDDED_DATA_DIR (relative to the working directory) or `embedded.data_dir` (relative to the
 * file); `memory` (embedded-database.ts IN_MEMORY, not imported: it would load PGlite) as is.
 */
function embeddedDataDir(envDir: string | undefined, fileDir: string | undefined, configPath: string | undefined): string | undefined {
  if (envDir) return envDir === 'memory' ? envDir : resolve(envDir);
  if (!fileDir) return undefined;
  return fileDir === 'memory' ? fileDir : resolve(configPath ? dirname(resolve(configPath)) : process.cwd(), fileDir);
}

/**
 * Actor module files as absolute paths (shard workers import them by path): ACTOR_MODULES
 * (comma-separated, relative to the working directory) or `actors.modules` (relative to the file).
 */
function actorModules(envList: string | undefined, fileList: readonly string[] | undefined, configPath: string | undefined): { modules?: string[] } {
  if (envList) return { modules: envList.split(',').map((p) => p.trim()).filter(Boolean).map((p) => resolve(p)) };
  if (!fileList?.length) return {};
  const base = configPath ? dirname(resolve(configPath)) : process.cwd();
  return { modules: fileList.map((p) => resolve(base, p)) };
}
