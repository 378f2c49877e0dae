/**
 * Restart-in-place after SIGKILL, per Kafka client (issue #17):
 *   bun bench/recovery.ts [data=events:100000] [partitions=3] [rounds=3] [clients=kafkajs,platformatic] [rate=2000]
 * For each client — kafkajs (dynamic membership: the group waits out the dead member's session,
 * 10 s, before it rebalances) and @platformatic/kafka with static membership (GROUP_INSTANCE_ID:
 * the restarted member takes its place back without a rebalance) — one processor process folds the
 * data set (`events:N` generated traffic, a bare N as before, or `entities:N` synthetic entities,
 * see recovery-support.ts), then `rounds` times, under a steady load of `rate` generated events/s:
 * SIGKILL it, start it again at once, and time from the new process's start to every shard
 * restored, and to every input caught up with the log as it stood then (rate 0: no load, caught up
 * = everything produced folded and the outbox empty, as the first measurements). Uses KAFKA_BROKERS
 * or the tests' local broker, and DATABASE_URL's server for a fresh database per variant.
 */
import { buildActors } from '../actors/registry.ts';
import { createPipelineEnv, waitUntilSettled } from '../tests/support/pipeline-env.ts';
import { spawnProcessor } from '../tests/support/processor-process.ts';
import { acquiredAll, caughtUpWith, inputEnds, parseDataSet, produceDataSet, report, settle, startLoad, type Timing } from './recovery-support.ts';

const data = parseDataSet(process.argv[2], { kind: 'events', count: 100_000 });
const partitions = Number(process.argv[3] ?? 3);
const rounds = Number(process.argv[4] ?? 3);
const clients = (process.argv[5] ?? 'kafkajs,platformatic').split(',');
const rate = Number(process.argv[6] ?? 2000);
const VARIANTS: Record<string, { name: string; env: Record<string, string> }> = {
  kafkajs: { name: 'kafkajs, dynamic membership', env: {} },
  platformatic: { name: 'platformatic, static membership', env: { KAFKA_CLIENT: 'platformatic', GROUP_INSTANCE_ID: 'bench-processor-0' } },
};
const lines: string[] = [];

for (const variant of clients.map((c) => VARIANTS[c]!)) {
  const env = await createPipelineEnv(partitions);
  try {
    await produceDataSet(env, data);
    const start = (round: number) => spawnProcessor({ ...env.processorEnv(`bench-${round}`), ...variant.env }, 300_000);
    let proc = await start(0);
    const entities = await settle(env);
    const timings: Timing[] = [];
    for (let round = 1; round <= rounds; round++) {
      const load = startLoad(env, rate, 10 + round);
      if (rate > 0) await new Promise((r) => setTimeout(r, 2_000));
      proc.kill('SIGKILL');
      await proc.exited();
      const t0 = performance.now();
      proc = await start(round);
      const { joinedAt } = await acquiredAll(proc, 0, buildActors().length * partitions);
      const restored = (performance.now() - t0) / 1000;
      if (rate > 0) await caughtUpWith(env, await inputEnds(env));
      else await waitUntilSettled(env, 600_000);
      timings.push({ joined: joinedAt === undefined ? undefined : (joinedAt - t0) / 1000, restored, caughtUp: (performance.now() - t0) / 1000 });
      await load.stop();
      console.log(`  round ${round}: ${JSON.stringify(timings.at(-1))}`);
    }
    proc.kill('SIGTERM');
    await proc.exited();
    lines.push(report(variant.name, data, entities, timings));
  } finally {
    await env.close();
  }
}
console.log(`\nrestart in place, ${partitions} partitions, load ${rate} events/s:\n${lines.join('\n')}`);
