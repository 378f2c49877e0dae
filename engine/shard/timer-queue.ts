import { DueQueue } from '../../actors/due-queue.ts';
import type { TimerMessage } from '../../schemas/index.ts';

/** A pending actor timer of one shard. `seq` is unique within the shard and orders ties. */
export interface PendingTimer {
  key: string;
  dueAt: number;
  seq: number;
  timer: TimerMessage;
}

/**
 * The shard's timers, due-time ordered, on the same queue as the test driver's
 * (actors/due-queue.ts), so the runtime fires timers in the oracle's order. Scheduling and firing
 * are O(log n), and a shard may hold one payment timeout per open order.
 */
export class TimerQueue {
  private readonly queue = new DueQueue<PendingTimer>();

  get size(): number {
    return this.queue.size;
  }

  push(t: PendingTimer): void {
    this.queue.push(t.dueAt, t.seq, t);
  }

  /** Removes and returns the earliest timer due strictly before `limit` (an input's time), or at it when `inclusive`, if any. */
  popDueBefore(limit: number, inclusive = false): PendingTimer | undefined {
    return this.queue.popDueBefore(limit, inclusive);
  }

  /** Calls `visit` with the key of every timer due at or before `limit` (a key once per timer). */
  forKeysDueBy(limit: number, visit: (key: string) => void): void {
    this.queue.forEachDueBefore(limit, true, (t) => visit(t.key));
  }

  /** The pending timers of `keys`, by key, due order within each (one pass over the queue). */
  forKeys(keys: ReadonlySet<string>): Map<string, PendingTimer[]> {
    const out = new Map<string, PendingTimer[]>();
    if (keys.size === 0) return out;
    for (const t of this.queue.unordered()) {
      if (!keys.has(t.key)) continue;
      const list = out.get(t.key);
      if (list) list.push(t);
      else out.set(t.key, [t]);
    }
    for (const list of out.values()) list.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    return out;
  }

  /** The largest `seq` pending, or 0: the restored shard numbers new timers after it. */
  maxSeq(): number {
    return this.queue.maxSeq();
  }
}
