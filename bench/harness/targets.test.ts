import { describe, expect, test } from 'bun:test';
import { ratiosOf, type BenchResults } from './report.ts';
import type { RunResult } from './runner.ts';
import { targetLines } from './targets.ts';

const run = (eventsPerSec: number, extra: Partial<RunResult> = {}): RunResult =>
  ({ eventsPerSec, cpu: { contender: { pct: 121, seconds: 1 } }, latency: {}, ...extra }) as unknown as RunResult;

function results(contenders: BenchResults['contenders']): BenchResults {
  return { contenders, ratios: ratiosOf(contenders) } as unknown as BenchResults;
}

describe("issue #19's targets", () => {
  test('each target is judged from the run, met or not, with its figure', () => {
    const bun = {
      id: 'actorstream-bun', label: 'actorstream (Bun)', what: '',
      backlog: run(60_000, { extra: { inboxRecords: { fetched: 500, applied: 10_500, handedOver: 10_000 } } }),
      openLoop: run(0, { openLoop: { targetRate: 30_000, achievedRate: 30_000, produced: 1 }, latency: { durable: { p50: 40, p99: 128, p999: 300 } } } as never),
    };
    const lines = targetLines(results([
      bun,
      { id: 'actorstream-deno', label: '', what: '', backlog: run(105_000) },
      { id: 'kafka-streams', label: '', what: '', backlog: run(70_000) },
      { id: 'kafka-streams-2t', label: '', what: '', backlog: run(50_000) },
      { id: 'raw-kafkajs', label: '', what: '', backlog: run(600_000) },
    ]));
    expect(lines).toEqual([
      '- actorstream on Bun ÷ Kafka Streams (its better thread setting) ≥ 1.5: 0.86× — not met',
      '- actorstream on Deno ÷ Kafka Streams ≥ 1.5: 1.50× — met',
      '- processor CPU while backlogged (Bun) ≥ 180%: 121% — not met',
      '- actorstream on Bun ÷ raw kafkajs ≥ 0.5: 0.10× — not met',
      '- each inbox record that comes through Kafka fetched once (Bun): 1.00 fetches per record (500 for 500; 10,000 handed over in memory, never fetched) — met',
      '- open-loop p99 event→durable (Bun) < 150 ms at ≤ 50% of its backlog rate: 128 ms at 30,000 events/s (50% of its backlog rate) — met',
    ]);
  });

  test('a target whose contenders did not run says what would measure it; a refetch shows', () => {
    const lines = targetLines(results([
      { id: 'actorstream-bun', label: '', what: '', backlog: run(30_000, { extra: { inboxRecords: { fetched: 2_300, applied: 1_000 } } }) },
    ]));
    expect(lines[0]).toBe('- actorstream on Bun ÷ Kafka Streams (its better thread setting) ≥ 1.5: not measured (needs actorstream-bun and kafka-streams)');
    expect(lines[4]).toBe('- each inbox record that comes through Kafka fetched once (Bun): 2.30 fetches per record (2,300 for 1,000; 0 handed over in memory, never fetched) — not met');
    expect(lines[5]).toBe('- open-loop p99 event→durable (Bun) < 150 ms at ≤ 50% of its backlog rate: not measured (needs actorstream-bun with --open-loop-seconds > 0)');
  });

  test('a contender that ran and failed makes its ratio a failure, not unmeasured', () => {
    const failed = { ...run(0), error: 'exited with 1' } as RunResult;
    const lines = targetLines(results([
      { id: 'actorstream-bun', label: '', what: '', backlog: failed },
      { id: 'kafka-streams', label: '', what: '', backlog: run(70_000) },
    ]));
    expect(lines[0]).toBe('- actorstream on Bun ÷ Kafka Streams (its better thread setting) ≥ 1.5: a run failed — not met');
  });
});
