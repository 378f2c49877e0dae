/**
 * `npm run bench` (= `bun bench/run.ts`): how fast actorstream is, how close to the limit, and how
 * it compares with what a user would pick instead — measured in one run on this machine.
 *
 * 1. Pre-loads N generated events (fixed seed) into fresh prefixed topics with P partitions, folding
 *    them through the pure test driver on the way (the oracle of the final SKU states).
 * 2. Backlog: each contender, as its own child process with a fresh consumer group (and database),
 *    consumes the same topics from offset 0, after a shorter backlog of the same generator
 *    (--short-backlog, half by default); events/s is the marginal rate between the two, so start-up
 *    and JIT warm-up cancel; CPU and memory of it, the broker and Postgres from /proc.
 * 3. Open loop: each contender on fresh topics while this process produces at 50% of that
 *    contender's measured max: event→state and event→durable latency percentiles.
 * 4. --scaling: memory and recovery at 100k and 1M entities, checkpoint interval sweep, 1 vs 2
 *    instances (bench/harness/scaling.ts).
 * Prints a markdown table; writes bench/results/<timestamp>.json, latest.json and an SVG chart.
 * See bench/README.md.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { defineCommand, runMain } from 'citty';
import { CONTENDERS, CONTENDER_IDS, type ContenderId } from './harness/contenders.ts';
import { Loader, type DataSet } from './harness/dataset.ts';
import { setUpInfra } from './harness/infra.ts';
import { ensurePeerBuilt, PEER_IDS, PEER_VARIANTS, peerSpec, upToDate, type PeerVariantId } from './harness/kafka-streams.ts';
import { describeMachine } from './harness/machine.ts';
import { lateInputs, markdownTable, peerLines, ratiosOf, threadCpuLines, writeResults, type BenchResults } from './harness/report.ts';
import { failedRun, marginal, measure, type RunResult } from './harness/runner.ts';
import { runScaling } from './harness/scaling.ts';
import { targetLines } from './harness/targets.ts';

// No shorter backlog in smoke: at 3,000 events a marginal rate is noise, and it would double the backlog runs.
const SMOKE = { events: 3_000, openLoopSeconds: 3, maxRate: 1_000, shortBacklog: 0 };

/** Every contender id: the contenders, and the peer's thread variants right after the peer. */
type BenchId = ContenderId | PeerVariantId;
const BENCH_IDS: readonly BenchId[] = CONTENDER_IDS.flatMap((id) => (id === 'kafka-streams' ? [id, ...(Object.keys(PEER_VARIANTS) as PeerVariantId[])] : [id]));
const specOf = (id: BenchId) => (id in PEER_VARIANTS ? peerSpec(id as PeerVariantId) : CONTENDERS[id as ContenderId]);

const main = defineCommand({
  meta: { name: 'bench', description: 'actorstream against raw clients, a naive pipeline and Kafka Streams, on this machine' },
  args: {
    events: { type: 'string', description: 'Generated events pre-loaded for the backlog runs', default: '2000000' },
    partitions: { type: 'string', description: 'Partitions of every source topic', default: '6' },
    contenders: { type: 'string', description: `Comma-separated subset of: ${BENCH_IDS.join(', ')}`, default: BENCH_IDS.join(',') },
    smoke: { type: 'boolean', description: `A tiny run (${SMOKE.events} events, ${SMOKE.openLoopSeconds} s open loop); Kafka Streams only if already built`, default: false },
    brokers: { type: 'string', description: 'Use these brokers (else KAFKA_BROKERS, else a local broker on port 39092)' },
    'database-url': { type: 'string', description: 'Postgres server for the bench_* databases (else DATABASE_URL, else 127.0.0.1:5432)' },
    scaling: { type: 'boolean', description: 'Also run the scaling runs (slow)', default: false },
    'checkpoint-interval': { type: 'string', description: 'Checkpoint interval (ms) of actorstream and commit.interval.ms of Kafka Streams', default: '200' },
    seed: { type: 'string', description: 'Generator seed', default: '7' },
    'open-loop-seconds': { type: 'string', description: 'Length of each open-loop run; 0 skips them', default: '30' },
    'short-backlog': { type: 'string', description: 'Events of a shorter backlog run before each one, as a share of --events: events/s is then the marginal rate between the two, without start-up and JIT warm-up (0 … <1; 0: the whole run of one backlog)', default: '0.5' },
    'max-rate': { type: 'string', description: 'Cap of the open-loop production rate (events/s)' },
    out: { type: 'string', description: 'Directory for the results', default: 'bench/results' },
    profile: { type: 'boolean', description: 'Bun contenders write a CPU profile of their backlog run (<out>/profiles/; main thread only)', default: false },
    workers: { type: 'string', description: 'Shard worker threads of actorstream (default: its own, cores − 1; 0 = shards on the consumer thread)' },
  },
  async run({ args }) {
    const smoke = Boolean(args.smoke);
    const opts = {
      events: smoke ? SMOKE.events : positive(args.events, 'events'),
      partitions: positive(args.partitions, 'partitions'),
      contenders: parseContenders(String(args.contenders)),
      smoke,
      brokers: args.brokers as string | undefined,
      databaseUrl: args['database-url'] as string | undefined,
      scaling: Boolean(args.scaling),
      checkpointIntervalMs: positive(args['checkpoint-interval'], 'checkpoint-interval'),
      seed: positive(args.seed, 'seed'),
      openLoopSeconds: smoke ? SMOKE.openLoopSeconds : Number(args['open-loop-seconds']),
      shortBacklog: smoke ? SMOKE.shortBacklog : fraction(args['short-backlog'], 'short-backlog'),
      maxRate: args['max-rate'] ? positive(args['max-rate'], 'max-rate') : smoke ? SMOKE.maxRate : Infinity,
      out: String(args.out),
      profile: Boolean(args.profile),
      workers: args.workers === undefined ? undefined : Number(args.workers),
    };
    process.exitCode = await bench(opts);
  },
});

interface Options {
  events: number;
  partitions: number;
  contenders: BenchId[];
  smoke: boolean;
  brokers?: string;
  databaseUrl?: string;
  scaling: boolean;
  checkpointIntervalMs: number;
  seed: number;
  openLoopSeconds: number;
  shortBacklog: number;
  maxRate: number;
  out: string;
  profile: boolean;
  workers?: number;
}

const log = (line: string) => console.error(`[bench] ${line}`);

async function bench(opts: Options): Promise<number> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg().map((x) => round(x));
  const notes: string[] = [];
  const infra = await setUpInfra({ brokers: opts.brokers, databaseUrl: opts.databaseUrl, log });
  const loader = new Loader(infra.brokers);
  const runPrefix = `bench${Date.now().toString(36)}_`;
  log(`Kafka ${infra.brokers.join(',')} (${infra.brokerSource}); topics prefixed ${runPrefix}`);
  try {
    const [pg] = await infra.admin`show server_version`;
    const machine = describeMachine(String(pg!.server_version));
    log(`machine: ${machine.nproc} cores, ${machine.memoryGb} GB, ${machine.cpuModel}`);

    const { contenders, classpath } = withPeerBuilt(opts, notes);
    for (const n of notes) log(n);

    log(`pre-loading ${opts.events.toLocaleString('en-US')} events (seed ${opts.seed}) into ${opts.partitions} partitions, folding the oracle…`);
    let lastReport = 0;
    const pre = await loader.preload(`${runPrefix}b_`, { seed: opts.seed, events: opts.events, partitions: opts.partitions }, {
      oracle: true,
      onProgress: (sent) => {
        if (sent - lastReport >= 250_000) log(`  ${(lastReport = sent).toLocaleString('en-US')} written`);
      },
    });
    const oracle = pre.oracle!;
    log(`pre-loaded ${pre.data.records.toLocaleString('en-US')} records in ${pre.seconds.toFixed(1)} s (oracle fold ${oracle.seconds.toFixed(1)} s)`);
    const shortEvents = Math.round(opts.events * opts.shortBacklog);
    const short = shortEvents > 0 ? (await loader.preload(`${runPrefix}s_`, { seed: opts.seed, events: shortEvents, partitions: opts.partitions }, { oracle: false })).data : undefined;
    if (short) log(`pre-loaded the shorter backlog: ${short.records.toLocaleString('en-US')} records`);

    const profileDir = opts.profile ? join(opts.out, 'profiles', startedAt.replace(/[:.]/g, '-')) : undefined;
    const launch = { expect: pre.data.records, partitions: opts.partitions, checkpointIntervalMs: opts.checkpointIntervalMs, classpath, workers: opts.workers };
    const rows: BenchResults['contenders'] = [];
    for (const id of contenders) {
      const spec = specOf(id);
      let shortRun: RunResult | undefined;
      if (short) {
        log(`${spec.label}: shorter backlog (${short.records.toLocaleString('en-US')} records)…`);
        shortRun = await measure({
          infra, loader, spec, id, data: short, log, mode: 'backlog', name: `${runPrefix}${id}-short`,
          launch: { ...launch, expect: short.records, timeoutMs: Math.max(120_000, shortEvents * 2) },
        }).then((r) => r.result, (e) => failedRun(spec, 'backlog', e));
        log(`  ${shortRun.error ? `failed: ${shortRun.error}` : `${shortRun.records.toLocaleString('en-US')} records in ${shortRun.seconds} s`}`);
      }
      log(`${spec.label}: backlog…`);
      let backlog: RunResult;
      try {
        backlog = (await measure({
          infra, loader, spec, id, data: pre.data, oracle, log, mode: 'backlog', name: `${runPrefix}${id}-backlog`,
          launch: { ...launch, profileDir, timeoutMs: Math.max(120_000, opts.events * 2) },
        })).result;
        if (shortRun) backlog = marginal(backlog, shortRun);
        const whole = backlog.marginal && !backlog.marginal.note ? ` (marginal over the shorter run; this run alone ${backlog.wholeRunEventsPerSec?.toLocaleString('en-US')}/s)` : '';
        log(`  ${backlog.eventsPerSec.toLocaleString('en-US')} events/s${whole}, ${backlog.records.toLocaleString('en-US')} records in ${backlog.seconds} s${drain(backlog)}; CPU ${backlog.cpu.contender.pct}%, peak RSS ${backlog.memoryMb.contenderPeak} MB${backlog.sku ? `; SKU states = oracle: ${backlog.sku.equal ? 'yes' : `no (${backlog.sku.example})`}` : ''}${lateInputs(backlog)}`);
        if (backlog.marginal?.note) notes.push(`${id}: ${backlog.marginal.note}`);
        if (backlog.profile && 'missing' in backlog.profile) notes.push(`${id}: ${backlog.profile.missing}`);
        if (PEER_IDS.includes(id)) log(`  fraud alerts (peer / oracle): ${fraudAlertsVsOracle(backlog, oracle.alertsByType)}`);
      } catch (e) {
        backlog = failedRun(spec, 'backlog', e);
        log(`  failed: ${backlog.error}`);
      }
      rows.push({ id, label: spec.label, what: spec.what, backlog });
    }

    if (opts.openLoopSeconds > 0) {
      // One offered load for every contender, so their latencies compare: half the backlog max of
      // the slowest contender that keeps state (all of them then run at ≤ 50% of what they sustain).
      // Its whole-run rate, not the marginal one: an open loop starts cold too.
      const coldRate = (r: RunResult) => r.wholeRunEventsPerSec ?? r.eventsPerSec;
      const stateful = rows.filter((r) => specOf(r.id as BenchId).skuStates && !r.backlog.error).map((r) => coldRate(r.backlog));
      const slowest = stateful.length > 0 ? Math.min(...stateful) : Math.min(...rows.filter((r) => !r.backlog.error).map((r) => coldRate(r.backlog)));
      const rate = Math.max(1, Math.round(Math.min(slowest / 2, opts.maxRate)));
      if (rate < slowest / 2) notes.push(`open loop capped at ${rate}/s (--max-rate) instead of 50% of ${slowest}/s`);
      const events = Math.max(1, Math.round(rate * opts.openLoopSeconds));
      for (const [i, row] of rows.entries()) {
        if (row.backlog.error) continue;
        const spec = specOf(row.id as BenchId);
        log(`${spec.label}: open loop at ${rate.toLocaleString('en-US')} events/s for ${opts.openLoopSeconds} s…`);
        const prefix = `${runPrefix}o${i}_`;
        const data: DataSet = { prefix, topics: await loader.createTopics(prefix, opts.partitions), records: events, byTopic: {} };
        const records = loader.prepare(data.topics, { seed: opts.seed + 1, events, partitions: opts.partitions });
        try {
          row.openLoop = (await measure({
            infra, loader, spec, id: row.id, data, log, mode: 'open-loop', name: `${runPrefix}${row.id}-open`,
            launch: { ...launch, expect: events, timeoutMs: opts.openLoopSeconds * 3_000 + 120_000 },
            openLoop: { rate, records },
          })).result;
          const l = row.openLoop.latency.durable ?? row.openLoop.latency.state;
          const waited = row.openLoop.extra?.appliedToDurable as { p50?: number; p99?: number } | undefined;
          // applied→durable: the checkpoint's share of event→durable (actorstream only).
          log(`  achieved ${row.openLoop.openLoop?.achievedRate}/s; p50 ${l?.p50} ms, p99 ${l?.p99} ms, p99.9 ${l?.p999} ms${waited ? `; applied→durable p50 ${waited.p50} ms, p99 ${waited.p99} ms` : ''}`);
          if (row.openLoop.openLoop && row.openLoop.openLoop.achievedRate < rate * 0.95) {
            notes.push(`${row.id}: the open-loop producer reached only ${row.openLoop.openLoop.achievedRate}/s of the ${rate}/s asked (it shares the CPU with the contender)`);
          }
        } catch (e) {
          row.openLoop = failedRun(spec, 'open-loop', e);
          log(`  failed: ${row.openLoop.error}`);
        }
      }
    }

    const scaling = opts.scaling ? await runScaling({ infra, loader, runPrefix, opts, log }) : undefined;
    const results: BenchResults = {
      schema: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      params: {
        events: opts.events, partitions: opts.partitions, seed: opts.seed, checkpointIntervalMs: opts.checkpointIntervalMs,
        contenders, smoke: opts.smoke, openLoopSeconds: opts.openLoopSeconds, shortBacklog: opts.shortBacklog, scaling: opts.scaling,
      },
      infra: { brokers: infra.brokers, brokerSource: infra.brokerSource },
      load: { atStart: loadAtStart, atEnd: loadavg().map((x) => round(x)) },
      preload: { records: pre.data.records, seconds: round(pre.seconds), producerRate: Math.round(pre.rate), byTopic: pre.data.byTopic },
      oracle: { seconds: round(oracle.seconds), entities: oracle.entities, alertsByType: oracle.alertsByType },
      contenders: rows,
      ratios: ratiosOf(rows),
      scaling,
      notes,
    };
    printResults(results, writeResults(opts.out, results));
    if (profileDir) console.log(`CPU profiles (Bun contenders, backlog runs): ${profileDir}`);
    return rows.some((r) => r.backlog.error) ? 1 : 0;
  } finally {
    await loader.close().catch(() => {});
    await loader.deleteTopicsWithPrefix(runPrefix).catch((e) => log(`could not delete the run's topics: ${e}`));
    await infra.close();
  }
}

/** The contenders that can run: the Kafka Streams peer is built first, or skipped with a note. */
function withPeerBuilt(opts: Options, notes: string[]): { contenders: BenchId[]; classpath?: string } {
  const without = opts.contenders.filter((c) => !PEER_IDS.includes(c));
  if (without.length === opts.contenders.length) return { contenders: opts.contenders };
  if (opts.smoke && !upToDate()) {
    notes.push('kafka-streams skipped in --smoke: the peer is not built yet (run `npm run bench` once, or `mvn -q package` in bench/peers/kafka-streams)');
    return { contenders: without };
  }
  try {
    return { contenders: opts.contenders, classpath: ensurePeerBuilt(log) };
  } catch (e) {
    notes.push(`kafka-streams skipped: ${(e as Error).message.split('\n')[0]}`);
    return { contenders: without };
  }
}

/** The results table, CPU by thread, ratios, notes and where the files went. */
function printResults(results: BenchResults, paths: { json: string; latest: string; svg: string }): void {
  console.log(markdownTable(results));
  const threads = threadCpuLines(results);
  if (threads) console.log(`\nCPU by thread (backlog run, % of one core):\n${threads}`);
  console.log('');
  for (const line of peerLines(results)) console.log(line);
  for (const [k, v] of Object.entries(results.ratios)) console.log(`${k}: ${v === null ? 'n/a' : `${v}×`}`);
  console.log(`\nIssue #19's targets in this run:\n${targetLines(results).join('\n')}\n`);
  for (const n of results.notes) console.log(`note: ${n}`);
  console.log(`results: ${paths.json} (also ${paths.latest}), chart: ${paths.svg}`);
}

function parseContenders(list: string): BenchId[] {
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of ids) {
    if (!(BENCH_IDS as readonly string[]).includes(id)) {
      console.error(`unknown contender '${id}'; choose from ${BENCH_IDS.join(', ')}`);
      process.exit(2);
    }
  }
  return ids as BenchId[];
}

/**
 * The peer's alerts of the rules it implements against the pure driver's (actorstream's rules).
 * velocity and card_testing do not depend on the order a user's payments arrive in, so equal counts
 * are evidence the Java ports apply the same thresholds and windows; amount_anomaly does (which
 * payments count as earlier), so interleaved partitions may change it.
 */
function fraudAlertsVsOracle(run: RunResult, oracle: Record<string, number>): string {
  const peer = (run.extra?.fraudAlerts ?? {}) as Record<string, number>;
  return Object.entries(peer).map(([type, n]) => `${type} ${n} / ${oracle[type] ?? 0}`).join(', ');
}

function fraction(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1) {
    console.error(`--${name} must be at least 0 and below 1, got ${String(value)}`);
    process.exit(2);
  }
  return n;
}

function positive(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number, got ${String(value)}`);
    process.exit(2);
  }
  return n;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** How a run's time splits between applying the source and draining what it started (RunResult.sourceSeconds). */
function drain(r: { seconds: number; sourceSeconds?: number }): string {
  if (r.sourceSeconds === undefined) return '';
  return ` (source applied after ${r.sourceSeconds} s, then ${Math.max(0, r.seconds - r.sourceSeconds).toFixed(3)} s draining messages between actors)`;
}

await runMain(main);
