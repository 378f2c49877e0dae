/**
 * A first-in first-out queue read by a head index: `shift` is O(1), and the array is compacted once
 * the consumed part is at least half of it (and 1024 entries), so a long-lived queue neither copies
 * per item nor keeps what it handed out alive. An array's own `shift` is O(n) on V8 once the array
 * is large: draining one entity's 300,000 held inputs that way stopped its shard for 4.6 s on Deno
 * (bench/held-drain.ts). Used where a shard holds inputs in arrival order (event-time-merge.ts,
 * merged-inputs.ts, awaiting-holds.ts).
 */
export class Fifo<T> {
  private items: (T | undefined)[];
  private head = 0;

  /** A queue of `items`, oldest first (the array is taken over, not copied). */
  constructor(items: T[] = []) {
    this.items = items;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /**
   * Inserts `item` after the newest item for which `notAfter` holds, scanning from the newest: items
   * that must come after it stay after it. Never before the head; at the end when none moves.
   */
  insertAfterLast(item: T, notAfter: (existing: T) => boolean): void {
    let i = this.items.length;
    while (i > this.head && !notAfter(this.items[i - 1]!)) i--;
    this.items.splice(i, 0, item);
  }

  /** The items, oldest first. */
  *values(): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }

  /** The oldest item for which `test` holds. */
  find(test: (item: T) => boolean): T | undefined {
    for (let i = this.head; i < this.items.length; i++) if (test(this.items[i]!)) return this.items[i];
    return undefined;
  }

  /** The items, oldest first, as a new array; also what JSON.stringify writes for the queue. */
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }

  toJSON(): T[] {
    return this.toArray();
  }

  /** The oldest item; undefined when empty. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Removes and returns the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // collectable before the array is compacted
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
