/**
 * The runtime against a real broker and Postgres (smoke-sized by default):
 *   bun bench/runtime.ts [events=100000] [partitions=3]
 * 1. throughput: N generated events pre-loaded, one processor process started, time until every
 *    input offset (sources and inboxes) is committed to Postgres and the outbox is empty;
 * 2. recovery: SIGKILL, start a new processor, time until it has restored every shard;
 * 3. checkpoint rows/s: one fenced commit of 50,000 actor states.
 * Uses KAFKA_BROKERS or starts Kafka like the tests; DATABASE_URL's server for a fresh database.
 */
import { buildActors } from '../actors/registry.ts';
import { generateEvents } from '../generator/index.ts';
import { createCheckpointStore } from '../store/checkpoint-store.ts';
import { closingEvents } from '../tests/support/oracle.ts';
import { createPipelineEnv, waitUntilSettled } from '../tests/support/pipeline-env.ts';
import { spawnProcessor } from '../tests/support/processor-process.ts';

const count = Number(process.argv[2] ?? 100_000);
const partitions = Number(process.argv[3] ?? 3);
const env = await createPipelineEnv(partitions);
try {
  const { events } = generateEvents({ seed: 5, count, users: Math.max(2000, count / 20), skus: 1000 });
  const all = [...events, ...closingEvents(events, partitions)];
  await env.produce(all);
  const t0 = performance.now();
  const first = await spawnProcessor(env.processorEnv('bench-a'));
  await waitUntilSettled(env, 1_800_000);
  const seconds = (performance.now() - t0) / 1000;
  const [rows] = await env.sql`select count(*)::int as states, (select count(*)::int from alerts) as alerts from actor_states`;
  console.log(`throughput: ${all.length} events in ${seconds.toFixed(1)} s = ${Math.round(all.length / seconds)} events/s (incl. process start and 0.5 s settle polling; ${rows!.states} entities, ${rows!.alerts} alerts)`);

  first.kill('SIGKILL');
  await first.exited();
  const t1 = performance.now();
  const second = await spawnProcessor(env.processorEnv('bench-b'));
  const shards = buildActors().length * partitions; // a shard per actor type and partition
  while ((second.output.join('').match(/acquired /g) ?? []).length < shards) await new Promise((r) => setTimeout(r, 20));
  console.log(`recovery after SIGKILL: ${((performance.now() - t1) / 1000).toFixed(2)} s from process start to ${shards} shards restored (${rows!.states} entities)`);
  second.kill('SIGTERM');
  await second.exited();

  const store = createCheckpointStore(env.sql);
  const epoch = await store.acquire('bench/0', 'bench');
  const states = Array.from({ length: 50_000 }, (_, i) => ({ actorType: 'bench', key: `k-${i}`, partition: 0, stateVersion: 1, state: { onHand: i, reserved: 0, reorderPoint: 5, lowStock: false } }));
  const t2 = performance.now();
  await store.commit({ shard: 'bench/0', epoch, offsets: [], states, outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] });
  const commitSeconds = (performance.now() - t2) / 1000;
  console.log(`checkpoint: 50000 states in one commit in ${commitSeconds.toFixed(2)} s = ${Math.round(50_000 / commitSeconds)} rows/s`);
} finally {
  await env.close();
}
