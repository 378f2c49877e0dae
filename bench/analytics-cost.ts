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
import { ensureProcessedEventsTable } from '../store/processed-events.ts';
import { CHECKPOINT_EVERY, generatedRecords, runShardsWithCheckpoints, summary, type ShardRunSample as Sample } from './harness/shard-checkpoints.ts';

const count = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const records = generatedRecords(count);

type Mode = 'off' | 'on' | 'on+processed';
const MODES: readonly Mode[] = ['off', 'on', 'on+processed'];

function runOnce(mode: Mode): Promise<Sample> {
  const processedEventsTable = mode === 'on+processed' ? 'events_processed' : undefined;
  return runShardsWithCheckpoints({
    actors: buildActors({ analytics: mode !== 'off' }),
    records,
    processedEventsTable,
    prepare: async (sql) => {
      if (processedEventsTable) await ensureProcessedEventsTable(sql, processedEventsTable);
    },
    rowsOf: (d) => d.states.length + (d.readModel?.rows.length ?? 0) + (d.aggregates?.reduce((n, a) => n + a.rows.length, 0) ?? 0) + (d.processed?.length ?? 0),
  });
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
