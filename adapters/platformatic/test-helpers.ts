/**
 * Shared by the platformatic adapter's broker tests (tests/platformatic-*.test.ts); not part of its
 * API: a broker to run against, unique names, and recording handlers for a RecordSource.
 */
import type { BatchControl, LogClient, RecordSink, RecordSource, SourceBatch, SourceHandlers, SourceOptions, TopicAdmin, TopicPartition } from '../../engine/index.ts';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { ensureKafka, type KafkaHandle } from '../../scripts/kafka/local-kafka.ts';
import { platformaticLogClient } from './client.ts';
import { partitionOf } from './partitioner.ts';

/** KAFKA_BROKERS when set, else the local broker (started here when none answers; `stop` ends only that one). */
export async function testBroker(): Promise<{ brokers: string[]; stop(): Promise<void> }> {
  const env = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);
  if (env?.length) return { brokers: env, stop: async () => {} };
  const handle: KafkaHandle = await ensureKafka();
  return { brokers: handle.brokers, stop: () => handle.stop() };
}

export const uniquePrefix = (what: string) => `pk${what}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}_`;

/** A key that murmur2 puts on `partition` of a topic of `count` partitions. */
export function keyOn(partition: number, count: number, salt = ''): string {
  for (let i = 0; ; i++) if (partitionOf(`k${salt}-${i}`, count) === partition) return `k${salt}-${i}`;
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type SourceEvent = { kind: 'assigned'; partitions: TopicPartition[] } | { kind: 'batch'; topic: string; partition: number; first: string; last: string };

/**
 * Handlers that log every assignment and batch start in order, and run `onBatch` (default: mark
 * the whole batch consumed).
 */
export function recording(onBatch: (batch: SourceBatch, control: BatchControl) => void | Promise<void> = (b, c) => c.consumedThrough(b.lastOffset)): { events: SourceEvent[]; handlers: SourceHandlers } {
  const events: SourceEvent[] = [];
  return {
    events,
    handlers: {
      assigned: (partitions) => void events.push({ kind: 'assigned', partitions: [...partitions] }),
      async batch(batch, control) {
        events.push({ kind: 'batch', topic: batch.topic, partition: batch.partition, first: batch.records[0]!.offset, last: batch.lastOffset });
        await onBatch(batch, control);
      },
    },
  };
}

/** The partitions of the latest assignment in `events`. */
export function lastAssignment(events: readonly SourceEvent[]): TopicPartition[] {
  const last = events.findLast((e) => e.kind === 'assigned');
  return last?.kind === 'assigned' ? last.partitions : [];
}

/** Every batch was of a partition of the assignment told before it (none before the first). */
export function batchesFollowAssignments(events: readonly SourceEvent[]): string[] {
  const violations: string[] = [];
  let current = new Set<string>();
  let told = false;
  for (const e of events) {
    if (e.kind === 'assigned') {
      told = true;
      current = new Set(e.partitions.map((p) => `${p.topic}:${p.partition}`));
    } else if (!told || !current.has(`${e.topic}:${e.partition}`)) violations.push(`${e.topic}:${e.partition}@${e.first}`);
  }
  return violations;
}

export async function closeAll(sources: RecordSource[]): Promise<void> {
  for (const s of sources.splice(0)) await s.disconnect().catch(() => {});
}

/** Topics of `partitions` partitions, each holding `perPartition` records. */
export async function recordsOn(admin: TopicAdmin, sink: RecordSink, names: string[], partitions: number, perPartition: number): Promise<void> {
  await admin.ensureSourceTopics(names, partitions);
  for (const topic of names) {
    await sink.send(Array.from({ length: partitions * perPartition }, (_, i) => ({ topic, key: keyOn(i % partitions, partitions), value: `v${i}` })));
  }
}

/** Source options with test timings (a short heartbeat, so rebalances are quick). */
export function sourceOptions(groupId: string, topics: string[], shardOf: (t: string) => string | undefined = () => 'x'): SourceOptions {
  return { groupId, topics, shardOf, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500 };
}

/** A source of `client` running `rec`'s handlers, kept in `sources` for closing. */
export async function runSource(sources: RecordSource[], client: LogClient, opts: SourceOptions, rec: { handlers: SourceHandlers }, concurrency: number): Promise<RecordSource> {
  const source = await client.source(opts);
  sources.push(source);
  await source.run(rec.handlers, { concurrency });
  return source;
}

/** What a broker test of this adapter runs against: the client, its admin and sink, and kafkajs's admin as a witness. */
export interface BrokerFixture {
  broker: { brokers: string[]; stop(): Promise<void> };
  client: LogClient;
  admin: TopicAdmin;
  sink: RecordSink;
  witness: Admin;
  /** Sources a test started: disconnected by `close`. */
  sources: RecordSource[];
  close(): Promise<void>;
}

export async function brokerFixture(prefix: string): Promise<BrokerFixture> {
  const broker = await testBroker();
  const client = platformaticLogClient(`${prefix}client`, broker.brokers);
  const admin = await client.admin();
  const sink = await client.sink();
  const witness = new Kafka({ clientId: `${prefix}witness`, brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await witness.connect();
  const sources: RecordSource[] = [];
  return {
    broker, client, admin, sink, witness, sources,
    async close() {
      await closeAll(sources);
      for (const c of [sink, admin, witness]) await c.disconnect().catch(() => {});
      await broker.stop();
    },
  };
}
