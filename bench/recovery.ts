/**
 * Restart-in-place after SIGKILL, per Kafka client (issue #17):
 *   bun bench/recovery.ts [events=100000] [partitions=3] [rounds=3]
 * For each variant — kafkajs (dynamic membership: the group waits out the dead member's session,
 * 10 s, before it rebalances) and @platformatic/kafka with static membership (GROUP_INSTANCE_ID:
 * the restarted member takes its place back without a rebalance) — N generated events are folded by
 * one processor process, then `rounds` times: SIGKILL it, start it again at once, and time from the
 * new process's start to every shard restored, and to every input caught up (all offsets of truth
 * at the log end, outbox empty). Uses KAFKA_BROKERS or the tests' local broker, and DATABASE_URL's
 * server for a fresh database per variant.
 */
import { generateEvents } from '../generator/index.ts';
import { closingEvents } from '../tests/support/oracle.ts';
import { createPipelineEnv, waitUntilSettled } from '../tests/support/pipeline-env.ts';
import { spawnProcessor, type ProcessorProcess } from '../tests/support/processor-process.ts';

const count = Number(process.argv[2] ?? 100_000);
const partitions = Number(process.argv[3] ?? 3);
const rounds = Number(process.argv[4] ?? 3);
const VARIANTS: { name: string; env: Record<string, string> }[] = [
  { name: 'kafkajs, dynamic membership', env: {} },
  { name: 'platformatic, static membership', env: { KAFKA_CLIENT: 'platformatic', GROUP_INSTANCE_ID: 'bench-processor-0' } },
];

for (const variant of VARIANTS) {
  const env = await createPipelineEnv(partitions);
  try {
    const { events } = generateEvents({ seed: 5, count, users: Math.max(2000, count / 20), skus: 1000 });
    await env.produce([...events, ...closingEvents(events, partitions)]);
    const start = (round: number) => spawnProcessor({ ...env.processorEnv(`bench-${round}`), ...variant.env });
    let proc = await start(0);
    await waitUntilSettled(env, 1_800_000);
    const [row] = await env.sql`select count(*)::int as n from actor_states`;
    const timings: { restored: number; caughtUp: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      proc.kill('SIGKILL');
      await proc.exited();
      const t0 = performance.now();
      proc = await start(round);
      await allShardsAcquired(proc, 3 * partitions);
      const restored = (performance.now() - t0) / 1000;
      await waitUntilSettled(env, 600_000);
      timings.push({ restored, caughtUp: (performance.now() - t0) / 1000 });
    }
    proc.kill('SIGTERM');
    await proc.exited();
    report(variant.name, row!.n, timings);
  } finally {
    await env.close();
  }
}

async function allShardsAcquired(proc: ProcessorProcess, shards: number): Promise<void> {
  while ((proc.output.join('').match(/acquired /g) ?? []).length < shards) await new Promise((r) => setTimeout(r, 20));
}

function report(name: string, entities: number, timings: { restored: number; caughtUp: number }[]): void {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(2)} s (${xs.map((x) => x.toFixed(2)).join(', ')})`;
  console.log(`${name}, ${entities} entities: shards restored ${fmt(timings.map((t) => t.restored))}; caught up ${fmt(timings.map((t) => t.caughtUp))}`);
}

