/**
 * How a contender process talks to the harness (bench/run.ts). It reads its configuration from the
 * BENCH_CONFIG environment variable (JSON), writes one JSON object per line on stdout — `ready`
 * once it can consume, `done` once it has consumed (and, where it keeps state, made durable)
 * `expect` source records — and stays up until SIGTERM, so the harness reads its CPU time and
 * memory at `done` while it is still alive. Logs go to stderr, never stdout.
 */
import * as hdr from 'hdr-histogram-js';

export interface ContenderConfig {
  brokers: string[];
  /** Source topic names (prefixed per run). */
  topics: { user_events: string; transaction_events: string; inventory_events: string };
  /** Topic prefix of this run (the actorstream contender derives its topic names from it). */
  prefix: string;
  /** Source records to consume before reporting `done`. */
  expect: number;
  partitions: number;
  groupId: string;
  /** A fresh database of this run (contenders that keep state). */
  databaseUrl?: string;
  /** actorstream: app name (inbox topic names), owner id, checkpoint interval, shard workers. */
  app?: string;
  ownerId?: string;
  checkpointIntervalMs?: number;
  /** actorstream: the shortest between checkpoint passes (ProcessorOptions.checkpointMinIntervalMs); the interval itself gives the fixed timer. */
  checkpointMinIntervalMs?: number;
  workers?: number;
  /** actorstream: 'consume' (default) or 'recover' (report once every shard is restored, then idle). */
  mode?: 'consume' | 'recover';
  /** actorstream: read models and per-minute aggregates (default on; off for the side-by-side cost). */
  analytics?: boolean;
  /** The recommendations actors (sku_affinity and the order/user facts they need); default on. */
  recommendations?: boolean;
  /** actorstream: the Kafka client (default kafkajs). */
  client?: 'kafkajs' | 'platformatic';
  /** actorstream: apply a partition's batch while the next is fetched (processing.pipeline_batches). */
  pipelineBatches?: boolean;
  /** actorstream: fetched batches handed to the shards at once (ProcessorOptions.batchesInFlight). */
  batchesInFlight?: number;
  /** actorstream: commit the dirty shards of a pass in group transactions (ProcessorOptions.groupCommit). */
  groupCommit?: boolean;
  /** actorstream: messages between shards of the process skip Kafka (ProcessorOptions.localMessages). */
  localMessages?: boolean;
  /** actorstream: user and sku_affinity inputs merged in event time (ProcessorOptions.eventTimeMerge). */
  eventTimeMerge?: boolean;
  /** actorstream: held source events before a merging shard's source pauses (ProcessorOptions.eventTimeMaxHeldSources). */
  eventTimeMaxHeldSources?: number;
  timeoutMs: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface DoneMessage {
  event: 'done';
  /** Source records counted. */
  records: number;
  /** Wall-clock ms: process start, first record handled, everything handled, everything durable. */
  startedAtMs: number;
  firstAtMs: number;
  processedAtMs: number;
  durableAtMs: number;
  latency: { state?: LatencySummary; durable?: LatencySummary };
  extra?: Record<string, unknown>;
}

export function readConfig(): ContenderConfig {
  const raw = process.env.BENCH_CONFIG;
  if (!raw) throw new Error('BENCH_CONFIG is not set: contenders are started by bench/run.ts');
  return JSON.parse(raw) as ContenderConfig;
}

export function sourceTopicList(cfg: ContenderConfig): string[] {
  return [cfg.topics.user_events, cfg.topics.transaction_events, cfg.topics.inventory_events];
}

/** One protocol line on stdout. */
export function emit(message: { event: string } & Record<string, unknown>): void {
  console.log(JSON.stringify(message));
}

/** Resolves on SIGTERM or SIGINT. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve());
  });
}

/** Fails the process with an `error` line when `ms` pass before `done`. */
export function deadline(ms: number, what: () => string): { clear(): void } {
  const timer = setTimeout(() => {
    emit({ event: 'error', message: `timed out after ${ms} ms: ${what()}` });
    process.exit(1);
  }, ms);
  return { clear: () => clearTimeout(timer) };
}

/** A latency histogram in ms (1 ms … 1 h, 3 significant digits). */
export interface LatencyRecorder {
  record(ms: number): void;
  summary(): LatencySummary | undefined;
}

export function latencyRecorder(): LatencyRecorder {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3, autoResize: false });
  return {
    record(ms) {
      h.recordValue(Math.min(3_600_000, Math.max(0, Math.round(ms))));
    },
    summary() {
      if (h.totalCount === 0) return undefined;
      return {
        count: h.totalCount,
        p50: h.getValueAtPercentile(50),
        p99: h.getValueAtPercentile(99),
        p999: h.getValueAtPercentile(99.9),
        max: h.maxValue,
        mean: Math.round(h.mean * 100) / 100,
      };
    },
  };
}

/** Wall-clock ms when this process started. */
export function processStartMs(): number {
  return Math.round(performance.timeOrigin);
}
