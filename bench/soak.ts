/**
 * Does the embedded default run for days? (issue #17)
 *   bun bench/soak.ts [minutes=30] [rate=2000]
 * Starts `actorstream run` on the embedded default (in-process log, PGlite, its own generator at
 * `rate` events/s), samples the process's RSS every 10 s, and at the end reports the RSS slope over
 * the last two thirds of the run (after warm-up), its growth over that window, and event→durable
 * quantiles from the instance's own /metrics histogram. Target: RSS flat after warm-up (< 20 MB
 * growth over the last 20 minutes of a 30-minute run), event→durable p99 < 500 ms.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
  const samples: { atS: number; rssMb: number }[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < minutes * 60_000) {
    samples.push({ atS: (Date.now() - t0) / 1000, rssMb: rssMb(child.pid!) });
    console.log(`${samples.at(-1)!.atS.toFixed(0)} s: RSS ${samples.at(-1)!.rssMb.toFixed(0)} MB`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
  const metrics = await (await fetch(`${base}/metrics`)).text();
  report(samples, metrics);
} finally {
  child.kill('SIGTERM');
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

function report(samples: { atS: number; rssMb: number }[], metrics: string): void {
  const steady = samples.slice(Math.floor(samples.length / 3));
  const n = steady.length;
  const mx = steady.reduce((s, p) => s + p.atS, 0) / n;
  const my = steady.reduce((s, p) => s + p.rssMb, 0) / n;
  const slope = steady.reduce((s, p) => s + (p.atS - mx) * (p.rssMb - my), 0) / steady.reduce((s, p) => s + (p.atS - mx) ** 2, 0);
  const growth = steady.at(-1)!.rssMb - steady[0]!.rssMb;
  console.log(`RSS after warm-up (last ${((steady.at(-1)!.atS - steady[0]!.atS) / 60).toFixed(1)} min): slope ${(slope * 60).toFixed(2)} MB/min, growth ${growth.toFixed(1)} MB, from ${steady[0]!.rssMb.toFixed(0)} to ${steady.at(-1)!.rssMb.toFixed(0)} MB`);
  console.log(`event→durable: p50 ${quantile(metrics, 0.5)}, p99 ${quantile(metrics, 0.99)} (histogram bucket bounds)`);
}

/** The upper bound of the histogram bucket holding quantile `q` of actorstream_event_to_durable_seconds. */
function quantile(metrics: string, q: number): string {
  const buckets = [...metrics.matchAll(/^actorstream_event_to_durable_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)].map((m) => ({ le: m[1]!, count: Number(m[2]) }));
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return 'no samples';
  const hit = buckets.find((b) => b.count >= q * total)!;
  return hit.le === '+Inf' ? `> ${buckets.at(-2)!.le} s` : `≤ ${hit.le} s`;
}

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await cond()); ) {
    if (Date.now() > end) throw new Error('the instance did not become ready');
    await new Promise((r) => setTimeout(r, 500));
  }
}
