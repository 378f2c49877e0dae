/**
 * 1 → 2 processor instances in one consumer group, per contender (issue 19's scaling curve):
 *   bun bench/instances.ts [events=300000] [series=3] [contenders=actorstream-bun-kafka-messages,actorstream-bun]
 * Pre-loads one backlog (6 partitions) and folds the oracle, then per series runs every contender
 * with 1 and with 2 instances on it, interleaved, each from an empty database. Reports backlog
 * events/s, processor CPU summed over the instances, Postgres CPU and whether the SKU states equal
 * the oracle's; medians and ranges over the series. With local messages and 2 instances, messages
 * to shards of the same process go in memory and the rest by Kafka: both paths at once.
 * Writes bench/results/instances-<time>.json. Kafka/Postgres as in bench/run.ts (39092, DATABASE_URL).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENDERS, type ContenderId } from './harness/contenders.ts';
import { Loader } from './harness/dataset.ts';
import { setUpInfra } from './harness/infra.ts';
import { failedRun, measure, type RunResult } from './harness/runner.ts';
import { median } from './soak-stats.ts';

const events = Number(process.argv[2] ?? 300_000);
const series = Number(process.argv[3] ?? 3);
const ids = (process.argv[4] ?? 'actorstream-bun-kafka-messages,actorstream-bun').split(',') as ContenderId[];
const PARTITIONS = 6;
const INSTANCES = [1, 2];
const log = (line: string) => console.error(`[instances] ${line}`);

for (const id of ids) if (!CONTENDERS[id]?.usesPostgres) throw new Error(`${id}: not a contender that keeps state in Postgres`);

const infra = await setUpInfra({ log });
const loader = new Loader(infra.brokers);
const runPrefix = `inst${Date.now().toString(36)}_`;
const runs: { id: string; instances: number; series: number; result: RunResult }[] = [];
try {
  log(`pre-loading ${events.toLocaleString('en-US')} events into ${PARTITIONS} partitions…`);
  const pre = await loader.preload(`${runPrefix}b_`, { seed: 7, events, partitions: PARTITIONS }, { oracle: true });
  for (let s = 1; s <= series; s++) {
    for (const id of ids) {
      for (const n of INSTANCES) {
        const result = await backlog(id, n, pre, s);
        runs.push({ id, instances: n, series: s, result });
        log(`series ${s} ${id} ×${n}: ${result.error ?? `${result.eventsPerSec.toLocaleString('en-US')}/s, CPU ${result.cpu.contender.pct}% (PG ${result.cpu.postgres?.pct}%), SKUs = oracle: ${result.sku?.equal} (${result.sku?.differing} differ)`}`);
      }
    }
  }
} finally {
  await loader.close().catch(() => {});
  await loader.deleteTopicsWithPrefix(runPrefix).catch((e) => log(`could not delete the run's topics: ${e}`));
  await infra.close();
}

const table = summarize();
console.log(table);
const out = fileURLToPath(new URL('./results', import.meta.url));
mkdirSync(out, { recursive: true });
const file = join(out, `instances-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ events, series, partitions: PARTITIONS, runs, table }, null, 2));
log(`wrote ${file}`);

async function backlog(id: ContenderId, instances: number, pre: Awaited<ReturnType<Loader['preload']>>, s: number): Promise<RunResult> {
  const spec = CONTENDERS[id];
  try {
    const kept = await measure({
      infra, loader, spec, data: pre.data, oracle: pre.oracle, log, mode: 'backlog', instances,
      name: `${runPrefix}${s}${id.replace(/^actorstream-/, '').slice(0, 12)}${instances}`,
      launch: { expect: pre.data.records, partitions: PARTITIONS, checkpointIntervalMs: 200, timeoutMs: Math.max(120_000, events * 2) },
    });
    return kept.result;
  } catch (e) {
    return failedRun(spec, 'backlog', e);
  }
}

function summarize(): string {
  const rows = ['| contender | instances | events/s median (range) | processor CPU % median (range) | Postgres CPU % median | SKUs = oracle |', '|---|---|---|---|---|---|'];
  for (const id of ids) {
    for (const n of INSTANCES) {
      const ok = runs.filter((r) => r.id === id && r.instances === n && !r.result.error).map((r) => r.result);
      const rate = ok.map((r) => r.eventsPerSec);
      const cpu = ok.map((r) => r.cpu.contender.pct);
      const pg = ok.map((r) => r.cpu.postgres?.pct ?? 0);
      const equal = ok.map((r) => (r.sku ? (r.sku.equal ? 'yes' : `no (${r.sku.differing})`) : '–')).join(', ');
      rows.push(`| ${id} | ${n} | ${round1(median(rate))} (${range(rate)}) | ${round1(median(cpu))} (${range(cpu)}) | ${round1(median(pg))} | ${equal} |`);
    }
  }
  return rows.join('\n');
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function range(xs: number[]): string {
  return xs.length === 0 ? '–' : `${Math.min(...xs)}–${Math.max(...xs)}`;
}
