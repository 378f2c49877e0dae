import { DueQueue } from '../actors/due-queue.ts';

/**
 * The generator's processes by due time, ordered by (at, insertion order). The tie-break on
 * insertion order makes the pop order — and so the generated stream — independent of heap
 * internals, which determinism needs. The heap is the project's one due-time queue
 * (actors/due-queue.ts); this adapter numbers the entries and remembers the last due time.
 */
export class TimeHeap<T> {
  private readonly queue = new DueQueue<T>();
  private seq = 0;
  /** Due time of the item most recently returned by `pop`. */
  lastAt = 0;

  get size(): number {
    return this.queue.size;
  }

  /** Due time of the next item, or Infinity when empty. */
  peekAt(): number {
    return this.queue.peekAt();
  }

  push(at: number, item: T): void {
    this.queue.push(at, this.seq++, item);
  }

  /** Removes and returns the earliest item; `undefined` when empty. `lastAt` holds its due time. */
  pop(): T | undefined {
    if (this.queue.size === 0) return undefined;
    this.lastAt = this.queue.peekAt();
    return this.queue.pop();
  }
}
