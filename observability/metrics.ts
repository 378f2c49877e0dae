import { parseShardId, type ProcessorObserver } from '../engine/index.ts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus metrics of an instance (prom-client: the de-facto Node/Bun Prometheus client; it
 * renders the text format itself, so /metrics is one Hono route instead of the OTel Prometheus
 * exporter's separate HTTP server, and its counters are plain increments on the hot path).
 * Names are the contract of ops/ (Grafana dashboard, alert rules): see ops/exported-metrics.ts.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Feeds the metrics from a processor: pass it as `ProcessorOptions.observer` (or compose it). */
  readonly observer: ProcessorObserver;
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  ingested(accepted: number, rejected: number): void;
  /** An operator's action over the admin routes: a quarantine release or dead-letter redrive, by outcome. */
  adminAction(action: AdminAction, outcome: string, count?: number): void;
  /** Values read at scrape time (entities in memory, owned shards, outbox depth). */
  setSources(sources: ScrapeSources): void;
  render(): Promise<string>;
}

export type AdminAction = 'quarantine_release' | 'dead_letter_redrive';

export interface ScrapeSources {
  entitiesInMemory?: () => Record<string, number>;
  ownedShards?: () => number;
  outboxPending?: () => Promise<number>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let sources: ScrapeSources = {};
  const r = [registry];

  const consumed = new Counter({ name: 'actorstream_events_consumed_total', help: 'Records handed to shards, per input topic', labelNames: ['topic'], registers: r });
  const applied = new Counter({ name: 'actorstream_events_applied_total', help: 'Inputs applied by actors (events, messages, timers)', labelNames: ['actor'], registers: r });
  const deadLetters = new Counter({ name: 'actorstream_dead_letters_total', help: 'Records sent to <topic>.dlq, by source topic and error code', labelNames: ['topic', 'code'], registers: r });
  const quarantines = new Counter({ name: 'actorstream_quarantines_total', help: 'Entities quarantined because their handler threw', labelNames: ['actor'], registers: r });
  const duplicates = new Counter({ name: 'actorstream_duplicates_dropped_total', help: 'Inbox redeliveries dropped exactly', labelNames: ['actor'], registers: r });
  const outOfOrder = new Counter({
    name: 'actorstream_inputs_out_of_event_time_order_total', labelNames: ['actor'], registers: r,
    help: 'Inputs given to an entity after one with a later event time: where this run may decide differently from a replay in event-time order',
  });
  const mergeTimeouts = new Counter({
    name: 'actorstream_merge_waits_timed_out_total', labelNames: ['actor'], registers: r,
    help: 'Origins a shard merging in event time stopped waiting for after event_time_max_wait_ms of silence: inputs it then applied may differ from a replay',
  });
  const awaitTimeouts = new Counter({
    name: 'actorstream_awaits_timed_out_total', labelNames: ['actor'], registers: r,
    help: 'Entities that waited too long for answers to their messages and had their held events and timers applied anyway',
  });
  const relayed = new Counter({ name: 'actorstream_outbox_relayed_total', help: 'Outbox records published to Kafka after commit', registers: r });
  const inMemory = new Counter({ name: 'actorstream_messages_in_memory_total', help: 'Actor messages handed over in memory to a shard of this process instead of published (processing.local_messages)', registers: r });
  const alerts = new Counter({ name: 'actorstream_alerts_total', help: 'Alerts committed, by type', labelNames: ['type'], registers: r });
  const checkpoints = new Counter({ name: 'actorstream_checkpoints_total', help: 'Checkpoint commits by result', labelNames: ['result'], registers: r });
  const checkpointRows = new Counter({ name: 'actorstream_checkpoint_rows_total', help: 'Rows written by checkpoints, by kind', labelNames: ['kind'], registers: r });
  const ingest = new Counter({ name: 'actorstream_ingest_events_total', help: 'Events received over HTTP, by result', labelNames: ['result'], registers: r });
  const adminActions = new Counter({ name: 'actorstream_admin_actions_total', help: 'Quarantine releases and dead-letter redrives asked over the admin API, by outcome', labelNames: ['action', 'outcome'], registers: r });
  const httpRequests = new Counter({ name: 'actorstream_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: r });

  const applySeconds = new Histogram({ name: 'actorstream_batch_apply_seconds', help: 'Time to apply one fetched batch (worker round trip included)', labelNames: ['actor'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: r });
  const toState = new Histogram({ name: 'actorstream_event_to_state_seconds', help: 'Kafka append time to the state reflecting the event', buckets: LATENCY_BUCKETS, registers: r });
  const toDurable = new Histogram({ name: 'actorstream_event_to_durable_seconds', help: 'Kafka append time to the checkpoint commit holding the event', buckets: LATENCY_BUCKETS, registers: r });
  const checkpointSeconds = new Histogram({ name: 'actorstream_checkpoint_duration_seconds', help: 'Duration of one shard checkpoint transaction', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: r });
  const httpSeconds = new Histogram({ name: 'actorstream_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: r });

  const lag = new Gauge({ name: 'actorstream_consumer_lag', help: 'Records between this member position and the log end, per partition', labelNames: ['topic', 'partition'], registers: r });
  new Gauge({
    name: 'actorstream_actors_in_memory', help: 'Entities held in memory, per actor type', labelNames: ['actor'], registers: r,
    collect() {
      this.reset();
      for (const [actor, n] of Object.entries(sources.entitiesInMemory?.() ?? {})) this.set({ actor }, n);
    },
  });
  new Gauge({
    name: 'actorstream_owned_shards', help: 'Shards this instance owns', registers: r,
    collect() {
      this.set(sources.ownedShards?.() ?? 0);
    },
  });
  new Gauge({
    name: 'actorstream_outbox_pending', help: 'Committed outbox rows not yet relayed, or handed over in memory and not yet committed by their receiver (all shards)', registers: r,
    async collect() {
      this.set(sources.outboxPending ? await sources.outboxPending().catch(() => 0) : 0);
    },
  });

  new Gauge({
    name: 'actorstream_process_memory_bytes',
    help: 'Memory of this process by kind (process.memoryUsage: rss, heap_used, heap_total, external, array_buffers)',
    labelNames: ['kind'], registers: r,
    collect() {
      const m = process.memoryUsage();
      for (const [kind, bytes] of memoryKinds(m)) this.set({ kind }, bytes);
    },
  });

  const observer: ProcessorObserver = {
    batchApplied(e) {
      consumed.inc({ topic: e.topic }, e.consumed);
      if (e.applied > 0) applied.inc({ actor: e.actorType }, e.applied);
      if (e.duplicatesDropped > 0) duplicates.inc({ actor: e.actorType }, e.duplicatesDropped);
      if (e.outOfEventTimeOrder > 0) outOfOrder.inc({ actor: e.actorType }, e.outOfEventTimeOrder);
      if (e.mergeWaitsTimedOut > 0) mergeTimeouts.inc({ actor: e.actorType }, e.mergeWaitsTimedOut);
      if (e.awaitsTimedOut > 0) awaitTimeouts.inc({ actor: e.actorType }, e.awaitsTimedOut);
      applySeconds.observe({ actor: e.actorType }, e.applyMs / 1000);
      for (const t of e.appendTimesMs) toState.observe(Math.max(0, e.atMs - t) / 1000);
    },
    checkpointed(e) {
      checkpoints.inc({ result: 'ok' });
      checkpointSeconds.observe(e.durationMs / 1000);
      for (const [kind, n] of Object.entries(e.rows)) if (n > 0) checkpointRows.inc({ kind }, n);
      for (const t of e.appendTimesMs) toDurable.observe(Math.max(0, e.atMs - t) / 1000);
      const actor = parseShardId(e.shard)?.actorType ?? e.shard;
      for (const d of e.deadLetters) {
        deadLetters.inc({ topic: d.topic, code: d.code }, d.count);
        if (d.code === 'HANDLER_ERROR') quarantines.inc({ actor }, d.count);
      }
    },
    checkpointFailed(e) {
      checkpoints.inc({ result: e.fenced ? 'fenced' : 'error' });
    },
    alertsCommitted(list) {
      for (const a of list) alerts.inc({ type: a.type });
    },
    relayed(e) {
      relayed.inc(e.records);
    },
    handedOver(e) {
      inMemory.inc(e.records);
    },
    lag(e) {
      lag.set({ topic: e.topic, partition: String(e.partition) }, e.lag);
    },
    released(e) {
      // Another member reports these partitions now: a stale series here would feed lag alerts.
      for (const p of e.partitions) lag.remove({ topic: p.topic, partition: String(p.partition) });
    },
  };

  return {
    registry,
    observer,
    httpRequest(method, route, status, seconds) {
      httpRequests.inc({ method, route, status: String(status) });
      httpSeconds.observe({ method, route }, seconds);
    },
    ingested(accepted, rejected) {
      if (accepted > 0) ingest.inc({ result: 'accepted' }, accepted);
      if (rejected > 0) ingest.inc({ result: 'rejected' }, rejected);
    },
    adminAction(action, outcome, count = 1) {
      if (count > 0) adminActions.inc({ action, outcome }, count);
    },
    setSources(s) {
      sources = s;
    },
    render: () => registry.metrics(),
  };
}

/**
 * process.memoryUsage() as gauge labels. prom-client's nodejs_heap_* read V8's heap statistics,
 * which Bun fills with placeholders (used = total, external ≈ 2 KB), so a leak hunt needs these:
 * heap_used (JSC counts typed-array and WASM-side buffers it owns here too) vs external vs rss.
 */
function memoryKinds(m: NodeJS.MemoryUsage): [kind: string, bytes: number][] {
  return [['rss', m.rss], ['heap_used', m.heapUsed], ['heap_total', m.heapTotal], ['external', m.external], ['array_buffers', m.arrayBuffers]];
}
