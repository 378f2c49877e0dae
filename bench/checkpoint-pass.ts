/**
 * What one checkpoint pass costs against Postgres (issue #19: event→durable p99): the generated
 * records spread over 6 partitions, one shard per actor type and partition (24, as a processor
 * holding every partition), a pass every `perPass` records — take every shard's delta, commit them
 * `lanes` at a time, as engine/checkpointer.ts does. No Kafka, no workers, no relay: the figures are
 * the commits' wall time and the client's CPU while they ran (postgres.js building the statements:
 * on the processor that is main-thread time, which the fetch and the relay also need), and the
 * local Postgres server's (every process named `postgres`, so run it on an otherwise idle server).
 *   bun bench/checkpoint-pass.ts [events=120000] [perPass=2400] [rounds=3] [commit=group|lanes]
 * `group` commits the dirty shards of a pass in group transactions as the checkpointer does
 * (engine/checkpoint-group.ts: groups of ~8 shards side by side); `groupsN` in N groups side by
 * side (`groups1`: one transaction for all); `lanes` each shard in its own, `LANES` at a time (before).
 * perPass 2,400 is 12,000 events/s at the default 200 ms interval. Each round runs on a fresh
 * database (DATABASE_URL's server, or 127.0.0.1:5432). Medians and ranges over the rounds.
 */
import { buildActors } from '../actors/registry.ts';
import { createShard, type Shard } from '../engine/shard/shard.ts';
import type { SourceRecord } from '../engine/shard/records.ts';
import { createTestDatabase } from '../scripts/infra/test-database.ts';
import { createCheckpointStore, type Checkpoint } from '../store/checkpoint-store.ts';
import { migrate } from '../store/migrations.ts';
import { openPool } from '../store/pool.ts';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { generatedRecords, summary } from './harness/shard-checkpoints.ts';
import { cpuSecondsOf, pidsNamed } from './harness/proc.ts';
import { splitGroups } from '../engine/checkpoint-group.ts';

const count = Number(process.argv[2] ?? 120_000);
const perPass = Number(process.argv[3] ?? 2_400);
const rounds = Number(process.argv[4] ?? 3);
const mode = process.argv[5] ?? 'group';
if (mode !== 'group' && mode !== 'lanes' && !/^groups\d+$/.test(mode)) throw new Error(`commit mode: group, groupsN or lanes, not ${mode}`);
const PARTITIONS = 6;
/** The processor's default: a pool of 6, one connection left for relays and queries. */
const LANES = 5;

/** The generated records on the partitions Kafka would put them on (by key), offsets counted per partition. */
function partitioned(records: readonly SourceRecord[]): SourceRecord[] {
  const next = new Map<string, number>();
  return records.map((r) => {
    const partition = partitionOf(r.key ?? '', PARTITIONS);
    const tp = `${r.topic}:${partition}`;
    const offset = next.get(tp) ?? 0;
    next.set(tp, offset + 1);
    return { ...r, partition, offset };
  });
}

interface PassSample {
  passMs: number[];
  /** This process's CPU (user + system, every thread) while the pass committed: the client's share. */
  clientCpuMs: number[];
  /** The Postgres server's CPU over every pass of the round (its clock ticks are too coarse for one pass). */
  serverCpuMs: number;
  rows: number;
}

async function runRound(records: readonly SourceRecord[]): Promise<PassSample> {
  const db = await createTestDatabase();
  const sql = openPool(db.url, { max: LANES + 1 });
  try {
    await migrate(sql);
    const store = createCheckpointStore(sql);
    const shards: { shard: Shard; epoch: number; topic: string; partition: number }[] = [];
    for (const actor of buildActors({})) {
      for (let p = 0; p < PARTITIONS; p++) {
        const shard = createShard({ actor, partition: p, app: 'bench', wallClock: () => 0 });
        shards.push({ shard, epoch: await store.acquire(shard.id, 'bench'), topic: actor.sourceTopic, partition: p });
      }
    }
    const sample: PassSample = { passMs: [], clientCpuMs: [], serverCpuMs: 0, rows: 0 };
    for (let i = 0; i < records.length; i += perPass) {
      const batch = records.slice(i, i + perPass);
      for (const s of shards) s.shard.apply(batch.filter((r) => r.topic === s.topic && r.partition === s.partition));
      const deltas: Checkpoint[] = shards.map((s) => ({ ...s.shard.takeDelta(), shard: s.shard.id, epoch: s.epoch }));
      const server = pidsNamed('postgres');
      const server0 = cpuSecondsOf(server);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      if (mode === 'group') await Promise.all(splitGroups(deltas.filter((d) => !isClean(d)), LANES).map((g) => store.commitGroup!(g)));
      else if (mode.startsWith('groups')) {
        const k = Number(mode.slice(6));
        const dirty = deltas.filter((d) => !isClean(d));
        const size = Math.ceil(dirty.length / k);
        await Promise.all(Array.from({ length: k }, (_, g) => store.commitGroup!(dirty.slice(g * size, (g + 1) * size))));
      }
      else await inLanes(deltas, (cp) => store.commit(cp));
      sample.passMs.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      sample.clientCpuMs.push((cpu.user + cpu.system) / 1000);
      sample.serverCpuMs += (cpuSecondsOf(server) - server0) * 1000;
      for (const d of deltas) sample.rows += d.states.length + d.outbox.length + d.alerts.length;
    }
    return sample;
  } finally {
    await sql.end({ timeout: 5 });
    await db.drop();
  }
}

/** A delta the processor would not commit (its shard applied nothing since the last pass). */
function isClean(d: Checkpoint): boolean {
  return d.offsets.length === 0 && d.states.length === 0 && d.outbox.length === 0 && d.timersRemoved.length === 0;
}

async function inLanes<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await each(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(LANES, items.length) }, lane));
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const records = partitioned(generatedRecords(count));
const p50s: number[] = [];
const p99s: number[] = [];
const cpuP50s: number[] = [];
const serverMeans: number[] = [];
for (let r = 0; r < rounds; r++) {
  const s = await runRound(records);
  p50s.push(quantile(s.passMs, 0.5));
  p99s.push(quantile(s.passMs, 0.99));
  cpuP50s.push(quantile(s.clientCpuMs, 0.5));
  serverMeans.push(s.serverCpuMs / s.passMs.length);
  console.error(`round ${r + 1}: ${s.passMs.length} passes, pass p50 ${p50s.at(-1)!.toFixed(1)} ms, p99 ${p99s.at(-1)!.toFixed(1)} ms, client CPU p50 ${cpuP50s.at(-1)!.toFixed(1)} ms, Postgres CPU mean ${serverMeans.at(-1)!.toFixed(1)} ms, ${s.rows} rows`);
}
console.log(`${records.length} records over ${PARTITIONS} partitions, a pass every ${perPass} records, ${mode === 'group' ? 'one transaction per pass' : `${LANES} lanes`}, ${rounds} rounds: pass p50 ${summary(p50s)} ms, p99 ${summary(p99s)} ms, client CPU per pass p50 ${summary(cpuP50s)} ms, Postgres CPU per pass (mean) ${summary(serverMeans)} ms`);
