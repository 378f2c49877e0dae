/**
 * One measured run of a contender: launch it (one or more instances), wait until it is ready,
 * optionally produce at a fixed rate (open loop), wait for `done`, and read CPU and memory of the
 * contender, the broker and Postgres from /proc while everything is still up. `marginal` turns
 * a backlog run and a shorter one into a rate without start-up and JIT warm-up.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { LatencySummary } from '../contenders/protocol.ts';
import { spawnContender, type ContenderMessage, type ContenderProcess } from './child.ts';
import { compareSkus, type ContenderSpec, type LaunchContext } from './contenders.ts';
import type { KafkaRecord } from '../../generator/index.ts';
import type { DataSet, Loader, Oracle } from './dataset.ts';
import type { Infra } from './infra.ts';
import { cpuBetween, memoryMb, sampleCpu, threadCpuBetween, threadCpuSeconds } from './proc.ts';

export interface RunResult {
  contender: string;
  label: string;
  mode: 'backlog' | 'open-loop' | 'recover';
  instances: number;
  records: number;
  /**
   * Source records per second from the first record handled to the last one durable; for a backlog
   * with a shorter one beside it, the marginal rate between the two (`marginal`).
   */
  eventsPerSec: number;
  seconds: number;
  /**
   * Of `seconds`, how long until every source record was applied (the rest is the drain: messages
   * between actors still on their way, and the last checkpoints). Undefined when the contender does
   * not tell the two apart. Issue #19: the drain was about a third of a 300k-event backlog run.
   */
  sourceSeconds?: number;
  /** This run alone (records ÷ seconds) when `eventsPerSec` is the marginal rate: what it was before issue #19. */
  wholeRunEventsPerSec?: number;
  /** The shorter backlog run of the marginal rate; `note` says why it was not used. */
  marginal?: { shortRecords: number; shortSeconds: number; note?: string };
  /** Process start → ready (joined, able to consume). */
  startupSeconds: number;
  /** The whole run as the harness saw it: spawn → stopped. */
  wallSeconds?: number;
  latency: { state?: LatencySummary; durable?: LatencySummary };
  cpu: { contender: CpuUse; broker?: CpuUse; postgres?: CpuUse; threads?: ThreadCpu };
  memoryMb: { contenderPeak: number; contenderRss: number; contenderRssAtReady: number; brokerRss?: number };
  openLoop?: { targetRate: number; achievedRate: number; produced: number };
  sku?: { equal: boolean; differing: number; total: number; example?: string };
  extra?: Record<string, unknown>;
  /** --profile: the CPU profile files the contender wrote at exit, or why there are none. */
  profile?: { files: string[] } | { missing: string };
  error?: string;
}

interface CpuUse {
  seconds: number;
  pct: number;
}

/** CPU % of one core per thread group of the (first) contender process: main, each shard worker, JIT, GC, … */
export type ThreadCpu = { name: string; pct: number }[];

export interface RunOptions {
  infra: Infra;
  loader: Loader;
  spec: ContenderSpec;
  data: DataSet;
  /** Launch settings shared by the instances (name, workDir and db are filled here). */
  launch: Omit<LaunchContext, 'name' | 'workDir' | 'db' | 'data' | 'brokers'>;
  name: string;
  mode: 'backlog' | 'open-loop';
  instances?: number;
  /** Open loop: produce `records` at `rate` per second once ready (Loader.prepare). */
  openLoop?: { rate: number; records: readonly KafkaRecord[] };
  oracle?: Oracle;
  log: (line: string) => void;
  /** Keep the database (and return its handle) instead of dropping it: for a recovery run that follows. */
  keep?: boolean;
  /** The id the result is reported under, when the spec is a variant (the peer with 2 stream threads). */
  id?: string;
}

export interface KeptRun {
  result: RunResult;
  /** Live instances and the database, when `keep` was set: the caller kills and drops them. */
  children: ContenderProcess[];
  ctx: LaunchContext;
}

export async function measure(opts: RunOptions): Promise<KeptRun> {
  const { infra, spec } = opts;
  const instances = opts.instances ?? 1;
  const db = spec.usesPostgres ? await infra.createDatabase(opts.name.slice(-20)) : undefined;
  const workDir = join(tmpdir(), `actorstream-bench-${opts.name}`);
  const ctx: LaunchContext = { ...opts.launch, brokers: infra.brokers, data: opts.data, name: opts.name, workDir, db };
  const children: ContenderProcess[] = [];
  const spawnedAt = Date.now();
  let brokerRssMax = 0;
  const sampler = setInterval(() => {
    if (infra.brokerPid) brokerRssMax = Math.max(brokerRssMax, memoryMb(infra.brokerPid)?.rss ?? 0);
  }, 500);
  try {
    for (let i = 0; i < instances; i++) {
      // Several instances share the input: each reports once everything is durable (expect 0 = no
      // per-instance count), and the run counts the data set's records once.
      const launch = spec.launch({ ...ctx, expect: instances > 1 ? 0 : ctx.expect, ownerId: `${opts.name}-${i}` });
      children.push(spawnContender(launch.cmd, launch.args, launch.env, { echo: Boolean(process.env.BENCH_ECHO) }));
    }
    const readies = await Promise.all(children.map((c) => c.waitFor('ready', 180_000)));
    const readyAt = Math.max(...readies.map((m) => Number(m.atMs)));
    const rssAtReady = children.reduce((n, c) => n + (memoryMb(c.pid)?.rss ?? 0), 0);
    let pgPids = db ? await infra.postgresPids(db.name) : [];
    let producing: Promise<{ sent: number; seconds: number; rate: number }> | undefined;
    if (opts.openLoop) await sleep(1_000); // let every shard be acquired before the clock starts
    const before = samples();
    if (opts.openLoop) producing = opts.loader.produceAtRate(opts.openLoop.records, opts.openLoop.rate);
    const dones = await Promise.all(children.map((c) => c.waitFor('done', ctx.timeoutMs + 60_000)));
    const produced = await producing;
    pgPids = [...new Set([...pgPids, ...(db ? await infra.postgresPids(db.name) : [])])];
    const after = samples();
    const mem = children.map((c) => memoryMb(c.pid) ?? { rss: 0, peak: 0 });
    if (infra.brokerPid) brokerRssMax = Math.max(brokerRssMax, memoryMb(infra.brokerPid)?.rss ?? 0);

    const first = Math.min(...dones.map((d) => Number(d.firstAtMs)).filter((t) => t > 0));
    const durable = Math.max(...dones.map((d) => Number(d.durableAtMs ?? d.processedAtMs)));
    const records = instances > 1 ? ctx.expect : Number(dones[0]!.records ?? dones[0]!.sourceRecords ?? 0);
    const seconds = (durable - first) / 1000;
    const processed = Math.max(...dones.map((d) => Number(d.processedAtMs)));
    const sourceSeconds = dones.every((d) => d.durableAtMs !== undefined && Number(d.processedAtMs) > 0) ? round((processed - first) / 1000, 3) : undefined;
    const result: RunResult = {
      contender: opts.id ?? spec.id,
      label: spec.label,
      mode: opts.mode,
      instances,
      records,
      eventsPerSec: Math.round(records / Math.max(seconds, 0.001)),
      seconds: round(seconds, 3),
      ...(sourceSeconds !== undefined ? { sourceSeconds } : {}),
      startupSeconds: round((readyAt - spawnedAt) / 1000, 2),
      latency: (dones[0]!.latency ?? {}) as RunResult['latency'],
      cpu: {
        contender: cpuBetween(before.contender, after.contender),
        broker: infra.brokerPid ? cpuBetween(before.broker, after.broker) : undefined,
        postgres: db && infra.postmasterPid ? cpuBetween(before.postgres, after.postgres) : undefined,
        threads: threadCpuBetween(before.threads, after.threads, after.contender.atMs - before.contender.atMs),
      },
      memoryMb: {
        contenderPeak: round(mem.reduce((n, m) => n + m.peak, 0), 1),
        contenderRss: round(mem.reduce((n, m) => n + m.rss, 0), 1),
        contenderRssAtReady: round(rssAtReady, 1),
        brokerRss: infra.brokerPid ? round(brokerRssMax, 1) : undefined,
      },
      openLoop: opts.openLoop && produced ? { targetRate: opts.openLoop.rate, achievedRate: Math.round(produced.rate), produced: produced.sent } : undefined,
      extra: extraOf(dones),
    };
    if (spec.skuStates && opts.oracle) result.sku = compareSkus(await spec.skuStates(ctx), opts.oracle.skus);
    // Everything is measured and durable: a graceful stop only costs time (group leave, session
    // close), so give each instance 2 s before SIGKILL — unless it is profiled: Bun writes the
    // profile at exit, and a SIGKILL during a slow shutdown loses it.
    if (!opts.keep) await Promise.all(children.map((c) => c.stop(ctx.profileDir ? PROFILED_STOP_GRACE_MS : 2_000)));
    if (ctx.profileDir && !opts.keep) result.profile = profileOf(ctx.profileDir, opts.name);
    result.wallSeconds = round((Date.now() - spawnedAt) / 1000, 2);
    return { result, children, ctx };

    function samples() {
      return {
        contender: sampleCpu(children.map((c) => c.pid)),
        broker: sampleCpu(infra.brokerPid ? [infra.brokerPid] : []),
        postgres: sampleCpu(pgPids),
        threads: threadCpuSeconds(children[0]!.pid),
      };
    }
  } catch (e) {
    await Promise.all(children.map((c) => c.kill()));
    throw e;
  } finally {
    clearInterval(sampler);
    if (!opts.keep) {
      await db?.drop().catch((e) => opts.log(`could not drop ${db.name}: ${e}`));
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}

/** A profiled contender's stop may flush a large profile after a slow shutdown; this bounds a hang. */
const PROFILED_STOP_GRACE_MS = 60_000;

/** The profile files of launch `name` (Bun's --cpu-prof-name, .cpuprofile and .md). */
function profileOf(dir: string, name: string): RunResult['profile'] {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(name)) : [];
  return files.length > 0 ? { files } : { missing: `no profile named ${name}* in ${dir} (did the contender exit normally?)` };
}

/**
 * `full` with its events/s replaced by the marginal rate over `short`, a backlog of fewer events
 * of the same generator run just before it by the same contender: (N − n) ÷ (T(N) − T(n)). Process
 * start-up, JIT warm-up (JVM C1/C2, JSC, V8) and the final drain cost both runs about the same and
 * cancel, while each run is still a whole backlog with the generator's mix of topics. Cutting one
 * run after its first X% of records would not be: Kafka Streams commits transaction_events well
 * ahead of user_events, so its last records are mostly the cheap ones (bench/README.md).
 */
export function marginal(full: RunResult, short: RunResult): RunResult {
  const dn = full.records - short.records;
  const dt = full.seconds - short.seconds;
  const base = { ...full, wholeRunEventsPerSec: full.eventsPerSec };
  const shortRun = { shortRecords: short.records, shortSeconds: short.seconds };
  if (short.error || dn <= 0 || dt <= 0) {
    const why = short.error ? `the shorter run failed (${short.error.split('\n')[0]})` : `the shorter run took ${short.seconds} s of ${full.seconds} s`;
    return { ...base, marginal: { ...shortRun, note: `${why}: whole run measured` } };
  }
  return { ...base, eventsPerSec: Math.round(dn / dt), marginal: shortRun };
}

/** A failed run as a result row, so one contender's failure does not lose the others' numbers. */
export function failedRun(spec: ContenderSpec, mode: RunResult['mode'], error: unknown): RunResult {
  return {
    contender: spec.id, label: spec.label, mode, instances: 1, records: 0, eventsPerSec: 0, seconds: 0, startupSeconds: 0,
    latency: {}, cpu: { contender: { seconds: 0, pct: 0 } }, memoryMb: { contenderPeak: 0, contenderRss: 0, contenderRssAtReady: 0 },
    error: (error as Error).message.split('\n').slice(0, 12).join('\n'),
  };
}

function extraOf(dones: ContenderMessage[]): Record<string, unknown> | undefined {
  if (dones.length === 1) {
    const { event: _e, latency: _l, records: _r, startedAtMs: _s, firstAtMs: _f, processedAtMs: _p, durableAtMs: _d, extra, ...rest } = dones[0]!;
    const merged = { ...(extra as Record<string, unknown> | undefined), ...rest };
    return Object.keys(merged).length ? merged : undefined;
  }
  return { perInstance: dones.map((d) => ({ records: d.records, firstAtMs: d.firstAtMs, durableAtMs: d.durableAtMs, latency: d.latency })) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
