import type { LogClient, RecordSource } from '../../engine/index.ts';
import { partitionOf } from '../kafkajs/partitioner.ts';
import { createAdmin } from './admin.ts';
import { GroupCoordinator } from './consumer-group.ts';
import { LogStorage } from './log-storage.ts';
import type { Retention } from './partition-log.ts';
import { createSink } from './sink.ts';
import { createSource } from './source.ts';
import { startTail } from './tail.ts';

export interface InProcessLogOptions {
  /**
   * How much each partition keeps; the oldest records beyond either bound are dropped. Default:
   * DEFAULT_MAX_RECORDS_PER_PARTITION records and no age bound. `maxAgeMs` compares record
   * timestamps with the clock when a partition is written or read.
   */
  retention?: { maxRecordsPerPartition?: number; maxAgeMs?: number };
  /**
   * Records every group has committed that a partition still keeps, newest first (default
   * DEFAULT_LOOK_BACK_RECORDS): what an alert's "why" (engine/alert-causes.ts) reads back.
   */
  lookBackRecords?: number;
  /**
   * With it, committed records older than this leave too, whatever `lookBackRecords` allows, and
   * topics no group reads (alerts, dead letters) keep only their newest `lookBackRecords` per
   * partition; a sweep every LOOK_BACK_SWEEP_MS applies both to partitions nobody commits on.
   * Without it (the default) only the count bound applies, and unread topics keep up to
   * `retention.maxRecordsPerPartition`.
   */
  lookBackMs?: number;
  /** The sweep's period (default LOOK_BACK_SWEEP_MS). */
  lookBackSweepMs?: number;
}

/** How often partitions are released by the look-back rules when no commit does it (with `lookBackMs`). */
export const LOOK_BACK_SWEEP_MS = 10_000;

/**
 * Committed records kept per partition for looking back (an alert's cause events). At ~330 B a
 * record that is ~0.7 MB a partition, a bounded cost whatever the run time; the soak's flat RSS
 * holds with it. Older alerts' causes are gone on the embedded default (Kafka keeps them).
 */
export const DEFAULT_LOOK_BACK_RECORDS = 2_000;

/**
 * Records kept per partition by default. The log lives in memory, so it must forget: without a
 * bound `npm start` left running grew by about 1 KB per event, forever. 100 000 is the engine's
 * default bound on a shard's uncommitted records (PROCESSOR_DEFAULTS.maxUncommittedRecords), so
 * what a shard fetched but has not checkpointed yet can still be fetched again after a refused
 * checkpoint, and it is minutes of backlog at the generator's usual rates. A held record costs its
 * bytes plus about 200 (measured: ~330 B for a generated event), so a full partition holds about
 * 35 MB and the whole log at most that times its partition count. A processor further behind than
 * this loses the records in between (it logs the retention gap and continues, as on Kafka).
 * No age bound by default.
 */
export const DEFAULT_MAX_RECORDS_PER_PARTITION = 100_000;

export type InProcessLog = LogClient & {
  /** Stops every source and tail of this log (ending their fetch loops) and drops all records and offsets. */
  close(): Promise<void>;
};

/**
 * The embedded default's log: partitioned topics inside the process that fill the engine's ports
 * (LogClient: TopicAdmin, RecordSink, RecordSource, tails), so the processor, the relay, the HTTP
 * ingest, the alert feed and the generator run on it as on Kafka. It keeps what the exactly-once
 * engine relies on: per-partition offsets from 0 and order, keys placed by Kafka's murmur2
 * partitioner, consumer groups that deal partitions with the engine's co-partitioning
 * `assignShards` and tell every generation's assignment before its first batch, the port's
 * consumedThrough / seek / current / pause / resume rules, bounded batches, committed group
 * offsets, and retention: records every group has committed past are dropped but for the newest
 * `lookBackRecords` (readers resume from their commits, so none reads them again), and each partition keeps at most its newest
 * DEFAULT_MAX_RECORDS_PER_PARTITION records (optionally an age bound) whatever was committed, so
 * `low` advances and a fetch from below it starts at `low`, as on Kafka with auto.offset.reset=earliest.
 *
 * MEMORY ONLY: no durability, no replication; records and offsets vanish with the process (or
 * `close()`). One log instance is one cluster: clients of different instances do not see each
 * other. Not modelled: session timeouts and heartbeats (members live in this process, so none goes
 * silent), transactions, compaction, topic configuration (so a producer's timestamp is not
 * bounded as input topics bound it on a broker), and the network (a fetch is a function call).
 *
 * @example
 * const log = createInProcessLog();
 * const processor = await startProcessor({ ...options, client: log });
 * // …
 * await processor.stop();
 * await log.close();
 */
export function createInProcessLog(opts: InProcessLogOptions = {}): InProcessLog {
  const storage = new LogStorage(retentionOf(opts));
  const groups = new Map<string, GroupCoordinator>();
  const live = new Set<RecordSource>();
  // What every named group has committed on a partition is released: readers resume from their
  // committed offsets, so those records are never fetched again. Partitions no group commits on
  // (dead letters) are bounded by retention alone.
  const lookBack = opts.lookBackRecords ?? DEFAULT_LOOK_BACK_RECORDS;
  const releaseCommitted = (topic: string, partition: number) => {
    let min = Infinity;
    for (const g of groups.values()) min = Math.min(min, g.committed(topic, partition) ?? Infinity);
    if (min === Infinity) return;
    const p = storage.partition(topic, partition);
    p.release(min - lookBack);
    if (opts.lookBackMs !== undefined) p.releaseOlderThan(Date.now() - opts.lookBackMs, min);
  };
  // Slow partitions (a few records a second) would otherwise take hours to fill their look-back,
  // and RSS with them; topics nobody reads would fill up to the retention bound (issue #17).
  const sweep = () => {
    for (const topic of storage.topics()) {
      const read = [...groups.values()].some((g) => g.reads(topic));
      storage.partitions(topic).forEach((p, partition) => (read ? releaseCommitted(topic, partition) : p.release(p.high - lookBack)));
    }
  };
  const sweeper = opts.lookBackMs === undefined ? undefined : setInterval(sweep, opts.lookBackSweepMs ?? LOOK_BACK_SWEEP_MS);
  (sweeper as { unref?: () => void } | undefined)?.unref?.();
  const groupOf = (groupId: string) => {
    let g = groups.get(groupId);
    if (!g) groups.set(groupId, (g = new GroupCoordinator(groupId, storage, releaseCommitted)));
    return g;
  };
  return {
    admin: async () =>
      createAdmin(storage, {
        membersOf: (groupId) => groups.get(groupId)?.memberIds() ?? [],
        // Its committed offsets no longer hold records back: the next sweep or commit releases them.
        delete: (groupId) => void groups.delete(groupId),
      }),
    sink: async () => createSink(storage),
    source: async ({ groupId, topics, shardOf, maxBytesPerPartition }) =>
      createSource({ storage, group: groupOf(groupId), topics, shardOf, maxBytesPerPartition, live }),
    tail: (topic, tailOpts, onRecords) => {
      // Without a group id the position is throwaway: a group of its own, not listed by the admin.
      const group = tailOpts.groupId !== undefined ? groupOf(tailOpts.groupId) : new GroupCoordinator('tail', storage);
      return startTail({ storage, group, live }, topic, tailOpts, onRecords);
    },
    partitionOf,
    async close() {
      clearInterval(sweeper);
      await Promise.all([...live].map((source) => source.disconnect().catch(() => {})));
      groups.clear();
      storage.clear();
    },
  };
}

function retentionOf(opts: InProcessLogOptions): Retention {
  const { maxRecordsPerPartition = DEFAULT_MAX_RECORDS_PER_PARTITION, maxAgeMs } = opts.retention ?? {};
  if (!Number.isSafeInteger(maxRecordsPerPartition) || maxRecordsPerPartition < 1) {
    throw new RangeError(`retention.maxRecordsPerPartition must be a positive integer, got ${maxRecordsPerPartition}`);
  }
  if (maxAgeMs !== undefined && !(maxAgeMs > 0)) throw new RangeError(`retention.maxAgeMs must be positive, got ${maxAgeMs}`);
  return { maxRecordsPerPartition, maxAgeMs };
}
