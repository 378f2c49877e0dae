/**
 * Fail-over after SIGKILL, per Kafka client and session timeout (issue #17):
 *   bun bench/failover.ts [data=entities:100000] [partitions=3] [rounds=3] [sessions=10000,3000] [clients=kafkajs,platformatic] [rate=2000]
 * For each client × session timeout, two processor processes (A and B) fold the data set
 * (`events:N` generated traffic, or `entities:N` synthetic entities, see recovery-support.ts) and
 * share its shards; then, `rounds` times, under a steady load of `rate` generated events/s: SIGKILL
 * one of them and time from the kill to the survivor's new group generation (failure detected,
 * rebalance done), to every shard acquired and restored by the survivor, and to every input caught
 * up with the log as it stood then. The killed one is started again (it rejoins, the group splits
 * the shards again) before the next round, which kills the other. platformatic members are static
 * (GROUP_INSTANCE_ID per process): a static member that dies is also removed only at its session
 * timeout. A session below 6 s needs a broker with group.min.session.timeout.ms lowered (the local
 * broker of scripts/kafka/ allows 1 s). Uses KAFKA_BROKERS or the tests' local broker, and
 * DATABASE_URL's server for a fresh database per variant.
 */
import { buildActors } from '../actors/registry.ts';
import { createPipelineEnv, type PipelineEnv } from '../tests/support/pipeline-env.ts';
import { spawnProcessor, type ProcessorProcess } from '../tests/support/processor-process.ts';
import { acquiredAll, caughtUpWith, inputEnds, outputMark, parseDataSet, produceDataSet, report, settle, startLoad, type Timing } from './recovery-support.ts';

const data = parseDataSet(process.argv[2], { kind: 'entities', count: 100_000 });
const partitions = Number(process.argv[3] ?? 3);
const rounds = Number(process.argv[4] ?? 3);
const sessions = (process.argv[5] ?? '10000,3000').split(',').map(Number);
const clients = (process.argv[6] ?? 'kafkajs,platformatic').split(',');
const rate = Number(process.argv[7] ?? 2000);
// Every actor type of the registry has a shard per partition.
const shards = buildActors().length * partitions;
const lines: string[] = [];

for (const client of clients) {
  for (const session of sessions) {
    const name = `${client}${client === 'platformatic' ? ' (static)' : ''}, session ${session} ms`;
    const env = await createPipelineEnv(partitions);
    const procs: ProcessorProcess[] = [];
    try {
      await produceDataSet(env, data);
      const start = (member: 'a' | 'b', round: number) =>
        spawnProcessor({
          ...env.processorEnv(`failover-${member}-${round}`),
          KAFKA_SESSION_TIMEOUT_MS: String(session),
          ...(client === 'platformatic' ? { KAFKA_CLIENT: 'platformatic', GROUP_INSTANCE_ID: `failover-${member}` } : {}),
        }, 300_000);
      procs.push(await start('a', 0), await start('b', 0));
      const entities = await settle(env);
      await bothOwn(env);
      const timings: Timing[] = [];
      for (let round = 1; round <= rounds; round++) {
        const load = startLoad(env, rate, 10 + round);
        await new Promise((r) => setTimeout(r, 2_000));
        const victim = (round - 1) % 2;
        const survivor = procs[1 - victim]!;
        const mark = outputMark(survivor);
        const t0 = performance.now();
        procs[victim]!.kill('SIGKILL');
        const { joinedAt } = await acquiredAll(survivor, mark, shards, 180_000);
        const restored = (performance.now() - t0) / 1000;
        const ends = await inputEnds(env);
        await caughtUpWith(env, ends, 300_000);
        timings.push({ joined: joinedAt === undefined ? undefined : (joinedAt - t0) / 1000, restored, caughtUp: (performance.now() - t0) / 1000 });
        await load.stop();
        console.log(`  round ${round}: ${JSON.stringify(timings.at(-1))}`);
        if (round < rounds) {
          // The killed member comes back and takes its share again before the next kill.
          await procs[victim]!.exited();
          procs[victim] = await start(victim === 0 ? 'a' : 'b', round);
          await settle(env);
          await bothOwn(env);
        }
      }
      lines.push(report(name, data, entities, timings));
    } catch (e) {
      lines.push(`${name}: failed: ${(e as Error).message.split('\n')[0]}`);
      console.log(lines.at(-1));
    } finally {
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited()));
      await env.close();
    }
  }
}
console.log(`\nfail-over, ${partitions} partitions, load ${rate} events/s:\n${lines.join('\n')}`);

/** Both processes own shards (the rejoined one has restored its share): shard_owners has two owners. */
async function bothOwn(env: PipelineEnv, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [r] = await env.sql`select count(distinct owner_id)::int as n, count(*)::int as shards from shard_owners`;
    if (r!.n === 2 && r!.shards === shards) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the two processes did not come to share the shards');
}
