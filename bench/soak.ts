/**
 * Does the embedded default run for days? (issue #17)
 *   bun bench/soak.ts [minutes=30] [rate=2000]
 * Starts `actorstream run` on the embedded default (in-process log, PGlite, its own generator at
 * `rate` events/s) and every 10 s samples the process's RSS (/proc) and, from its /metrics, the
 * JS heap and external memory (actorstream_process_memory_bytes) and the event→durable histogram.
 * At the end it reports, over the last 20 minutes (or two thirds of a shorter run: after warm-up),
 * the slope and growth of each memory series (RSS, its anonymous and file-backed parts, JS heap) (first to last sample, and between the first and last minute's medians),
 * the entities in memory, the PGlite data dir's size on disk, and event→durable p50/p99 over that
 * window and per minute (bucket bounds), and the mappings whose resident size changed most over that
 * window (/proc/<pid>/smaps: one growing arena or spread out). Extra environment (EMBEDDED_DATA_DIR, PIPELINE_CONFIG)
 * passes through to the instance.
 * Target: RSS flat after warm-up (< 20 MB growth over the last 20 minutes of a 30-minute run),
 * event→durable p99 < 500 ms throughout.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { largestChanges, mappingsOf, residentOf } from './proc-memory.ts';
import { gaugeValue, histogramBuckets, medianGrowth, quantileBetween, slopePerSecond, type Buckets } from './soak-stats.ts';

interface Sample {
  atS: number;
  rssMb: number;
  /** Of the RSS: anonymous (heaps, allocator, WASM) and file-backed pages. */
  anonMb: number;
  fileMb: number;
  heapUsedMb: number;
  externalMb: number;
  durable: Buckets;
  /** Entities in memory per actor type (actorstream_actors_in_memory). */
  entities: Record<string, number>;
  /** Size of the instance's PGlite data dir (embedded-database.ts puts it under the OS temp dir); undefined in memory. */
  dataDirMb: number | undefined;
}

const SAMPLE_MS = 10_000;
const DURABLE = 'actorstream_event_to_durable_seconds';
const minutes = Number(process.argv[2] ?? 30);
const rate = Number(process.argv[3] ?? 2000);
/** The steady window: the last 20 minutes, or the last two thirds of a shorter run. */
const steadyFromS = Math.max(minutes / 3, minutes - 20) * 60;
const port = 18000 + Math.floor(Math.random() * 1000);
const child = spawn('node_modules/.bin/bun', ['cli/main.ts', 'run'], {
  env: { ...process.env, KAFKA_BROKERS: '', DATABASE_URL: '', HTTP_PORT: String(port), GENERATOR_RATE: String(rate) },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
// The instance must not outlive the soak, however the soak ends.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    child.kill('SIGTERM');
    process.exit(1);
  });
}
try {
  await until(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok === true, 120_000);
  const samples: Sample[] = [];
  const t0 = Date.now();
  // Resident size per mapping when the steady window starts and at the end: where RSS grew.
  let mappingsAtSteady: Map<string, number> | undefined;
  while (Date.now() - t0 < minutes * 60_000) {
    const s = await sample((Date.now() - t0) / 1000);
    samples.push(s);
    if (!mappingsAtSteady && s.atS >= steadyFromS) mappingsAtSteady = mappingsOf(child.pid!);
    const entities = Object.values(s.entities).reduce((a, b) => a + b, 0);
    const disk = s.dataDirMb === undefined ? '' : `, data dir ${s.dataDirMb.toFixed(0)} MB`;
    console.log(`${s.atS.toFixed(0)} s: RSS ${s.rssMb.toFixed(0)} MB (anon ${s.anonMb.toFixed(0)}, file ${s.fileMb.toFixed(0)}), heap used ${s.heapUsedMb.toFixed(0)} MB, external ${s.externalMb.toFixed(0)} MB, ${entities} entities${disk}`);
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
  }
  report(samples);
  if (mappingsAtSteady) {
    console.log('resident size per mapping, largest changes over the steady window:');
    for (const c of largestChanges(mappingsAtSteady, mappingsOf(child.pid!), 8)) console.log(`  ${c.mb >= 0 ? '+' : ''}${c.mb.toFixed(1)} MB  ${c.mapping}`);
  }
} finally {
  child.kill('SIGTERM');
}

async function sample(atS: number): Promise<Sample> {
  const resident = residentOf(child.pid!);
  const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  const memoryMb = (kind: string) => (gaugeValue(metrics, 'actorstream_process_memory_bytes', 'kind', kind) ?? NaN) / 2 ** 20;
  const entities = Object.fromEntries([...metrics.matchAll(/^actorstream_actors_in_memory\{actor="([^"]+)"\} (\S+)/gm)].map((m) => [m[1]!, Number(m[2])]));
  return { atS, rssMb: resident.rss, anonMb: resident.anon, fileMb: resident.file, heapUsedMb: memoryMb('heap_used'), externalMb: memoryMb('external'), durable: histogramBuckets(metrics, DURABLE), entities, dataDirMb: dataDirMb(child.pid!) };
}

/** `du` of the child's scratch PGlite directory (`actorstream-pglite-<pid>-*` in the temp dir). */
function dataDirMb(pid: number): number | undefined {
  const dir = readdirSync(tmpdir()).find((n) => n.startsWith(`actorstream-pglite-${pid}-`));
  if (!dir) return undefined;
  try {
    return Number(execFileSync('du', ['-sk', join(tmpdir(), dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/)[0]) / 1024;
  } catch (e) {
    // du exits 1 when a file it listed is gone before it is measured (WAL segments are recycled): its total still stands.
    const out = (e as { stdout?: string }).stdout;
    return out ? Number(out.split(/\s+/)[0]) / 1024 : undefined;
  }
}

function report(samples: Sample[]): void {
  const steady = samples.filter((s) => s.atS >= steadyFromS);
  const first = steady[0]!;
  const last = steady.at(-1)!;
  console.log(`\nafter warm-up: the last ${((last.atS - first.atS) / 60).toFixed(1)} min (from ${(first.atS / 60).toFixed(1)} min)`);
  for (const [name, of] of [['RSS', (s: Sample) => s.rssMb], ['RSS anon', (s: Sample) => s.anonMb], ['RSS file', (s: Sample) => s.fileMb], ['heap used', (s: Sample) => s.heapUsedMb], ['external', (s: Sample) => s.externalMb]] as const) {
    const slope = slopePerSecond(steady.map((s) => ({ atS: s.atS, value: of(s) }))) * 60;
    const minuteMedians = medianGrowth(steady.map((s) => ({ atS: s.atS, value: of(s) })), 60);
    console.log(
      `  ${name}: slope ${slope.toFixed(2)} MB/min, growth ${(of(last) - of(first)).toFixed(1)} MB (first to last sample; ` +
        `${minuteMedians.toFixed(1)} MB between the first and last minute's medians), from ${of(first).toFixed(0)} to ${of(last).toFixed(0)} MB`,
    );
  }
  const marks = [10, 20, 30, 40].filter((m) => m <= minutes);
  console.log(`  RSS at ${marks.map((m) => `${m} min: ${nearest(samples, m * 60)?.rssMb.toFixed(0) ?? '-'} MB`).join(', ')}`);
  console.log(`  entities in memory at ${marks.map((m) => `${m} min: ${JSON.stringify(nearest(samples, m * 60)?.entities ?? {})}`).join(', ')}`);
  const disk = steady.filter((s) => s.dataDirMb !== undefined);
  if (disk.length > 1) {
    const perMin = slopePerSecond(disk.map((s) => ({ atS: s.atS, value: s.dataDirMb! }))) * 60;
    console.log(`  PGlite data dir: ${disk[0]!.dataDirMb!.toFixed(0)} → ${disk.at(-1)!.dataDirMb!.toFixed(0)} MB on disk (${perMin.toFixed(2)} MB/min)`);
  } else console.log('  PGlite data dir: in memory');
  const q = (from: Sample, to: Sample, p: number) => seconds(quantileBetween(from.durable, to.durable, p));
  console.log(`event→durable after warm-up: p50 ${q(first, last, 0.5)}, p99 ${q(first, last, 0.99)}; whole run p99 ${q(samples[0]!, last, 0.99)}`);
  const perMinute = minuteWindows(samples).map(([a, b]) => quantileBetween(a.durable, b.durable, 0.99) ?? 0);
  console.log(`event→durable p99 per minute: worst ${seconds(Math.max(...perMinute))}; ${perMinute.map((p) => (p === Infinity ? 'inf' : p)).join(' ')}`);
}

/** Consecutive one-minute windows (pairs of samples 60 s apart). */
function minuteWindows(samples: Sample[]): [Sample, Sample][] {
  const perMinute = 60_000 / SAMPLE_MS;
  const out: [Sample, Sample][] = [];
  for (let i = perMinute; i < samples.length; i += perMinute) out.push([samples[i - perMinute]!, samples[i]!]);
  return out;
}

function nearest(samples: Sample[], atS: number): Sample | undefined {
  const s = samples.reduce((a, b) => (Math.abs(b.atS - atS) < Math.abs(a.atS - atS) ? b : a));
  return Math.abs(s.atS - atS) <= SAMPLE_MS ? s : undefined;
}

function seconds(upper: number | undefined): string {
  if (upper === undefined) return 'no samples';
  return upper === Infinity ? '> 30 s' : `≤ ${upper * 1000} ms`;
}

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await cond()); ) {
    if (Date.now() > end) throw new Error('the instance did not become ready');
    await new Promise((r) => setTimeout(r, 500));
  }
}
