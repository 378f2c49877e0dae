/**
 * What recommendations cost a shard and its checkpoints (issue #14), in the shape of
 * bench/analytics-cost.ts: the same generated records through one shard per actor type (analytics
 * on, as by default), recommendations on and off in alternating rounds, each round on a fresh
 * database. A product view now changes its user's state, so more user rows are written per
 * checkpoint. Sends are not delivered (no inbox here): page views, 75% of the mix, carry the cost.
 *   bun bench/recommendations-checkpoint-cost.ts [events=100000] [rounds=3]
 * Per mode: shard CPU (apply + take) and the checkpoint commits' wall time against Postgres
 * (DATABASE_URL's server, or 127.0.0.1:5432), medians and ranges; and the rows written.
 */
import { buildActors } from '../actors/registry.ts';
import { createShard, type Shard } from '../engine/shard/shard.ts';
import type { SourceRecord } from '../engine/shard/records.ts';
import { generateEvents, toKafkaRecord } from '../generator/index.ts';
import { createTestDatabase } from '../scripts/infra/test-database.ts';
import { createCheckpointStore } from '../store/checkpoint-store.ts';
import { migrate } from '../store/migrations.ts';
import { openPool } from '../store/pool.ts';

const count = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const BATCH = 500;
const CHECKPOINT_EVERY = 5_000;

const { events } = generateEvents({ seed: 9, count, users: 10_000, skus: 1_000 });
const records: SourceRecord[] = events.map((e, offset) => {
  const r = toKafkaRecord(e);
  return { topic: r.topic, partition: 0, offset, key: r.key, value: r.value, headers: {}, timestamp: e.ts };
});

type Mode = 'off' | 'on';
interface Sample { shardCpuMs: number; commitMs: number; rows: number }

async function runOnce(mode: Mode): Promise<Sample> {
  const db = await createTestDatabase();
  const sql = openPool(db.url, { max: 4 });
  try {
    await migrate(sql);
    const store = createCheckpointStore(sql, {});
    const shards: { shard: Shard; epoch: number }[] = [];
    const byTopic = new Map<string, Shard>();
    for (const actor of buildActors({ recommendations: mode === 'on' })) {
      const shard = createShard({ actor, partition: 0, app: 'bench', wallClock: () => 0, keepProcessed: false });
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
      for (const d of deltas) rows += d.states.length;
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

const samples: Record<Mode, Sample[]> = { off: [], on: [] };
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
    const s = await runOnce(mode);
    samples[mode].push(s);
    console.error(`round ${r + 1} recommendations ${mode}: shard CPU ${Math.round(s.shardCpuMs)} ms, commits ${Math.round(s.commitMs)} ms, ${s.rows} state rows`);
  }
}
console.log(`${records.length} records, one shard per actor type, analytics on, checkpoint every ${CHECKPOINT_EVERY} records, ${rounds} rounds (median (range))`);
console.log('| recommendations | shard CPU ms (apply + take) | checkpoint commits ms | state rows written | events/s (CPU + commits) |');
console.log('|---|---|---|---|---|');
for (const mode of ['off', 'on'] as const) {
  const xs = samples[mode];
  const perSec = xs.map((x) => records.length / ((x.shardCpuMs + x.commitMs) / 1000));
  console.log(`| ${mode} | ${summary(xs.map((x) => x.shardCpuMs))} | ${summary(xs.map((x) => x.commitMs))} | ${xs[0]!.rows} | ${summary(perSec)} |`);
}
