import { ConnectionPool, Consumer } from '@platformatic/kafka';
import type { RecordSource, SourceBatch, BatchControl, Tail, TailOptions, TailRecord, TailStart } from '../../engine/index.ts';
import type { ClientConfig } from './config.ts';
import { tpKey } from './fetch-positions.ts';
import { Fetcher } from './fetcher.ts';
import { startOffsets } from './offsets.ts';
import { toTailRecord } from './records.ts';
import { createPlatformaticSource } from './source.ts';

type OnRecords = (records: TailRecord[]) => void | Promise<void>;

/**
 * LogClient.tail over platformatic. With `groupId`: a member of that group (tails sharing it split
 * the partitions), starting at the group's committed offsets, else at `from`, and committing each
 * batch once `onRecords` returned (so a restart continues there), as the kafkajs tail's
 * auto-commit does. Without: no group at all — every partition is fetched directly from `from`,
 * so a throwaway tail costs no join and leaves no group behind. One batch at a time.
 */
export async function createPlatformaticTail(config: ClientConfig, topic: string, opts: TailOptions, onRecords: OnRecords, log: (line: string) => void): Promise<Tail> {
  const reset = opts.from === 'beginning' ? 'earliest' : 'latest';
  if (opts.groupId === undefined) return throwawayTail(config, topic, reset, onRecords, log, typeof opts.from === 'object' ? opts.from : undefined);
  if (typeof opts.from === 'object') throw new Error('a tail from an offset keeps no group position: drop groupId');
  const source = await createPlatformaticSource({
    config, groupId: opts.groupId, topics: [topic], shardOf: () => undefined, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, reset, log,
  });
  try {
    await source.run({ assigned: () => {}, batch: (batch, control) => deliver(batch, control, onRecords, source, log) }, { concurrency: 1 });
  } catch (e) {
    await source.disconnect().catch(() => {});
    throw e;
  }
  return { stop: () => source.disconnect() };
}

async function throwawayTail(config: ClientConfig, topic: string, reset: 'earliest' | 'latest', onRecords: OnRecords, log: (line: string) => void, start?: TailStart): Promise<Tail> {
  // A consumer for its fetch and offset lookups only: it never joins the group it is named after.
  const consumer = new Consumer({ ...config, groupId: `actorstream-tail-${crypto.randomUUID()}`, autocommit: false });
  const pool = new ConnectionPool(config.clientId, { connectTimeout: config.connectTimeout });
  const close = async () => {
    await consumer.close().catch(() => {});
    await pool.close().catch(() => {});
  };
  let fetcher: Fetcher;
  try {
    consumer.topics.track(topic);
    const count = (await consumer.metadata({ topics: [topic] })).topics.get(topic)!.partitionsCount;
    fetcher = new Fetcher({
      consumer, pool, topics: [topic], concurrency: 1, useCommitted: false, reset, maxBytesPerPartition: 1_048_576, log,
      handler: (batch, control) => deliver(batch, control, onRecords, undefined, log),
    });
    if (start) {
      const tp = { topic, partition: start.partition };
      fetcher.assign([tp]);
      fetcher.seek(tp, String(start.offset));
    } else {
      const partitions = Array.from({ length: count }, (_, partition) => ({ topic, partition }));
      // Looked up before returning: a record produced once `tail` resolved is one a tail from 'end' must see.
      const starts = await startOffsets(consumer, partitions, false, reset);
      fetcher.assign(partitions);
      for (const tp of partitions) fetcher.seek(tp, String(starts.get(tpKey(topic, tp.partition)) ?? 0n));
    }
  } catch (e) {
    await close();
    throw e;
  }
  return {
    async stop() {
      await fetcher.stop();
      await close();
    },
  };
}

async function deliver(batch: SourceBatch, control: BatchControl, onRecords: OnRecords, group: RecordSource | undefined, log: (line: string) => void): Promise<void> {
  if (!control.current()) return;
  await onRecords(batch.records.map((m) => toTailRecord(batch.topic, batch.partition, m)));
  control.consumedThrough(batch.lastOffset);
  // A failed commit must not redeliver what onRecords already had: the position moved on regardless.
  await group?.commit([{ topic: batch.topic, partition: batch.partition, offset: Number(batch.lastOffset) + 1 }]).catch((e: Error) => log(`tail commit: ${e.message}`));
}
