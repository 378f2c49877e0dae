import { context, propagation, trace, SpanKind, type Context, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import type { ProcessorObserver, TracedRecord } from '../engine/index.ts';

/**
 * Traces from ingest to checkpoint, exported with OTLP over HTTP (Jaeger accepts it):
 * - `ingest` (HTTP POST /v1/events) — sampled at `sampleRatio`, parent-based (a caller's sampled
 *   traceparent is followed); its context goes into every produced record's `traceparent` header;
 * - `process <topic>` — a child of the record's context, per traced record, when its batch was
 *   applied (topic, partition, offset, actor type, key);
 * - `checkpoint <shard>` — a child of the record's context, when the checkpoint holding it committed.
 * Actor → actor messages and alerts inherit the traceparent of the input that caused them (the
 * shard copies it), so an order's reserve appears in its SKU's trace and an alert's
 * `details.traceId` links to its trace. Untraced records cost one header lookup per record.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** For ProcessorOptions.observer: the process and checkpoint spans. */
  readonly observer: ProcessorObserver | undefined;
  /** Runs `fn` in an ingest span; `headers` carry its context into produced records (none when not sampled). */
  ingest<T>(attributes: Record<string, string | number>, fn: (headers: Record<string, string> | undefined, span: Span | undefined) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint base, e.g. http://jaeger:4318 (traces go to /v1/traces). Absent: tracing off. */
  endpoint?: string;
  /** Fraction of new traces kept (parent-based). Default 0.01. */
  sampleRatio?: number;
}

export async function startTracing(opts: TracingOptions): Promise<Tracing> {
  if (!opts.endpoint) return disabled();
  const exporter = new OTLPTraceExporter({ url: `${opts.endpoint.replace(/\/$/, '')}/v1/traces` });
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(opts.sampleRatio ?? 0.01) }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 500 })],
    instrumentations: [],
    textMapPropagator: new W3CTraceContextPropagator(),
    autoDetectResources: false,
  });
  sdk.start();
  const tracer = trace.getTracer('actorstream');

  const childOf = (traceparent: string): Context => propagation.extract(context.active(), { traceparent });
  const recordAttributes = (r: TracedRecord) => ({
    'messaging.system': 'kafka',
    'messaging.destination.name': r.topic,
    'messaging.kafka.partition': r.partition,
    'messaging.kafka.offset': r.offset,
    'actor.type': r.actorType,
    'actor.key': r.key ?? '',
  });

  const observer: ProcessorObserver = {
    batchApplied(e) {
      for (const r of e.traced) {
        const span = tracer.startSpan(`process ${r.topic}`, { kind: SpanKind.CONSUMER, startTime: e.atMs - e.applyMs, attributes: recordAttributes(r) }, childOf(r.traceparent));
        span.end(e.atMs);
      }
    },
    checkpointed(e) {
      for (const r of e.traced) {
        const span = tracer.startSpan(`checkpoint ${e.shard}`, {
          kind: SpanKind.INTERNAL,
          startTime: e.atMs - e.durationMs,
          attributes: { ...recordAttributes(r), 'checkpoint.shard': e.shard, 'checkpoint.states': e.rows.states, 'checkpoint.outbox': e.rows.outbox },
        }, childOf(r.traceparent));
        span.end(e.atMs);
      }
    },
  };

  return {
    enabled: true,
    observer,
    async ingest(attributes, fn) {
      return tracer.startActiveSpan('ingest', { kind: SpanKind.SERVER, attributes }, async (span) => {
        try {
          if (!span.isRecording()) return await fn(undefined, undefined);
          const carrier: Record<string, string> = {};
          propagation.inject(context.active(), carrier);
          return await fn(carrier.traceparent ? { traceparent: carrier.traceparent } : undefined, span);
        } finally {
          span.end();
        }
      });
    },
    async stop() {
      await sdk.shutdown();
      // Unregister the globals so a later startTracing in this process (tests, benches) can register again.
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

function disabled(): Tracing {
  return {
    enabled: false,
    observer: undefined,
    ingest: (_attributes, fn) => fn(undefined, undefined),
    stop: async () => {},
  };
}
