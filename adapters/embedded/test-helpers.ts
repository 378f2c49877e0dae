/**
 * Shared by the in-process log's unit tests (not part of its API): writing records to chosen
 * partitions through the key placement, and waiting for a condition without fixed sleeps.
 */
import type { BatchControl, RecordSource, SourceBatch, SourceHandlers, TopicPartition } from '../../engine/index.ts';
import { partitionOf } from '../kafkajs/partitioner.ts';
import { createInProcessLog, type InProcessLog, type InProcessLogOptions } from './in-process-log.ts';

/** A key that the murmur2 placement puts on `partition` of a topic of `count` partitions. */
export function keyOn(partition: number, count: number, salt = ''): string {
  for (let i = 0; ; i++) {
    const key = `k${salt}-${i}`;
    if (partitionOf(key, count) === partition) return key;
  }
}

/** Creates `topic` with `partitions` partitions (as its only source topic). */
export async function createTopic(log: InProcessLog, topic: string, partitions: number): Promise<void> {
  const admin = await log.admin();
  const { created } = await admin.ensureSourceTopics([topic], partitions);
  if (!created.includes(topic)) throw new Error(`${topic} existed already`);
}

/** A log with topic `t` of `partitions` partitions holding `perPartition` records each (values 'p<p>-<i>'). */
export async function logWithTopic(
  partitions: number,
  perPartition: number,
  opts: InProcessLogOptions = {},
  value = (p: number, i: number) => `p${p}-${i}`,
): Promise<InProcessLog> {
  const log = createInProcessLog(opts);
  await createTopic(log, 't', partitions);
  for (let p = 0; p < partitions && perPartition > 0; p++) await writeTo(log, 't', p, Array.from({ length: perPartition }, (_, i) => value(p, i)));
  return log;
}

/** Appends `values` to one partition of `topic`, in order. */
export async function writeTo(log: InProcessLog, topic: string, partition: number, values: readonly string[], headers?: Record<string, string>): Promise<void> {
  const count = (await (await log.admin()).partitionCount(topic))!;
  const key = keyOn(partition, count);
  const sink = await log.sink();
  await sink.send(values.map((value) => ({ topic, key, value, ...(headers ? { headers } : {}) })));
}

export interface Delivery {
  batch: SourceBatch;
  control: BatchControl;
  /** The source delivering (a batch may arrive before `runSource` resolves). */
  source: RecordSource;
}

/**
 * A source of `groupId` on `topics`, run with `batch` as its handler; `assigned` calls are
 * recorded, and `log` holds 'assigned' and 'batch <topic>/<partition>' in the order they happened.
 */
export async function runSource(
  log: InProcessLog,
  opts: { groupId?: string; topics: string[]; shardOf?: (topic: string) => string | undefined; maxBytesPerPartition?: number; concurrency?: number },
  batch: (d: Delivery) => Promise<void> | void,
): Promise<{ source: RecordSource; assignments: TopicPartition[][]; events: string[] }> {
  const source = await log.source({
    groupId: opts.groupId ?? 'g', topics: opts.topics, shardOf: opts.shardOf ?? (() => undefined),
    sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000, ...(opts.maxBytesPerPartition ? { maxBytesPerPartition: opts.maxBytesPerPartition } : {}),
  });
  const assignments: TopicPartition[][] = [];
  const events: string[] = [];
  const handlers: SourceHandlers = {
    assigned(partitions) {
      assignments.push([...partitions]);
      events.push('assigned');
    },
    async batch(b, control) {
      events.push(`batch ${b.topic}/${b.partition}`);
      await batch({ batch: b, control, source });
    },
  };
  await source.run(handlers, { concurrency: opts.concurrency ?? 1 });
  return { source, assignments, events };
}

/** The consumed-through handler most tests use: every record of the batch is done. */
export function consumeAll({ batch, control }: Delivery): void {
  control.consumedThrough(batch.lastOffset);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(cond: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

export const offsetsOf = (b: SourceBatch) => b.records.map((r) => r.offset);
export const valuesOf = (b: SourceBatch) => b.records.map((r) => String(r.value));
