/**
 * What keeping a state history costs (issue #16, time travel): the same generated records through
 * one shard per actor type with history off and on for every type, in rotating order, each round on
 * a fresh database — no Kafka, no workers (bench/harness/shard-checkpoints.ts).
 *   bun bench/history-cost.ts [events=200000] [rounds=5]
 * Per mode: shard CPU (apply + take: the snapshot rows are built at take), the checkpoint commits'
 * wall time against Postgres (DATABASE_URL's server, or 127.0.0.1:5432), rows written, and the
 * history table's size on disk at the end. Medians and ranges over the rounds.
 */
import { buildActors } from '../actors/registry.ts';
import { CHECKPOINT_EVERY, generatedRecords, runShardsWithCheckpoints, summary, type ShardRunSample } from './harness/shard-checkpoints.ts';

const count = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const records = generatedRecords(count);

type Mode = 'off' | 'on';
const MODES: readonly Mode[] = ['off', 'on'];
type Sample = ShardRunSample & { historyRows: number; historyMb: number };

async function runOnce(mode: Mode): Promise<Sample> {
  let historyRows = 0;
  let historyMb = 0;
  const s = await runShardsWithCheckpoints({
    actors: buildActors({}),
    records,
    keepHistory: mode === 'on',
    rowsOf: (d) => {
      historyRows += d.history?.length ?? 0;
      return d.states.length + (d.history?.length ?? 0);
    },
    finish: async (sql) => {
      const [r] = await sql`select pg_total_relation_size('actor_state_history')::bigint as bytes`;
      historyMb = Number(r!.bytes) / 2 ** 20;
    },
  });
  return { ...s, historyRows, historyMb };
}

const samples: Record<Mode, Sample[]> = { off: [], on: [] };
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < MODES.length; i++) {
    const mode = MODES[(r + i) % MODES.length]!;
    const s = await runOnce(mode);
    samples[mode].push(s);
    console.error(`round ${r + 1} history ${mode}: shard CPU ${Math.round(s.shardCpuMs)} ms, commits ${Math.round(s.commitMs)} ms, ${s.rows} rows, history ${s.historyRows} rows ${s.historyMb.toFixed(1)} MB`);
  }
}
console.log(`${records.length} records, one shard per actor type, checkpoint every ${CHECKPOINT_EVERY} records, ${rounds} rounds (median (range))`);
console.log('| history | shard CPU ms (apply + take) | checkpoint commits ms | state + history rows | history table MB |');
console.log('|---|---|---|---|---|');
for (const mode of MODES) {
  const xs = samples[mode];
  console.log(`| ${mode} | ${summary(xs.map((x) => x.shardCpuMs))} | ${summary(xs.map((x) => x.commitMs))} | ${xs[0]!.rows} | ${xs[0]!.historyMb.toFixed(1)} |`);
}
