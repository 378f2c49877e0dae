/**
 * What bench/recovery.ts (restart in place) and bench/failover.ts (a survivor takes over) share:
 * the data set (generated traffic, or N synthetic entities), a steady load during the kill, and the
 * two finish lines — every shard acquired and restored by the process that should own it, and every
 * input caught up with the log as it stood at that moment.
 */
import { createGenerator, generateEvents, toKafkaRecord, writeRecords, type KafkaRecord } from '../generator/index.ts';
import { topicOf, type DomainEvent } from '../schemas/index.ts';
import { closingEvents } from '../tests/support/oracle.ts';
import { waitUntilSettled, type PipelineEnv } from '../tests/support/pipeline-env.ts';
import type { ProcessorProcess } from '../tests/support/processor-process.ts';

/** `events`: generated traffic (users = events/20, 1,000 SKUs); `entities`: n/2 users and n/2 SKUs with one event each. */
export type DataSet = { kind: 'events'; count: number } | { kind: 'entities'; count: number };

/** `events:100000` or `entities:1000000` (a bare number is events, as before). */
export function parseDataSet(raw: string | undefined, fallback: DataSet): DataSet {
  if (!raw) return fallback;
  const [kind, n] = raw.includes(':') ? raw.split(':') : ['events', raw];
  if ((kind !== 'events' && kind !== 'entities') || !/^\d+$/.test(n ?? '')) throw new Error(`data set must be events:N or entities:N, got '${raw}'`);
  return { kind, count: Number(n) };
}

/** Produces the data set into the env's topics. */
export async function produceDataSet(env: PipelineEnv, data: DataSet): Promise<void> {
  if (data.kind === 'events') {
    const { events } = generateEvents({ seed: 5, count: data.count, users: Math.max(2000, data.count / 20), skus: 1000 });
    await env.produce([...events, ...closingEvents(events, env.partitions)]);
    return;
  }
  const sink = await env.client.sink();
  try {
    await writeRecords(sink, entityRecords(data.count, env.topics.source.user_events, env.topics.source.inventory_events), { batchSize: 5_000 });
  } finally {
    await sink.disconnect();
  }
}

/** Folds everything produced so far (long timeouts: 1M entities take minutes on 2 shared cores). */
export async function settle(env: PipelineEnv, timeoutMs = 900_000): Promise<number> {
  await waitUntilSettled(env, timeoutMs);
  const [row] = await env.sql`select count(*)::int as n from actor_states`;
  return row!.n as number;
}

/**
 * Generated traffic (a seed of its own, 20,000 users) at `rate` events/s until `stop`: the load
 * under which an instance is killed. Its event times are the generator's, like the data set's.
 */
export function startLoad(env: PipelineEnv, rate: number, seed = 11): { stop(): Promise<number> } {
  const abort = new AbortController();
  let sent = 0;
  const done = (async () => {
    if (rate <= 0) return;
    const sink = await env.client.sink();
    try {
      const gen = createGenerator({ seed, count: 100_000_000, users: 20_000, skus: 1000 });
      const records = (function* () {
        for (const e of gen) yield { ...toKafkaRecord(e), topic: env.topics.source[topicOf((e as DomainEvent).type)] };
      })();
      const r = await writeRecords(sink, records, { rate, signal: abort.signal, batchSize: Math.max(50, Math.round(rate / 20)) });
      sent = r.sent;
    } finally {
      await sink.disconnect();
    }
  })();
  return {
    async stop() {
      abort.abort();
      await done;
      return sent;
    },
  };
}

/** Where every input of the pipeline (sources and inboxes) ends now. */
export async function inputEnds(env: PipelineEnv): Promise<Map<string, number>> {
  const admin = await env.client.admin();
  try {
    const ends = new Map<string, number>();
    for (const topic of inputTopics(env)) {
      if ((await admin.partitionCount(topic)) === undefined) continue;
      for (const o of await admin.offsets(topic)) if (o.high > 0) ends.set(`${topic}:${o.partition}`, o.high);
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once every input's offset of truth (Postgres) has reached `ends`. */
export async function caughtUpWith(env: PipelineEnv, ends: Map<string, number>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stored = new Map((await env.sql`select topic, partition, next_offset from input_offsets`).map((r) => [`${r.topic}:${r.partition}`, Number(r.next_offset)]));
    if ([...ends].every(([tp, end]) => (stored.get(tp) ?? 0) >= end)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('inputs did not catch up in time');
}

/** Where a process's output stands now: lines after this mark are what it logs from here on. */
export function outputMark(proc: ProcessorProcess): number {
  return proc.output.join('').length;
}

/**
 * Resolves when `proc` has logged, after `mark`, that it holds `shards` distinct shards (acquired and
 * restored, or kept from before the rebalance), with when it first logged a new group generation
 * (failure detected, rebalance done) on the way.
 */
export async function acquiredAll(proc: ProcessorProcess, mark: number, shards: number, timeoutMs = 600_000): Promise<{ joinedAt?: number }> {
  const deadline = Date.now() + timeoutMs;
  let joinedAt: number | undefined;
  while (Date.now() < deadline) {
    const out = proc.output.join('').slice(mark);
    if (joinedAt === undefined && /joined generation/.test(out)) joinedAt = performance.now();
    const acquired = new Set([...out.matchAll(/(?:acquired|kept) (\S+) at epoch/g)].map((m) => m[1]));
    if (acquired.size >= shards) return { joinedAt };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${shards} shards not acquired in ${timeoutMs} ms:\n${proc.output.join('').slice(mark).slice(-2000)}`);
}

export interface Timing {
  /** From the kill to the new generation's first log line (detection + rebalance). */
  joined?: number;
  /** From the kill (or the restart) to every shard acquired and restored. */
  restored: number;
  /** To every input caught up with the log as it stood when the last shard was restored. */
  caughtUp: number;
}

export function report(name: string, data: DataSet, entities: number, timings: Timing[]): string {
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(2)} s (${xs.map((x) => x.toFixed(2)).join(', ')})`;
  const joined = timings.flatMap((t) => (t.joined === undefined ? [] : [t.joined]));
  const line =
    `${name}, ${data.kind} ${data.count} → ${entities} entities: ` +
    (joined.length ? `new generation ${fmt(joined)}; ` : '') +
    `shards restored ${fmt(timings.map((t) => t.restored))}; caught up ${fmt(timings.map((t) => t.caughtUp))}`;
  console.log(line);
  return line;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function inputTopics(env: PipelineEnv): string[] {
  return [...Object.values(env.topics.source), ...['sku', 'order', 'user'].map((t) => `${env.app}.${t}.inbox`)];
}

/** n/2 users with one login each and n/2 SKUs with one stock receipt each: n entities with state. */
function* entityRecords(n: number, userTopic: string, inventoryTopic: string): Generator<KafkaRecord> {
  const ts0 = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    const ts = ts0 + i;
    const user = i % 2 === 0;
    const e: DomainEvent = user
      ? { id: `se-${i}`, type: 'login_succeeded', v: 1, ts, data: { userId: `su-${i}`, country: 'DE', ip: `10.0.${(i >> 8) & 255}.${i & 255}`, deviceId: `d-${i}` } }
      : { id: `se-${i}`, type: 'stock_received', v: 1, ts, data: { sku: `ss-${i}`, qty: 10 } };
    yield { topic: user ? userTopic : inventoryTopic, key: user ? `su-${i}` : `ss-${i}`, value: JSON.stringify(e) };
  }
}
