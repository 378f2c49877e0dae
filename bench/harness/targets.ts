/**
 * Issue #19's targets, judged from one run's results, so `npm run bench` says where they stand
 * instead of leaving the reader to work the ratios out. A target whose contenders did not run is
 * listed as not measured, with the contenders it needs.
 */
import type { BenchResults } from './report.ts';
import type { RunResult } from './runner.ts';

type Contenders = BenchResults['contenders'];

interface Target {
  what: string;
  /** The measured figure and whether it meets the target; undefined when this run cannot tell. */
  judge(results: BenchResults): { figure: string; met: boolean } | undefined;
  needs: string;
}

const PEER_RATIO = 1.5;
const PROCESSOR_CPU_PCT = 180;
const RAW_RATIO = 0.5;
const DURABLE_P99_MS = 150;
const OPEN_LOOP_SHARE = 0.5;

const TARGETS: readonly Target[] = [
  {
    what: `actorstream on Bun ÷ Kafka Streams (its better thread setting) ≥ ${PEER_RATIO}`,
    judge: (r) => ratio(r, 'actorstream-bun/kafka-streams', PEER_RATIO),
    needs: 'actorstream-bun and kafka-streams',
  },
  {
    what: `actorstream on Deno ÷ Kafka Streams ≥ ${PEER_RATIO}`,
    judge: (r) => ratio(r, 'actorstream-deno/kafka-streams', PEER_RATIO),
    needs: 'actorstream-deno and kafka-streams',
  },
  {
    what: `processor CPU while backlogged (Bun) ≥ ${PROCESSOR_CPU_PCT}%`,
    judge: (r) => {
      const b = backlogOf(r.contenders, 'actorstream-bun');
      return b && { figure: `${b.cpu.contender.pct.toFixed(0)}%`, met: b.cpu.contender.pct >= PROCESSOR_CPU_PCT };
    },
    needs: 'actorstream-bun',
  },
  {
    what: `actorstream on Bun ÷ raw kafkajs ≥ ${RAW_RATIO}`,
    judge: (r) => ratio(r, 'actorstream-bun/raw-kafkajs', RAW_RATIO),
    needs: 'actorstream-bun and raw-kafkajs',
  },
  {
    what: 'each inbox record that comes through Kafka fetched once (Bun)',
    judge: (r) => {
      const counts = inboxCounts(backlogOf(r.contenders, 'actorstream-bun'));
      if (!counts) return undefined;
      const throughKafka = counts.applied - counts.handedOver;
      const memory = `${counts.handedOver.toLocaleString('en-US')} handed over in memory, never fetched`;
      if (throughKafka <= 0) return { figure: `none came through Kafka (${memory})`, met: counts.fetched === 0 };
      const perRecord = counts.fetched / throughKafka;
      return { figure: `${perRecord.toFixed(2)} fetches per record (${counts.fetched.toLocaleString('en-US')} for ${throughKafka.toLocaleString('en-US')}; ${memory})`, met: perRecord <= 1 };
    },
    needs: 'actorstream-bun',
  },
  {
    what: `open-loop p99 event→durable (Bun) < ${DURABLE_P99_MS} ms at ≤ ${OPEN_LOOP_SHARE * 100}% of its backlog rate`,
    judge: (r) => {
      const c = r.contenders.find((x) => x.id === 'actorstream-bun');
      const p99 = c?.openLoop && !c.openLoop.error ? c.openLoop.latency.durable?.p99 : undefined;
      const rate = c?.openLoop?.openLoop?.achievedRate;
      if (!c || c.backlog.error || p99 === undefined || rate === undefined || c.backlog.eventsPerSec <= 0) return undefined;
      const share = rate / c.backlog.eventsPerSec;
      const figure = `${p99} ms at ${Math.round(rate).toLocaleString('en-US')} events/s (${(share * 100).toFixed(0)}% of its backlog rate)`;
      return { figure, met: p99 < DURABLE_P99_MS && share <= OPEN_LOOP_SHARE + 0.05 };
    },
    needs: 'actorstream-bun with --open-loop-seconds > 0',
  },
];

/** One line per target: its figure in this run and met / not met, or what would measure it. */
export function targetLines(results: BenchResults): string[] {
  return TARGETS.map((t) => {
    const j = t.judge(results);
    return j ? `- ${t.what}: ${j.figure} — ${j.met ? 'met' : 'not met'}` : `- ${t.what}: not measured (needs ${t.needs})`;
  });
}

function ratio(r: BenchResults, key: string, target: number): { figure: string; met: boolean } | undefined {
  const v = r.ratios[key];
  if (v === undefined) return undefined;
  return v === null ? { figure: 'a run failed', met: false } : { figure: `${v.toFixed(2)}×`, met: v >= target };
}

function backlogOf(contenders: Contenders, id: string): RunResult | undefined {
  const b = contenders.find((c) => c.id === id)?.backlog;
  return b && !b.error ? b : undefined;
}

function inboxCounts(b: RunResult | undefined): { fetched: number; applied: number; handedOver: number } | undefined {
  const c = b?.extra?.inboxRecords as { fetched?: number; applied?: number; handedOver?: number } | undefined;
  if (!c || typeof c.fetched !== 'number' || typeof c.applied !== 'number') return undefined;
  return { fetched: c.fetched, applied: c.applied, handedOver: c.handedOver ?? 0 };
}
