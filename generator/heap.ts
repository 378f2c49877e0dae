/**
 * A binary min-heap of items due at a time, ordered by (at, insertion order). The tie-break on
 * insertion order makes the pop order — and so the generated stream — independent of heap
 * internals, which determinism needs. Parallel arrays avoid one wrapper object per entry.
 */
export class TimeHeap<T> {
  private readonly ats: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];
  private seq = 0;
  /** Due time of the item most recently returned by `pop`. */
  lastAt = 0;

  get size(): number {
    return this.items.length;
  }

  /** Due time of the next item, or Infinity when empty. */
  peekAt(): number {
    return this.items.length === 0 ? Infinity : this.ats[0]!;
  }

  push(at: number, item: T): void {
    let i = this.items.length;
    const seq = this.seq++;
    this.ats.push(at);
    this.seqs.push(seq);
    this.items.push(item);
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(at, seq, parent)) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, at, seq, item);
  }

  /** Removes and returns the earliest item; `undefined` when empty. `lastAt` holds its due time. */
  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0]!;
    this.lastAt = this.ats[0]!;
    const at = this.ats.pop()!;
    const seq = this.seqs.pop()!;
    const item = this.items.pop()!;
    if (n > 1) this.siftDown(at, seq, item);
    return top;
  }

  private siftDown(at: number, seq: number, item: T): void {
    const n = this.items.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.lessIdx(right, left) ? right : left;
      if (!this.lessThan(child, at, seq)) break;
      this.move(child, i);
      i = child;
    }
    this.set(i, at, seq, item);
  }

  private less(at: number, seq: number, j: number): boolean {
    const bt = this.ats[j]!;
    return at < bt || (at === bt && seq < this.seqs[j]!);
  }

  private lessIdx(i: number, j: number): boolean {
    return this.less(this.ats[i]!, this.seqs[i]!, j);
  }

  /** Whether the entry at index j sorts before (at, seq). */
  private lessThan(j: number, at: number, seq: number): boolean {
    const aj = this.ats[j]!;
    return aj < at || (aj === at && this.seqs[j]! < seq);
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
