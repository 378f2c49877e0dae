/**
 * The results of a run: JSON (bench/results/<timestamp>.json and latest.json), a markdown table
 * for the terminal and bench/README.md, and an SVG bar chart drawn from the numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LatencySummary } from '../contenders/protocol.ts';
import type { Machine } from './machine.ts';
import type { RunResult } from './runner.ts';

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  params: {
    events: number;
    partitions: number;
    seed: number;
    checkpointIntervalMs: number;
    contenders: string[];
    smoke: boolean;
    openLoopSeconds: number;
    /** Events of the shorter backlog run as a share of `events` (RunResult.marginal); 0: none. */
    shortBacklog: number;
    scaling: boolean;
  };
  infra: { brokers: string[]; brokerSource: string };
  /** 1/5/15-minute load averages when the run started and ended: other work on the machine skews results. */
  load: { atStart: number[]; atEnd: number[] };
  preload: { records: number; seconds: number; producerRate: number; byTopic: Record<string, number> };
  oracle: { seconds: number; entities: Record<string, number>; alertsByType: Record<string, number> };
  /** One row per contender: its backlog run and its open-loop run. */
  contenders: { id: string; label: string; what: string; backlog: RunResult; openLoop?: RunResult }[];
  ratios: Record<string, number | null>;
  scaling?: Record<string, unknown>;
  notes: string[];
}

/** The peer's runs by stream threads (kafka-streams = 1, kafka-streams-<n>t = n). */
const PEER_RUNS = /^kafka-streams(?:-(\d+)t)?$/;

/**
 * Ours over each reference, by backlog events/s. `kafka-streams` is the peer at its better thread
 * setting among those run (issue #19: compare with what a Kafka Streams user would tune to).
 */
export function ratiosOf(results: BenchResults['contenders']): Record<string, number | null> {
  const rate = (id: string) => {
    const r = results.find((c) => c.id === id)?.backlog;
    return r && !r.error && r.eventsPerSec > 0 ? r.eventsPerSec : undefined;
  };
  const out: Record<string, number | null> = {};
  for (const ours of ['actorstream-bun', 'actorstream-deno']) {
    for (const ref of ['kafka-streams', 'raw-kafkajs', 'raw-platformatic', 'naive']) {
      const a = rate(ours);
      const b = ref === 'kafka-streams' ? bestPeer(results)?.eventsPerSec : rate(ref);
      const refRan = ref === 'kafka-streams' ? results.some((c) => PEER_RUNS.test(c.id)) : results.some((c) => c.id === ref);
      if (!results.some((c) => c.id === ours) || !refRan) continue;
      out[`${ours}/${ref}`] = a !== undefined && b !== undefined ? Math.round((a / b) * 1000) / 1000 : null;
    }
  }
  return out;
}

/** The fastest successful backlog run of the peer, any thread setting. */
export function bestPeer(results: BenchResults['contenders']): { id: string; eventsPerSec: number } | undefined {
  const runs = results.filter((c) => PEER_RUNS.test(c.id) && !c.backlog.error && c.backlog.eventsPerSec > 0);
  const best = runs.sort((a, b) => b.backlog.eventsPerSec - a.backlog.eventsPerSec)[0];
  return best && { id: best.id, eventsPerSec: best.backlog.eventsPerSec };
}

/** Which peer run the ratios use, when more than one thread setting ran. */
export function peerLines(results: BenchResults): string[] {
  const runs = results.contenders.filter((c) => PEER_RUNS.test(c.id) && !c.backlog.error);
  const best = bestPeer(results.contenders);
  if (runs.length < 2 || !best) return [];
  const threads = (id: string) => Number(PEER_RUNS.exec(id)?.[1] ?? 1);
  const named = (id: string) => `${threads(id)} thread${threads(id) > 1 ? 's' : ''}`;
  const each = runs.map((c) => `${named(c.id)} ${c.backlog.eventsPerSec.toLocaleString('en-US')}/s`).join(', ');
  return [`kafka-streams in the ratios: ${named(best.id)}, the better of ${each}`];
}

export function markdownTable(results: BenchResults): string {
  const raw = results.contenders.find((c) => c.id === 'raw-kafkajs')?.backlog.eventsPerSec;
  const header = [
    'contender', 'backlog events/s', '× raw kafkajs', 'CPU % proc / broker / PG', 'peak RSS MB',
    'open-loop rate/s', 'event→state ms p50 / p99 / p99.9', 'event→durable ms p50 / p99 / p99.9', 'SKU states = oracle',
  ];
  const rows = results.contenders.map(({ label, backlog: b, openLoop: o }) => {
    if (b.error) return [label, `failed: ${b.error.split('\n')[0]}`, '', '', '', '', '', '', ''];
    const cpu = [b.cpu.contender.pct, b.cpu.broker?.pct, b.cpu.postgres?.pct].map((x) => (x === undefined ? '–' : x.toFixed(0))).join(' / ');
    return [
      label,
      b.eventsPerSec.toLocaleString('en-US'),
      raw ? (b.eventsPerSec / raw).toFixed(2) : '–',
      cpu,
      b.memoryMb.contenderPeak.toFixed(0),
      o ? (o.error ? 'failed' : `${o.openLoop?.achievedRate.toLocaleString('en-US')}`) : '–',
      o && !o.error ? percentiles(o.latency.state) : '–',
      o && !o.error ? percentiles(o.latency.durable) : '–',
      `${b.sku ? (b.sku.equal ? `yes (${b.sku.total})` : `no: ${b.sku.differing}/${b.sku.total} differ`) : 'n/a'}${lateInputs(b)}`,
    ];
  });
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/**
 * CPU of each contender's threads during its backlog run, % of one core (DEVELOPERS.md: measure
 * per-thread CPU before and after a performance change): which thread is the bottleneck.
 */
export function threadCpuLines(results: BenchResults): string {
  return results.contenders
    .filter(({ backlog: b }) => !b.error && b.cpu.threads && b.cpu.threads.length > 0)
    .map(({ label, backlog: b }) => `- ${label}: ${b.cpu.threads!.map((t) => `${t.name} ${t.pct.toFixed(0)}%`).join(', ')}`)
    .join('\n');
}

function percentiles(l: LatencySummary | undefined): string {
  return l ? `${l.p50} / ${l.p99} / ${l.p999}` : '–';
}

/** A horizontal bar chart of backlog throughput, and one of open-loop event→durable p99. */
export function svgChart(results: BenchResults): string {
  const ok = results.contenders.filter((c) => !c.backlog.error);
  const panel = (title: string, values: { label: string; value: number; note: string }[], y0: number, colour: string) => {
    const max = Math.max(1, ...values.map((v) => v.value));
    const barX = 250;
    const barW = 480;
    const parts = [`<text x="10" y="${y0 + 16}" font-weight="bold">${esc(title)}</text>`];
    values.forEach((v, i) => {
      const y = y0 + 30 + i * 26;
      const w = Math.max(1, (v.value / max) * barW);
      parts.push(`<text x="${barX - 8}" y="${y + 14}" text-anchor="end">${esc(v.label)}</text>`);
      parts.push(`<rect x="${barX}" y="${y}" width="${w.toFixed(1)}" height="18" fill="${colour}"/>`);
      parts.push(`<text x="${(barX + w + 6).toFixed(1)}" y="${y + 14}">${esc(v.note)}</text>`);
    });
    return { svg: parts.join('\n'), height: 40 + values.length * 26 };
  };
  const top = panel(
    `Backlog throughput, events/s (${results.params.events.toLocaleString('en-US')} events, ${results.params.partitions} partitions)`,
    ok.map((c) => ({ label: c.label, value: c.backlog.eventsPerSec, note: c.backlog.eventsPerSec.toLocaleString('en-US') })),
    10,
    '#4c78a8',
  );
  const lat = ok.filter((c) => c.openLoop && !c.openLoop.error && (c.openLoop.latency.durable ?? c.openLoop.latency.state));
  const bottom = panel(
    'Open loop, same offered load for all: event→durable p99, ms (raw clients: event→consumed)',
    lat.map((c) => {
      const l = (c.openLoop!.latency.durable ?? c.openLoop!.latency.state)!;
      return { label: c.label, value: l.p99, note: `${l.p99} ms at ${c.openLoop!.openLoop?.achievedRate.toLocaleString('en-US')}/s` };
    }),
    20 + top.height,
    '#f58518',
  );
  const height = 40 + top.height + bottom.height;
  const footer = `${results.machine.nproc} cores ${results.machine.cpuModel}, ${results.machine.memoryGb} GB; ${results.finishedAt}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    top.svg,
    bottom.svg,
    `<text x="10" y="${height - 10}" fill="#666" font-size="11">${esc(footer)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes <dir>/<timestamp>.json, latest.json and the chart; returns the paths. */
export function writeResults(dir: string, results: BenchResults): { json: string; latest: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const json = join(dir, `${stamp}.json`);
  const latest = join(dir, 'latest.json');
  const svg = join(dir, `${stamp}.svg`);
  const text = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(json, text);
  writeFileSync(latest, text);
  const chart = svgChart(results);
  writeFileSync(svg, chart);
  writeFileSync(join(dir, 'latest.svg'), chart);
  return { json, latest, svg };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The run's inputs given to an entity after one with a later event time (actorstream's
 * totals.outOfEventTimeOrder): where its states may differ from the event-time oracle.
 */
export function lateInputs(run: Pick<RunResult, 'extra'>): string {
  const n = (run.extra?.totals as { outOfEventTimeOrder?: number } | undefined)?.outOfEventTimeOrder;
  return n === undefined ? '' : `; ${n.toLocaleString('en-US')} inputs out of event-time order`;
}
