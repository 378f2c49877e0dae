/**
 * Does the embedded default run for days? (issue #17)
 *   bun bench/soak.ts [minutes=30] [rate=2000]
 * Starts `actorstream run` on the embedded default (in-process log, PGlite, its own generator at
 * `rate` events/s) and every 10 s samples the process's RSS (/proc) and, from its /metrics, the
 * JS heap and external memory (actorstream_process_memory_bytes) and the event→durable histogram.
 * At the end it reports, over the last two thirds of the run (after warm-up), the slope and growth
 * of each memory series, and event→durable p50/p99 over that window and per minute (bucket bounds).
 * Target: RSS flat after warm-up (< 20 MB growth over the last 20 minutes of a 30-minute run),
 * event→durable p99 < 500 ms throughout.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gaugeValue, histogramBuckets, quantileBetween, slopePerSecond, type Buckets } from './soak-stats.ts';

interface Sample {
  atS: number;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  durable: Buckets;
}

const SAMPLE_MS = 10_000;
const DURABLE = 'actorstream_event_to_durable_seconds';
const minutes = Number(process.argv[2] ?? 30);
const rate = Number(process.argv[3] ?? 2000);
const port = 18000 + Math.floor(Math.random() * 1000);
const child = spawn('node_modules/.bin/bun', ['cli/main.ts', 'run'], {
  env: { ...process.env, KAFKA_BROKERS: '', DATABASE_URL: '', HTTP_PORT: String(port), GENERATOR_RATE: String(rate) },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
try {
  await until(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok === true, 120_000);
  const samples: Sample[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < minutes * 60_000) {
    const s = await sample((Date.now() - t0) / 1000);
    samples.push(s);
    console.log(`${s.atS.toFixed(0)} s: RSS ${s.rssMb.toFixed(0)} MB, heap used ${s.heapUsedMb.toFixed(0)} MB, external ${s.externalMb.toFixed(0)} MB`);
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
  }
  report(samples);
} finally {
  child.kill('SIGTERM');
}

async function sample(atS: number): Promise<Sample> {
  const rssMb = rssOf(child.pid!);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const memoryMb = (kind: string) => (gaugeValue(metrics, 'actorstream_process_memory_bytes', 'kind', kind) ?? NaN) / 2 ** 20;
  return { atS, rssMb, heapUsedMb: memoryMb('heap_used'), externalMb: memoryMb('external'), durable: histogramBuckets(metrics, DURABLE) };
}

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

function report(samples: Sample[]): void {
  const steady = samples.slice(Math.floor(samples.length / 3));
  const first = steady[0]!;
  const last = steady.at(-1)!;
  console.log(`\nafter warm-up: the last ${((last.atS - first.atS) / 60).toFixed(1)} min (from ${(first.atS / 60).toFixed(1)} min)`);
  for (const [name, of] of [['RSS', (s: Sample) => s.rssMb], ['heap used', (s: Sample) => s.heapUsedMb], ['external', (s: Sample) => s.externalMb]] as const) {
    const slope = slopePerSecond(steady.map((s) => ({ atS: s.atS, value: of(s) }))) * 60;
    console.log(`  ${name}: slope ${slope.toFixed(2)} MB/min, growth ${(of(last) - of(first)).toFixed(1)} MB, from ${of(first).toFixed(0)} to ${of(last).toFixed(0)} MB`);
  }
  console.log(`  RSS at ${[10, 20, 30].map((m) => `${m} min: ${nearest(samples, m * 60)?.rssMb.toFixed(0) ?? '-'} MB`).join(', ')}`);
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
