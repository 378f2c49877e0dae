import type { RecordSource, Tail, TailOptions, TailRecord } from '../../engine/index.ts';
import { toTailRecord } from './batch.ts';
import type { GroupCoordinator } from './consumer-group.ts';
import type { LogStorage } from './log-storage.ts';
import { createSource } from './source.ts';

export interface TailSetup {
  storage: LogStorage;
  /** `opts.groupId`'s group of the log, or a group of its own when the position is throwaway. */
  group: GroupCoordinator;
  live: Set<RecordSource>;
}

/**
 * LogClient.tail on the in-process log: a member of its own group that reads every partition of
 * `topic` (tails sharing a `groupId` split them, as Kafka consumers of one group do). Where the
 * group has a committed offset it starts there (so a tail with `groupId` continues where the
 * last one of that group stopped); elsewhere at `from`: the beginning, or the end as of joining.
 * With `groupId`, each delivered batch is committed once `onRecords` returned. `onRecords` is
 * called for one batch at a time; when it throws, the batch comes again after a backoff.
 */
export async function startTail(
  s: TailSetup,
  topic: string,
  opts: TailOptions,
  onRecords: (records: TailRecord[]) => void | Promise<void>,
): Promise<Tail> {
  const source = createSource({ storage: s.storage, group: s.group, topics: [topic], shardOf: () => undefined, live: s.live });
  await source.run(
    {
      assigned(partitions) {
        const from = opts.from;
        if (typeof from === 'object') {
          // One partition from an offset: the others are held at their end, so they deliver nothing old.
          for (const tp of partitions) source.seek(tp, tp.partition === from.partition ? from.offset : s.storage.partition(tp.topic, tp.partition).high);
          return;
        }
        if (from !== 'end') return;
        for (const tp of partitions) {
          if (s.group.committed(tp.topic, tp.partition) !== undefined) continue;
          const end = s.storage.partition(tp.topic, tp.partition).high;
          source.seek(tp, end);
          // Kept in the group at once: a later member of it starts here, not at a later end.
          if (opts.groupId !== undefined) s.group.commit(tp.topic, tp.partition, end);
        }
      },
      async batch(batch, control) {
        if (!control.current()) return;
        if (typeof opts.from === 'object' && batch.partition !== opts.from.partition) return control.consumedThrough(batch.lastOffset);
        await onRecords(batch.records.map((m) => toTailRecord(batch.topic, batch.partition, m)));
        control.consumedThrough(batch.lastOffset);
        if (opts.groupId !== undefined) await source.commit([{ topic: batch.topic, partition: batch.partition, offset: Number(batch.lastOffset) + 1 }]);
      },
    },
    { concurrency: 1 },
  );
  return { stop: () => source.disconnect() };
}
