import type { TimerMessage } from '../../schemas/index.ts';

/** A pending actor timer of one shard. `seq` is unique within the shard and orders ties. */
export interface PendingTimer {
  key: string;
  dueAt: number;
  seq: number;
  timer: TimerMessage;
}

/**
 * The shard's timers, due-time ordered. A binary min-heap: scheduling and firing are O(log n),
 * and a shard may hold one payment timeout per open order.
 */
export class TimerQueue {
  private heap: PendingTimer[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(t: PendingTimer): void {
    const h = this.heap;
    h.push(t);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  /** Removes and returns the earliest timer due strictly before `limit`, if any. */
  popDueBefore(limit: number): PendingTimer | undefined {
    const h = this.heap;
    if (h.length === 0 || h[0]!.dueAt >= limit) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
        if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  maxSeq(): number {
    let max = 0;
    for (const t of this.heap) if (t.seq > max) max = t.seq;
    return max;
  }
}

function earlier(a: PendingTimer, b: PendingTimer): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
}
