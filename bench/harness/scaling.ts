/**
 * `--scaling`: how actorstream (on Bun) behaves as it grows.
 * - entities: memory after folding 100k and 1M distinct entities (half users with a login, half
 *   SKUs with stock), then recovery: SIGKILL, start a new instance, time until every shard is
 *   restored from Postgres, and its memory then;
 * - checkpoint interval 100 ms … 5 s: backlog throughput, checkpoint count and duration, Postgres
 *   CPU, and event→durable latency in an open loop at a fixed rate;
 * - 1 vs 2 processor instances in one group on the same backlog.
 */
import { writeRecords, type KafkaRecord } from '../../generator/index.ts';
import type { DomainEvent } from '../../schemas/index.ts';
import { spawnContender } from './child.ts';
import { CONTENDERS } from './contenders.ts';
import type { DataSet, Loader } from './dataset.ts';
import type { Infra } from './infra.ts';
import { memoryMb } from './proc.ts';
import { failedRun, measure, type RunResult } from './runner.ts';

export interface ScalingOptions {
  infra: Infra;
  loader: Loader;
  runPrefix: string;
  opts: { events: number; partitions: number; seed: number; checkpointIntervalMs: number; smoke: boolean; maxRate: number };
  log: (line: string) => void;
}

export const ENTITY_COUNTS = [100_000, 1_000_000];
export const INTERVALS_MS = [100, 200, 500, 1_000, 2_000, 5_000];

export async function runScaling(s: ScalingOptions): Promise<Record<string, unknown>> {
  const entityCounts = s.opts.smoke ? [2_000] : ENTITY_COUNTS;
  const intervals = s.opts.smoke ? [100, 1_000] : INTERVALS_MS;
  const sweepEvents = s.opts.smoke ? s.opts.events : Math.min(s.opts.events, 300_000);
  const entities = [];
  for (const n of entityCounts) entities.push(await entitiesRun(s, n));

  s.log(`scaling: checkpoint interval sweep and instances on ${sweepEvents.toLocaleString('en-US')} generated events`);
  const sweep = await s.loader.preload(`${s.runPrefix}c_`, { seed: s.opts.seed, events: sweepEvents, partitions: s.opts.partitions }, { oracle: false });
  const intervalsOut = [];
  let openRate = 0;
  for (const interval of intervals) {
    const backlog = await attempt(() => run(s, sweep.data, `ckpt${interval}`, { checkpointIntervalMs: interval }));
    // One open-loop rate for the whole sweep: half of what the first interval sustained.
    openRate ||= Math.max(1, Math.round(Math.min((backlog.eventsPerSec || 1_000) / 2, s.opts.maxRate)));
    const seconds = s.opts.smoke ? 3 : 15;
    const events = openRate * seconds;
    const prefix = `${s.runPrefix}ck${interval}_`;
    const data: DataSet = { prefix, topics: await s.loader.createTopics(prefix, s.opts.partitions), records: events, byTopic: {} };
    const open = await attempt(() =>
      run(s, data, `ckpt${interval}-open`, { checkpointIntervalMs: interval, expect: events }, {
        rate: openRate,
        records: s.loader.prepare(data.topics, { seed: s.opts.seed + 2, events, partitions: s.opts.partitions }),
      }),
    );
    const ck = (backlog.extra?.checkpoints ?? {}) as { count?: number; totalMs?: number; maxMs?: number };
    intervalsOut.push({
      intervalMs: interval,
      eventsPerSec: backlog.eventsPerSec,
      checkpoints: ck.count,
      meanCheckpointMs: ck.count ? Math.round((ck.totalMs! / ck.count) * 10) / 10 : undefined,
      maxCheckpointMs: ck.maxMs === undefined ? undefined : Math.round(ck.maxMs),
      cpuPct: { processor: backlog.cpu.contender.pct, postgres: backlog.cpu.postgres?.pct },
      openLoop: { rate: openRate, durable: open.latency.durable, state: open.latency.state },
      error: backlog.error ?? open.error,
    });
    s.log(`  interval ${interval} ms: ${backlog.eventsPerSec}/s, ${ck.count} checkpoints; open loop durable p99 ${open.latency.durable?.p99} ms`);
  }

  const instances = [];
  for (const n of [1, 2]) {
    const r = await attempt(() => run(s, sweep.data, `inst${n}`, {}, undefined, n));
    instances.push({ instances: n, eventsPerSec: r.eventsPerSec, cpuPct: r.cpu.contender.pct, peakRssMb: r.memoryMb.contenderPeak, error: r.error });
    s.log(`  ${n} instance(s): ${r.eventsPerSec}/s, CPU ${r.cpu.contender.pct}%`);
  }
  return { entities, checkpointIntervals: intervalsOut, instances, sweepEvents: sweep.data.records };
}

/** Folds `n` distinct entities, then SIGKILLs the processor and times a new one's restore. */
async function entitiesRun(s: ScalingOptions, n: number) {
  s.log(`scaling: ${n.toLocaleString('en-US')} entities…`);
  const prefix = `${s.runPrefix}e${n}_`;
  const topics = await s.loader.createTopics(prefix, s.opts.partitions);
  const records = entityEvents(n, topics.source.user_events, topics.source.inventory_events);
  await writeRecords(await s.loader.sink(), records, { batchSize: 5_000 });
  const data: DataSet = { prefix, topics, records: n, byTopic: {} };
  const spec = CONTENDERS['actorstream-bun'];
  const name = `${s.runPrefix}ent${n}`;
  let kept;
  try {
    kept = await measure({
      infra: s.infra, loader: s.loader, spec, data, log: s.log, mode: 'backlog', name, keep: true,
      launch: { expect: n, partitions: s.opts.partitions, checkpointIntervalMs: s.opts.checkpointIntervalMs, timeoutMs: Math.max(300_000, n * 3) },
    });
  } catch (e) {
    return { entities: n, error: (e as Error).message.split('\n')[0] };
  }
  const folded = kept.result;
  try {
    await Promise.all(kept.children.map((c) => c.kill()));
    const t0 = Date.now();
    const launch = spec.launch({ ...kept.ctx, mode: 'recover', ownerId: `${name}-recovered` });
    const child = spawnContender(launch.cmd, launch.args, launch.env);
    try {
      const done = await child.waitFor('done', 600_000);
      const extra = done.extra as { restoredAtMs: number; joinedAtMs: number; entities: number; shards: number };
      const mem = memoryMb(child.pid);
      const result = {
        entities: n,
        eventsPerSec: folded.eventsPerSec,
        peakRssMbWhileFolding: folded.memoryMb.contenderPeak,
        rssMbAtReady: folded.memoryMb.contenderRssAtReady,
        rssMbAfterFold: folded.memoryMb.contenderRss,
        // RSS growth over the idle processor, per entity: an upper bound (allocator slack, garbage).
        rssBytesPerEntity: Math.round(((folded.memoryMb.contenderRss - folded.memoryMb.contenderRssAtReady) * 2 ** 20) / n),
        recovery: {
          secondsToRestored: (extra.restoredAtMs - t0) / 1000,
          secondsJoinToRestored: (extra.restoredAtMs - extra.joinedAtMs) / 1000,
          shards: extra.shards,
          entitiesInPostgres: extra.entities,
          rssMbAfterRestore: mem?.rss,
        },
      };
      s.log(`  ${n} entities: ${folded.memoryMb.contenderRss} MB after folding; restored in ${result.recovery.secondsToRestored} s from process start, ${mem?.rss.toFixed(0)} MB`);
      return result;
    } finally {
      await child.stop();
    }
  } finally {
    await kept.ctx.db?.drop().catch(() => {});
  }
}

async function run(
  s: ScalingOptions,
  data: DataSet,
  label: string,
  launch: { checkpointIntervalMs?: number; expect?: number },
  openLoop?: { rate: number; records: readonly KafkaRecord[] },
  instances = 1,
): Promise<RunResult> {
  const spec = CONTENDERS['actorstream-bun'];
  return (
    await measure({
      infra: s.infra, loader: s.loader, spec, data, log: s.log, mode: openLoop ? 'open-loop' : 'backlog', name: `${s.runPrefix}${label}`, instances, openLoop,
      launch: {
        expect: launch.expect ?? data.records,
        partitions: s.opts.partitions,
        checkpointIntervalMs: launch.checkpointIntervalMs ?? s.opts.checkpointIntervalMs,
        timeoutMs: Math.max(300_000, data.records * 3),
      },
    })
  ).result;
}

async function attempt(fn: () => Promise<RunResult>): Promise<RunResult> {
  try {
    return await fn();
  } catch (e) {
    return failedRun(CONTENDERS['actorstream-bun'], 'backlog', e);
  }
}

/** n/2 users with one login each and n/2 SKUs with one stock receipt each: n entities with state. */
function* entityEvents(n: number, userTopic: string, inventoryTopic: string): Generator<KafkaRecord> {
  const ts0 = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    const ts = ts0 + i;
    const e: DomainEvent =
      i % 2 === 0
        ? { id: `se-${i}`, type: 'login_succeeded', v: 1, ts, data: { userId: `su-${i}`, country: 'DE', ip: `10.0.${(i >> 8) & 255}.${i & 255}`, deviceId: `d-${i}` } }
        : { id: `se-${i}`, type: 'stock_received', v: 1, ts, data: { sku: `ss-${i}`, qty: 10 } };
    const key = i % 2 === 0 ? `su-${i}` : `ss-${i}`;
    yield { topic: i % 2 === 0 ? userTopic : inventoryTopic, key, value: JSON.stringify(e) };
  }
}
