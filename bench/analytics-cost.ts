/**
 * What read models and per-minute aggregates cost (issue #15), isolated from Kafka and from the
 * machine's other load as far as one process can be: the same generated records through one shard
 * per actor type with analytics off, on, and on with the opt-in processed-events table, in rotating
 * order, each round on a fresh database.
 *   bun bench/analytics-cost.ts [events=200000] [rounds=5]
 * Per mode: shard CPU (apply + take, this thread's CPU time: the shard's work on a worker thread in
 * production) and the checkpoint commits' wall time against Postgres (DATABASE_URL's server, or
 * 127.0.0.1:5432). Medians and ranges over the rounds.
 */
import { buildActors } from '../actors/registry.ts';
import { createShard, type Shard } from '../engine/shard/shard.ts';
import type { SourceRecord } from '../engine/shard/records.ts';
import { generateEvents, toKafkaRecord } from '../generator/index.ts';
import { createTestDatabase } from '../scripts/infra/test-database.ts';
import { createCheckpointStore } from '../store/checkpoint-store.ts';
import { migrate } from '../store/migrations.ts';
import { openPool } from '../store/pool.ts';
import { ensureProcessedEventsTable } from '../store/processed-events.ts';

const count = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const BATCH = 500;
const CHECKPOINT_EVERY = 5_000;

const { events } = generateEvents({ seed: 9, count, users: 10_000, skus: 1_000 });
const records: SourceRecord[] = events.map((e, offset) => {
  const r = toKafkaRecord(e);
  return { topic: r.topic, partition: 0, offset, key: r.key, value: r.value, headers: {}, timestamp: e.ts };
});

interface Sample {
  shardCpuMs: number;
  commitMs: number;
  rows: number;
}

type Mode = 'off' | 'on' | 'on+processed';
const MODES: readonly Mode[] = ['off', 'on', 'on+processed'];

async function runOnce(mode: Mode): Promise<Sample> {
  const analytics = mode !== 'off';
  const processedEventsTable = mode === 'on+processed' ? 'events_processed' : undefined;
  const db = await createTestDatabase();
  const sql = openPool(db.url, { max: 4 });
  try {
    await migrate(sql);
    if (processedEventsTable) await ensureProcessedEventsTable(sql, processedEventsTable);
    const store = createCheckpointStore(sql, { processedEventsTable });
    const shards: { shard: Shard; epoch: number }[] = [];
    const byTopic = new Map<string, Shard>();
    for (const actor of buildActors({ analytics })) {
      const shard = createShard({ actor, partition: 0, app: 'bench', wallClock: () => 0, keepProcessed: processedEventsTable !== undefined });
      shards.push({ shard, epoch: await store.acquire(shard.id, 'bench') });
      byTopic.set(actor.sourceTopic, shard);
    }
    let shardCpu = 0;
    let commitMs = 0;
    let rows = 0;
    const checkpoint = async () => {
      const c0 = process.cpuUsage();
      const deltas = shards.map((s) => ({ ...s.shard.takeDelta(), shard: s.shard.id, epoch: s.epoch }));
      shardCpu += cpuMs(process.cpuUsage(c0));
      const t0 = performance.now();
      await Promise.all(deltas.map((d) => store.commit(d)));
      commitMs += performance.now() - t0;
      for (const d of deltas) rows += d.states.length + (d.readModel?.rows.length ?? 0) + (d.aggregates?.reduce((n, a) => n + a.rows.length, 0) ?? 0) + (d.processed?.length ?? 0);
    };
    for (let i = 0; i < records.length; i += BATCH) {
      const batch = records.slice(i, i + BATCH);
      const c0 = process.cpuUsage();
      for (const [topic, shard] of byTopic) shard.apply(batch.filter((r) => r.topic === topic));
      shardCpu += cpuMs(process.cpuUsage(c0));
      if ((i + BATCH) % CHECKPOINT_EVERY === 0) await checkpoint();
    }
    await checkpoint();
    return { shardCpuMs: shardCpu, commitMs, rows };
  } finally {
    await sql.end({ timeout: 5 });
    await db.drop();
  }
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${Math.round(s[Math.floor(s.length / 2)]!)} (${Math.round(s[0]!)}–${Math.round(s.at(-1)!)})`;
}

const samples: Record<Mode, Sample[]> = { off: [], on: [], 'on+processed': [] };
for (let r = 0; r < rounds; r++) {
  // Rotate which mode goes first, so warm-up and drift do not favour one.
  for (let i = 0; i < MODES.length; i++) {
    const mode = MODES[(r + i) % MODES.length]!;
    const s = await runOnce(mode);
    samples[mode].push(s);
    console.error(`round ${r + 1} analytics ${mode}: shard CPU ${Math.round(s.shardCpuMs)} ms, commits ${Math.round(s.commitMs)} ms, ${s.rows} rows`);
  }
}
console.log(`${records.length} records, one shard per actor type, checkpoint every ${CHECKPOINT_EVERY} records, ${rounds} rounds (median (range))`);
console.log('| analytics | shard CPU ms (apply + take) | checkpoint commits ms | rows written |');
console.log('|---|---|---|---|');
for (const mode of MODES) {
  const xs = samples[mode];
  console.log(`| ${mode} | ${summary(xs.map((x) => x.shardCpuMs))} | ${summary(xs.map((x) => x.commitMs))} | ${xs[0]!.rows} |`);
}
