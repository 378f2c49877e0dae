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
import { CHECKPOINT_EVERY, generatedRecords, runShardsWithCheckpoints, summary, type ShardRunSample as Sample } from './harness/shard-checkpoints.ts';

const count = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const records = generatedRecords(count);

type Mode = 'off' | 'on';

function runOnce(mode: Mode): Promise<Sample> {
  return runShardsWithCheckpoints({ actors: buildActors({ recommendations: mode === 'on' }), records, rowsOf: (d) => d.states.length });
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
