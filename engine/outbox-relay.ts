import type { OutgoingRecord, RecordSink } from './record-sink.ts';
import { ORIGIN_HEADER, SEQ_HEADER } from './shard/records.ts';
import { deleteRelayed, pendingOutbox, type Sql } from '../store/index.ts';

/**
 * Publishes a shard's committed outbox rows to Kafka, oldest first, then deletes them. It runs
 * after every checkpoint commit and when a new owner takes a shard over (so a crashed owner's
 * committed outputs still go out). A crash between publish and delete republishes rows with the
 * same `x-origin`/`x-seq`, which receivers drop exactly; nothing is lost because rows leave the
 * table only after Kafka acknowledged them (idempotent producer, acks=all).
 */
export interface OutboxRelay {
  /** Publishes everything pending for `shard`; returns how many records went out. */
  flush(shard: string): Promise<number>;
}

/** Rows per produce call: large enough to amortise the round trip, small enough to bound memory. */
const BATCH = 2000;
const MAX_BATCH_BYTES = 512 * 1024;

export function createOutboxRelay(sql: Sql, sink: RecordSink): OutboxRelay {
  const running = new Map<string, Promise<number>>();

  async function flushOnce(shard: string): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await pendingOutbox(sql, shard, BATCH);
      if (rows.length === 0) return total;
      const batch: OutgoingRecord[] = [];
      // Cap a produce call by size too: Kafka refuses a request over message.max.bytes (1 MB by
      // default), and a refused batch would be retried forever, wedging the shard's outbox.
      let bytes = 0;
      let taken = 0;
      for (const r of rows) {
        const size = recordSize(r);
        if (taken > 0 && bytes + size > MAX_BATCH_BYTES) break;
        bytes += size;
        taken++;
        batch.push({ topic: r.topic, key: r.key, value: r.value, headers: { ...r.headers, [ORIGIN_HEADER]: shard, [SEQ_HEADER]: String(r.seq) } });
      }
      await sink.send(batch);
      await deleteRelayed(sql, shard, rows[taken - 1]!.seq);
      total += taken;
    }
  }

  return {
    flush(shard) {
      // One flush per shard at a time keeps the per-origin sequence in order on every partition.
      const previous = running.get(shard) ?? Promise.resolve(0);
      const next = previous.catch(() => 0).then(() => flushOnce(shard));
      running.set(shard, next);
      return next.finally(() => {
        if (running.get(shard) === next) running.delete(shard);
      });
    },
  };
}

/** Roughly what a row weighs in a produce request: key, value and headers (characters, not bytes). */
function recordSize(r: { key: string; value: string; headers: Record<string, string> }): number {
  let size = r.key.length + r.value.length;
  for (const [name, value] of Object.entries(r.headers)) size += name.length + value.length;
  return size;
}
