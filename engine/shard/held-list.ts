import type { HeldInput } from './awaiting-holds.ts';
import { compareKeys, decodeRootKey } from './merge-key.ts';

/**
 * One entity's held inputs, oldest first, read from the head by an index. An array's `shift` is
 * O(n) on V8 once the array is large, so draining a list was quadratic on Deno: one entity holding
 * 100,000 inputs took 0.5 s, 300,000 took 4.6 s, its whole shard stopped meanwhile; 2–10 ms now
 * (bench/held-drain.ts; Bun's JSC shifts in O(1) and took 9–15 ms either way). The consumed head
 * is dropped once it is at least half the array and 1,024 entries, as in fifo.ts.
 */
export class HeldList {
  private items: (HeldInput | undefined)[];
  private head = 0;

  constructor(items: HeldInput[] = []) {
    this.items = items;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** The oldest input; undefined when empty. */
  first(): HeldInput | undefined {
    return this.items[this.head];
  }

  push(h: HeldInput): void {
    this.items.push(h);
  }

  /** Inserts `h` after every input keyed at or before it (inputs held behind a notice stay in key order). */
  insertByRoot(h: HeldInput): void {
    const k = h.root === undefined ? undefined : decodeRootKey(h.root, 0);
    let i = this.items.length;
    if (k !== undefined) {
      while (i > this.head) {
        const prev = this.items[i - 1]!.root;
        const pk = prev === undefined ? undefined : decodeRootKey(prev, 0);
        if (pk === undefined || compareKeys(pk, k) <= 0) break;
        i--;
      }
    }
    this.items.splice(i, 0, h);
  }

  /** Removes and returns the oldest input; undefined when empty. */
  shift(): HeldInput | undefined {
    if (this.head === this.items.length) return undefined;
    const h = this.items[this.head]!;
    this.items[this.head++] = undefined; // collectable before the array is compacted
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return h;
  }

  /** The first input, oldest first, for which `test` holds. */
  find(test: (h: HeldInput) => boolean): HeldInput | undefined {
    for (let i = this.head; i < this.items.length; i++) if (test(this.items[i]!)) return this.items[i];
    return undefined;
  }

  /** The inputs, oldest first, as a new array. */
  toArray(): HeldInput[] {
    return this.items.slice(this.head) as HeldInput[];
  }

  /** What a checkpoint row stores: the inputs as an array (JSON.stringify calls this). */
  toJSON(): HeldInput[] {
    return this.toArray();
  }

  *[Symbol.iterator](): IterableIterator<HeldInput> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}
