/**
 * What tracing costs end to end: the same load through one instance (HTTP ingest in batches of
 * 500 → Kafka → processor → checkpoint) with tracing off, at the default ratio (0.01) and at 1.0,
 * exporting OTLP/HTTP to a local receiver that accepts and drops spans.
 *   bun bench/tracing-overhead.ts [events=200000] [runs=2]
 * Reports events/s from the first POST until the processor has consumed every source event (median of runs).
 * Uses KAFKA_BROKERS or starts Kafka like the tests; DATABASE_URL's server for fresh databases.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateEvents } from '../generator/index.ts';
import { startInstance } from '../instance/start-instance.ts';
import { startTracing } from '../observability/tracing.ts';
import { freePort } from '../tests/support/instance-process.ts';
import { createPipelineEnv } from '../tests/support/pipeline-env.ts';

const count = Number(process.argv[2] ?? 200_000);
const runs = Number(process.argv[3] ?? 2);
let spans = 0;
// An OTLP/HTTP (JSON) sink that counts and drops spans (node:http, so Bun and Deno both run this).
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const parsed = JSON.parse(body || '{"resourceSpans":[]}') as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverPort = (receiver.address() as AddressInfo).port;
const { events } = generateEvents({ seed: 9, count, users: 20_000, skus: 1000 });
const bodies = Array.from({ length: Math.ceil(count / 500) }, (_, i) => JSON.stringify(events.slice(i * 500, (i + 1) * 500)));

const results: Record<string, number[]> = {};
// One tracer provider per process: the traced runs go last, the highest ratio at the very end.
for (const ratio of [undefined, 0.01, 1]) {
  const label = ratio === undefined ? 'off' : `ratio ${ratio}`;
  const tracing = await startTracing({ serviceName: 'bench', endpoint: ratio === undefined ? undefined : `http://127.0.0.1:${receiverPort}`, sampleRatio: ratio });
  for (let r = 0; r < runs; r++) {
    const env = await createPipelineEnv(6);
    const sources = new Set(Object.values(env.topics.source));
    let consumed = 0;
    const instance = await startInstance(
      {
        mode: 'external',
        processor: { brokers: env.brokers, databaseUrl: env.db.url, app: env.app, groupId: `${env.app}-g`, topics: env.topics, partitions: 6, checkpointIntervalMs: 200, ownerId: `bench-${r}` },
        http: { port: await freePort() },
        tracing,
        observer: { batchApplied: (e) => void (sources.has(e.topic) && (consumed += e.consumed)) },
      },
      () => {},
    );
    const spansBefore = spans;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < bodies.length) {
        const res = await fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[next++]! });
        if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
      }
    }));
    while (consumed < count) await new Promise((res) => setTimeout(res, 20));
    const eps = count / ((performance.now() - t0) / 1000);
    (results[label] ??= []).push(eps);
    await instance.stop();
    await env.close();
    console.log(`${label} run ${r + 1}: ${Math.round(eps)} events/s (${spans - spansBefore} spans exported so far)`);
  }
  await tracing.stop();
}
receiver.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const off = median(results.off!);
for (const [label, xs] of Object.entries(results)) {
  const eps = median(xs);
  console.log(`${label.padEnd(10)} ${Math.round(eps)} events/s median of ${xs.length}  (${(((off - eps) / off) * 100).toFixed(1)}% below off)`);
}
