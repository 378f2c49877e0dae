import type { Send } from './test-driver.ts';

/**
 * Sends waiting for delivery, oldest first. Breadth-first: sends caused by a delivery queue behind
 * every send already waiting.
 */
export class SendQueue {
  private readonly queue: Send[] = [];
  private head = 0; // immediate mode consumes the queue by index: no O(n) shift per delivery

  constructor(
    private readonly deliver: (s: Send) => void,
    /** Deliveries one drain may make before it is called a message loop. */
    private readonly maxCascade: number,
  ) {}

  /** How many sends are pending. */
  get size(): number {
    return this.queue.length - this.head;
  }

  push(s: Send): void {
    this.queue.push(s);
  }

  /** A copy of the pending sends, oldest first. */
  pending(): readonly Send[] {
    return this.queue.slice(this.head);
  }

  /** Delivers pending sends, and the sends they cause, until none is left; returns how many. */
  drain(): number {
    let n = 0;
    while (this.head < this.queue.length) {
      if (++n > this.maxCascade) throw new Error(`sends did not settle after ${this.maxCascade} deliveries: a message loop between actors?`);
      this.deliver(this.queue[this.head++]!);
    }
    this.queue.length = 0;
    this.head = 0;
    return n;
  }

  /** Delivers the pending send at `index` (0 = oldest), out of its turn. */
  deliverAt(index: number): void {
    const s = this.queue[this.head + index];
    if (s === undefined) throw new RangeError(`no pending send at index ${index} (${this.queue.length - this.head} pending)`);
    this.queue.splice(this.head + index, 1);
    this.deliver(s);
  }
}
