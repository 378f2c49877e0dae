import type { OutgoingRecord, RecordSink } from '../engine/index.ts';
import { batchSizeFor, createPacer } from './pacer.ts';
import { takeBatch, type KafkaRecord } from './records.ts';

/** How `writeRecords` sends. */
export interface WriteOptions {
  /** Target events per second (wall clock); 0 or absent: as fast as the broker takes them. */
  rate?: number;
  /** Most records per `send` (default 2,000). At a target rate batches are smaller, ~20/s. */
  batchSize?: number;
  /** Called after every acknowledged batch. */
  onProgress?: (progress: WriteProgress) => void;
  /** Stops after the batch in flight (e.g. on Ctrl-C). */
  signal?: AbortSignal;
}

export interface WriteProgress {
  sent: number;
  poison: number;
  elapsedMs: number;
  /** Records per second since the start. */
  rate: number;
}

export interface WriteResult extends WriteProgress {
  byTopic: Record<string, number>;
  /** True when stopped by the signal before the records ran out. */
  aborted: boolean;
}

/**
 * Sends records to the log in batches through a sink (idempotent, acks from all in-sync replicas:
 * engine/record-sink.ts), keyed by entity so each key stays on one partition in order. Paced per
 * batch when `rate` is set. The sink is left open.
 *
 * @example
 * await writeRecords(await client.sink(), withPoison(createGenerator({ count: 1e5 }), { seed: 1, invalidRate: 0 }), { rate: 2000 });
 */
export async function writeRecords(sink: Pick<RecordSink, 'send'>, records: Iterable<KafkaRecord>, opts: WriteOptions = {}): Promise<WriteResult> {
  const batchSize = batchSizeFor(opts.rate ?? 0, opts.batchSize ?? 2_000);
  const pacer = createPacer(opts.rate ?? 0, opts.signal);
  const byTopic: Record<string, number> = {};
  let sent = 0;
  let poison = 0;
  const progress = (): WriteProgress => {
    const elapsedMs = pacer.elapsedMs();
    return { sent, poison, elapsedMs, rate: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0 };
  };

  const iterator = records[Symbol.iterator]();
  let exhausted = false;
  while (!exhausted && !opts.signal?.aborted) {
    const batch = takeBatch(iterator, batchSize);
    exhausted = batch.exhausted;
    const n = batch.records.length;
    const out: OutgoingRecord[] = [];
    for (const record of batch.records) {
      out.push({ topic: record.topic, key: record.key, value: record.value });
      if (record.poison) poison++;
    }
    if (n === 0) break;
    await pacer.wait(sent);
    await sink.send(out);
    for (const { topic } of out) byTopic[topic] = (byTopic[topic] ?? 0) + 1;
    sent += n;
    opts.onProgress?.(progress());
  }
  return { ...progress(), byTopic, aborted: !exhausted };
}
