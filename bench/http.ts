/**
 * The HTTP API under load, against two real instances (processes) on Kafka + Postgres:
 *   bun bench/http.ts [batches=200] [concurrency=4] [queries=2000]
 * 1. ingest: `batches` POSTs of 500 generated events each (`concurrency` in flight), events/s
 *    accepted (each 202 means Kafka acknowledged with acks=all);
 * 2. queries at instance A: latency p50/p99 (HdrHistogram) for keys A owns (answered from its
 *    worker) and keys B owns (proxied to B), sequentially, after the ingest has settled.
 * Uses KAFKA_BROKERS or starts Kafka like the tests; DATABASE_URL's server for a fresh database.
 */
import * as hdr from 'hdr-histogram-js';
import { generateEvents } from '../generator/index.ts';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { eventually, spawnInstance } from '../tests/support/instance-process.ts';
import { createPipelineEnv } from '../tests/support/pipeline-env.ts';

const batches = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 4);
const queries = Number(process.argv[4] ?? 2000);
const PARTITIONS = 6;
const env = await createPipelineEnv(PARTITIONS);
const a = await spawnInstance(env.processorEnv('bench-a'));
const b = await spawnInstance(env.processorEnv('bench-b'));
try {
  await eventually(async () => ((await env.sql`select distinct owner_id from shard_owners`).length === 2 ? true : undefined), 60_000, 'two owners');
  await eventually(async () => ((await fetch(`${a.url}/readyz`)).status === 200 && (await fetch(`${b.url}/readyz`)).status === 200 ? true : undefined), 60_000, 'ready');
  const { events } = generateEvents({ seed: 3, count: batches * 500, users: 20_000, skus: 1000 });
  const bodies = Array.from({ length: batches }, (_, i) => JSON.stringify(events.slice(i * 500, (i + 1) * 500)));
  let next = 0;
  let accepted = 0;
  const ingestLatency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const s = performance.now();
        const res = await fetch(`${a.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        ingestLatency.recordValue(Math.round((performance.now() - s) * 1000));
        const r = (await res.json()) as { accepted: number };
        if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(r)}`);
        accepted += r.accepted;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(`ingest: ${accepted} events in ${batches} requests of 500 (${concurrency} in flight) in ${seconds.toFixed(2)} s = ${Math.round(accepted / seconds)} events/s; request p50 ${(ingestLatency.getValueAtPercentile(50) / 1000).toFixed(1)} ms, p99 ${(ingestLatency.getValueAtPercentile(99) / 1000).toFixed(1)} ms`);

  // Keys per owner: users of the generated stream, placed with the same partitioner as Kafka.
  const owners = new Map((await env.sql`select shard, owner_id from shard_owners`).map((r) => [r.shard as string, r.owner_id as string]));
  const users = [...new Set(events.filter((e) => e.type === 'login_succeeded').map((e) => (e.data as { userId: string }).userId))];
  const ofOwner = (owner: string) => users.filter((u) => owners.get(`user/${partitionOf(u, PARTITIONS)}`) === owner);
  await eventually(async () => ((await fetch(`${a.url}/v1/users/${ofOwner('bench-b')[0]}`)).status === 200 ? true : undefined), 120_000, 'the users to be processed');
  for (const [label, keys] of [['local (A owns the key)', ofOwner('bench-a')], ['proxied (B owns the key)', ofOwner('bench-b')]] as const) {
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    let stale = 0;
    for (let i = 0; i < queries; i++) {
      const s = performance.now();
      const res = await fetch(`${a.url}/v1/users/${keys[i % keys.length]}`);
      const body = (await res.json()) as { stale?: boolean };
      h.recordValue(Math.round((performance.now() - s) * 1000));
      if (body.stale) stale++;
    }
    console.log(`query ${label}: ${queries} requests, p50 ${(h.getValueAtPercentile(50) / 1000).toFixed(2)} ms, p99 ${(h.getValueAtPercentile(99) / 1000).toFixed(2)} ms, stale answers ${stale}`);
  }
} finally {
  a.kill('SIGTERM');
  b.kill('SIGTERM');
  await Promise.all([a.exited(), b.exited()]);
  await env.close();
}
