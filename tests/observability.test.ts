import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { buildActors } from '../actors/registry.ts';
import { startInstance, type Instance } from '../instance/start-instance.ts';
import { startTracing, type Tracing } from '../observability/tracing.ts';
import { EXPORTED_METRICS } from '../ops/exported-metrics.ts';
import { metricNamesReferenced } from '../ops/metric-references.ts';
import { freePort, eventually } from './support/instance-process.ts';

/**
 * Observability of a running instance (embedded default: the same runtime code on the in-process
 * log and PGlite): traces reach an OTLP/HTTP receiver and link ingest → processing → checkpoint;
 * /metrics parses as Prometheus text and moves; the ops files query only what /metrics exports.
 */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

describe('observability', () => {
  const spans: OtlpSpan[] = [];
  let receiver: ReturnType<typeof Bun.serve>;
  let tracing: Tracing;
  let instance: Instance;

  beforeAll(async () => {
    // An OTLP/HTTP (JSON) receiver, as Jaeger's collector would be.
    receiver = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch(req) {
        if (new URL(req.url).pathname !== '/v1/traces') return new Response('not found', { status: 404 });
        const body = (await req.json()) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        return Response.json({});
      },
    });
    tracing = await startTracing({ serviceName: 'actorstream-test', endpoint: `http://127.0.0.1:${receiver.port}`, sampleRatio: 1 });
    instance = await startInstance(
      {
        mode: 'embedded',
        processor: { brokers: [], databaseUrl: '', app: 'obs', groupId: 'obs-processor', partitions: 2, checkpointIntervalMs: 100, ownerId: 'obs-1', workers: 1 },
        http: { port: await freePort() },
        generatorRate: 300,
        tracing,
      },
      () => {},
    );
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
    await tracing?.stop();
    receiver?.stop(true);
  });

  test('one trace links ingest → processing → checkpoint for an event, with topic, partition, offset, actor type and key', async () => {
    const res = await fetch(`${instance.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'traced-1', type: 'stock_received', v: 1, ts: Date.now(), data: { sku: 'sku-traced', qty: 3 } }),
    });
    expect(res.status).toBe(202);
    const attr = (s: OtlpSpan, k: string) => {
      const v = s.attributes.find((a) => a.key === k)?.value;
      return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
    };
    const trace = await eventually(async () => {
      const ingest = spans.find((s) => s.name === 'ingest');
      if (!ingest) return undefined;
      const same = spans.filter((s) => s.traceId === ingest.traceId);
      const process = same.find((s) => s.name.startsWith('process ') && attr(s, 'actor.key') === 'sku-traced');
      const checkpoint = same.find((s) => s.name.startsWith('checkpoint ') && attr(s, 'actor.key') === 'sku-traced');
      return process && checkpoint ? { ingest, process, checkpoint } : undefined;
    }, 20_000, 'the ingest, process and checkpoint spans of one trace');
    expect(trace.process.parentSpanId).toBe(trace.ingest.spanId);
    expect(trace.checkpoint.parentSpanId).toBe(trace.ingest.spanId);
    expect(trace.process.name).toBe('process inventory_events');
    expect({
      topic: attr(trace.process, 'messaging.destination.name'),
      actor: attr(trace.process, 'actor.type'),
      key: attr(trace.process, 'actor.key'),
      partition: typeof attr(trace.process, 'messaging.kafka.partition'),
      offset: typeof attr(trace.process, 'messaging.kafka.offset'),
    }).toEqual({ topic: 'inventory_events', actor: 'sku', key: 'sku-traced', partition: 'number', offset: 'number' });
    expect(trace.checkpoint.name).toMatch(/^checkpoint sku\/\d$/);
  }, 30_000);

  test('an alert carries the trace id of the event that raised it', async () => {
    const ts = Date.now();
    const res = await fetch(`${instance.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { id: 'tr-a1', type: 'stock_received', v: 1, ts, data: { sku: 'sku-trace-alert', qty: 10 } },
        { id: 'tr-a2', type: 'reorder_point_set', v: 1, ts: ts + 1, data: { sku: 'sku-trace-alert', reorderPoint: 5 } },
        { id: 'tr-a3', type: 'stock_adjusted', v: 1, ts: ts + 2, data: { sku: 'sku-trace-alert', delta: -9, reason: 'count' } },
      ]),
    });
    expect(res.status).toBe(202);
    const alert = await eventually(async () => {
      const r = (await (await fetch(`${instance.url}/v1/alerts?entity=sku:sku-trace-alert`)).json()) as { alerts: { details: { traceId?: string } }[] };
      return r.alerts[0];
    }, 20_000, 'the low_stock alert');
    const ingestTraces = new Set(spans.filter((s) => s.name === 'ingest').map((s) => s.traceId));
    expect(alert.details.traceId).toMatch(/^[0-9a-f]{32}$/);
    await eventually(async () => (spans.some((s) => s.traceId === alert.details.traceId && s.name === 'ingest') ? true : undefined), 10_000, 'its ingest span');
    expect(ingestTraces.size).toBeGreaterThan(0);
  }, 30_000);

  test('/metrics parses as Prometheus text and its values move as events flow', async () => {
    const scrape = async () => {
      const text = await (await fetch(`${instance.url}/metrics`)).text();
      const families = parsePrometheusTextFormat(text) as { name: string; metrics: { value?: string; labels?: Record<string, string> }[] }[];
      return new Map(families.map((f) => [f.name, f]));
    };
    const total = (m: Map<string, { metrics: { value?: string }[] }>, name: string) => (m.get(name)?.metrics ?? []).reduce((s, x) => s + Number(x.value ?? 0), 0);
    const first = await scrape();
    const second = await eventually(async () => {
      const m = await scrape();
      return total(m, 'actorstream_events_applied_total') > total(first, 'actorstream_events_applied_total') ? m : undefined;
    }, 20_000, 'applied events to rise');
    expect(total(second, 'actorstream_events_consumed_total')).toBeGreaterThan(0);
    expect(total(second, 'actorstream_checkpoints_total')).toBeGreaterThan(0);
    expect(second.get('actorstream_event_to_durable_seconds')).toBeDefined();
    expect(total(second, 'actorstream_owned_shards')).toBe(buildActors().length * 2); // every actor type × 2 partitions, one instance
  }, 30_000);

  test('the Grafana dashboard and the alert rules query only metrics the live /metrics exports', async () => {
    const text = await (await fetch(`${instance.url}/metrics`)).text();
    const live = new Set((parsePrometheusTextFormat(text) as { name: string }[]).map((f) => f.name));
    live.add('up'); // Prometheus' own series per target
    const referenced = metricNamesReferenced(
      JSON.parse(readFileSync('ops/grafana/dashboards/actorstream.json', 'utf8')),
      readFileSync('ops/prometheus/alert-rules.yml', 'utf8'),
    );
    expect([...referenced].filter((n) => !live.has(n)).sort()).toEqual([]);
    // The static list the ops tests use is exactly what the exporter serves.
    expect(EXPORTED_METRICS.filter((n) => !live.has(n))).toEqual([]);
  }, 20_000);
});
