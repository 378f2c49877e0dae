import type { LogClient, TailRecord } from './log-client.ts';

/** Longest wait for a range's first record (a kafkajs tail joins a throwaway group first). */
const FIRST_RECORD_MS = 15_000;
/**
 * Silence after which a started range counts as read: its last offsets may hold no record a
 * consumer sees (transaction markers), so reaching `end - 1` is not guaranteed.
 */
const QUIET_MS = 1_500;

/**
 * The records of `topic`'s `partition` with offsets in [start, end), in offset order, read with a
 * throwaway tail (no consumer group remembers it). For looking back into the log, not for
 * processing: it holds the whole range in memory, so callers bound it.
 */
export async function readPartitionRange(client: LogClient, topic: string, partition: number, start: number, end: number): Promise<TailRecord[]> {
  if (start >= end) return [];
  const out: TailRecord[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let timer = setTimeout(finish, FIRST_RECORD_MS);
  const tail = await client.tail(topic, { from: { partition, offset: start } }, (records) => {
    clearTimeout(timer);
    for (const r of records) {
      const offset = Number(r.offset);
      if (r.partition !== partition || offset < start) continue;
      if (offset >= end) return finish();
      out.push(r);
      if (offset >= end - 1) return finish();
    }
    timer = setTimeout(finish, QUIET_MS);
  });
  try {
    await finished;
  } finally {
    clearTimeout(timer);
    await tail.stop();
  }
  return out;
}
