/**
 * The one priority queue of things due at a time: the test driver's timers, the shard's timers and
 * the generator's processes. Entries leave earliest first and, among entries due at the same time,
 * in `seq` order (unique within a queue), so the pop order never depends on heap internals: replays
 * and generated streams are deterministic, and the driver (the oracle) fires timers in the order
 * the runtime does. It lives in actors/, the pure layer the runtime and the generator already
 * import, so neither of them depends on the other.
 *
 * Hand-written on purpose, after measuring the kept libraries: tinyqueue, heap-js and
 * @datastructures-js/priority-queue hold one object per entry and compare through a callback;
 * for the generator's heap of ~100k sleeping processes tinyqueue took 3.9 s per 3M pop+push where
 * this binary heap over parallel number arrays takes 0.8 s (1k entries: 0.44 s vs 0.39 s). flatqueue
 * keeps parallel arrays but orders by one number, and (due time, seq) does not fit in a double.
 *
 * @example
 * const q = new DueQueue<string>();
 * q.push(20, 1, 'late');
 * q.push(10, 2, 'early');
 * q.popDueBefore(15); // 'early'
 * q.popDueBefore(20); // undefined: an entry due at exactly 20 is not due *before* 20
 * q.popDueBefore(20, true); // 'late'
 */
export class DueQueue<T> {
  // Parallel arrays: comparisons read unboxed numbers only, and no wrapper object per entry.
  private readonly ats: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Adds `item` due at `at`; `seq` orders it among items due at the same time. */
  push(at: number, seq: number, item: T): void {
    let i = this.items.length;
    this.ats.push(at);
    this.seqs.push(seq);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(at, seq, parent)) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, at, seq, item);
  }

  /** Due time of the earliest item, or Infinity when empty. */
  peekAt(): number {
    return this.items.length === 0 ? Infinity : this.ats[0]!;
  }

  /** Removes and returns the earliest item; undefined when empty. */
  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0]!;
    const at = this.ats.pop()!;
    const seq = this.seqs.pop()!;
    const item = this.items.pop()!;
    if (n > 1) this.siftDown(at, seq, item);
    return top;
  }

  /**
   * Removes and returns the earliest item if it is due strictly before `limit` (or at it, when
   * `inclusive`); otherwise undefined, the queue unchanged. An input at time `ts` fires what is due
   * before `ts` (an input at exactly the due time is on time); moving the clock to `ts` fires what
   * is due at `ts` too.
   */
  popDueBefore(limit: number, inclusive = false): T | undefined {
    if (this.items.length === 0) return undefined;
    const at = this.ats[0]!;
    // "Not later than the limit" rather than "earlier": a NaN limit pops, as the shard's queue did.
    if (inclusive ? at > limit : at >= limit) return undefined;
    return this.pop();
  }

  /**
   * Calls `visit` for every item due strictly before `limit` (or at it, when `inclusive`), in no
   * particular order, removing none. A walk of the heap that skips every subtree whose root is not
   * due (nothing below it is), so it costs the number of due items, not the queue's size.
   */
  forEachDueBefore(limit: number, inclusive: boolean, visit: (item: T) => void): void {
    const { ats, items } = this;
    const stack: number[] = items.length > 0 ? [0] : [];
    while (stack.length > 0) {
      const i = stack.pop()!;
      const at = ats[i]!;
      if (inclusive ? at > limit : at >= limit) continue;
      visit(items[i]!);
      const left = 2 * i + 1;
      if (left < items.length) stack.push(left);
      if (left + 1 < items.length) stack.push(left + 1);
    }
  }

  /** The largest `seq` held, or 0 when empty: where an owner restored with these items numbers on. */
  maxSeq(): number {
    let max = 0;
    for (const seq of this.seqs) if (seq > max) max = seq;
    return max;
  }

  /** Every item, in no particular order (the heap's): for scans that need no order. */
  unordered(): readonly T[] {
    return this.items;
  }

  /** Every item in the order they would leave, without removing any. */
  sorted(): T[] {
    const order = this.items.map((_, i) => i);
    order.sort((i, j) => this.ats[i]! - this.ats[j]! || this.seqs[i]! - this.seqs[j]!);
    return order.map((i) => this.items[i]!);
  }

  private siftDown(at: number, seq: number, item: T): void {
    const n = this.items.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.before(this.ats[right]!, this.seqs[right]!, left) ? right : left;
      // Only a child strictly earlier moves up (as in every heap this one replaced).
      if (!this.after(at, seq, child)) break;
      this.move(child, i);
      i = child;
    }
    this.set(i, at, seq, item);
  }

  /** Whether (at, seq) leaves strictly before the entry at index `j`. */
  private before(at: number, seq: number, j: number): boolean {
    const other = this.ats[j]!;
    return at < other || (at === other && seq < this.seqs[j]!);
  }

  /** Whether the entry at index `j` leaves strictly before (at, seq). */
  private after(at: number, seq: number, j: number): boolean {
    const other = this.ats[j]!;
    return other < at || (other === at && this.seqs[j]! < seq);
  }

  private move(from: number, to: number): void {
    this.ats[to] = this.ats[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.items[to] = this.items[from]!;
  }

  private set(i: number, at: number, seq: number, item: T): void {
    this.ats[i] = at;
    this.seqs[i] = seq;
    this.items[i] = item;
  }
}
