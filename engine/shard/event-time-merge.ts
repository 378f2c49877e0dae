import { Fifo } from './fifo.ts';
import { compareKeys, type MergeKey } from './merge-key.ts';

/**
 * Merges a shard's inputs — its own source partition and the messages of each origin shard that
 * sends to it — into the global order (merge-key.ts), holding each until nothing earlier can still
 * come (issue #16, docs/determinism.md "Where a conservative merge does work").
 *
 * Each stream is in key order by itself: the source by offset (keys use the partition's running
 * maximum), an origin's messages by its outbox sequence (an origin keys what it sends by its own
 * source, which it reads in order). So the next input is the smallest head, and it may go once every
 * stream with nothing held has promised nothing earlier: its frontier (the last key it delivered,
 * or the clock it published) is past it. An idle stream (its partition read to the end) promises
 * nothing and holds nothing up; a stream never heard from holds everything up.
 *
 * Why it terminates, also for SKUs, which answer the orders they wait for: an origin's clock stops
 * only at an input it holds while an entity awaits answers (awaiting-holds.ts), and only towards the
 * types that input may send to. Every such input comes after the placement of an order still
 * awaiting, so every clock is past the globally earliest awaiting order's reserves: the SKUs can
 * apply them, that order gets its answers, and its held inputs go. Messages from origins not
 * merged, or keyed before what was already released (an origin that sent out of key order: see
 * docs/determinism.md), are not held: the caller applies them on arrival.
 */
export class EventTimeMerge<T> {
  private readonly streams = new Map<string, Stream<T>>();
  /** The last key released: anything keyed before it can only be applied late. */
  private released: MergeKey | undefined;
  private held = 0;

  constructor(
    /** The origin shards this shard waits for (every partition of its senders' types). */
    origins: readonly string[],
  ) {
    this.streams.set(SOURCE, new Stream());
    for (const o of origins) this.streams.set(o, new Stream());
  }

  /** True when messages of `origin` are merged (else they are applied on arrival). */
  merges(origin: string): boolean {
    return origin !== SOURCE && this.streams.has(origin);
  }

  /** Inputs held now. */
  get size(): number {
    return this.held;
  }

  /** True while a message of `origin` is held (it leaves when released, and is applied then). */
  holdsFrom(origin: string): boolean {
    return (this.streams.get(origin)?.length ?? 0) > 0;
  }

  /** Source inputs held now. */
  get sourceHeld(): number {
    return this.streams.get(SOURCE)!.length;
  }

  /** True when `key` comes before what was released already: it cannot take its place any more. */
  isLate(key: MergeKey): boolean {
    return this.released !== undefined && compareKeys(key, this.released) < 0;
  }

  /** Holds a source input; its key is the stream's new frontier. */
  holdSource(key: MergeKey, item: T): void {
    this.push(this.streams.get(SOURCE)!, key, item);
  }

  /** Holds a message of a merged origin (see `merges`, `isLate`). */
  holdMessage(origin: string, key: MergeKey, item: T): void {
    this.push(this.streams.get(origin)!, key, item);
  }

  /** The source's promise while nothing of it is held: the key of the next offset, or 'idle' at its end. */
  sourceFrontier(frontier: MergeKey | 'idle'): void {
    this.streams.get(SOURCE)!.promise(frontier);
  }

  /** An origin's published clock (a clock record): it sends nothing keyed before it, or 'idle'. */
  clock(origin: string, frontier: MergeKey | 'idle'): void {
    this.streams.get(origin)?.promise(frontier);
  }

  /**
   * The next input in the global order, when nothing earlier can still come; with `force`, the
   * smallest held one whatever the silent streams (the caller's bound on waiting).
   */
  next(force = false): T | undefined {
    const first = this.firstHead();
    if (first === undefined) return undefined;
    const key = first.headKey();
    if (!force) for (const s of this.streams.values()) if (s.length === 0 && !s.passed(key)) return undefined;
    this.held--;
    this.released = key;
    return first.shift();
  }

  /** The input that comes first in the global order and its key (whether or not it may go yet); undefined when nothing is held. */
  peek(): { key: MergeKey; item: T } | undefined {
    const first = this.firstHead();
    return first === undefined ? undefined : { key: first.headKey(), item: first.peek() };
  }

  /** Which stream holds the merge up now (none when nothing is held or the head may go). */
  waitingFor(): string | undefined {
    const first = this.firstHead();
    if (first === undefined) return undefined;
    for (const [name, s] of this.streams) if (s.length === 0 && !s.passed(first.headKey())) return name;
    return undefined;
  }

  /** The stream whose head comes first in the global order; undefined when nothing is held. */
  private firstHead(): Stream<T> | undefined {
    let first: Stream<T> | undefined;
    for (const s of this.streams.values()) if (s.length > 0 && (first === undefined || compareKeys(s.headKey(), first.headKey()) < 0)) first = s;
    return first;
  }

  private push(s: Stream<T>, key: MergeKey, item: T): void {
    s.push(key, item);
    this.held++;
  }
}

/** The name of the source stream: not a shard id (those are `<type>/<partition>`). */
const SOURCE = '';

/** One input stream: what it holds, in key order, and the least key it may still deliver. */
class Stream<T> {
  private readonly keys = new Fifo<MergeKey>();
  private readonly items = new Fifo<T>();
  /** Every later input of this stream is keyed at or after this; undefined: nothing known yet. */
  private frontier: MergeKey | 'idle' | undefined;

  get length(): number {
    return this.keys.length;
  }

  headKey(): MergeKey {
    return this.keys.peek()!;
  }

  push(key: MergeKey, item: T): void {
    this.keys.push(key);
    this.items.push(item);
    if (this.frontier === undefined || this.frontier === 'idle' || compareKeys(key, this.frontier) > 0) this.frontier = key;
  }

  peek(): T {
    return this.items.peek()!;
  }

  shift(): T {
    this.keys.shift();
    return this.items.shift()!;
  }

  /** A promise only ever moves forward; 'idle' holds until the stream speaks again. */
  promise(frontier: MergeKey | 'idle'): void {
    if (frontier === 'idle' || this.frontier === undefined || this.frontier === 'idle' || compareKeys(frontier, this.frontier) > 0) this.frontier = frontier;
  }

  /** True when nothing this stream may still deliver comes before `key`. */
  passed(key: MergeKey): boolean {
    if (this.frontier === undefined) return false;
    return this.frontier === 'idle' || compareKeys(this.frontier, key) >= 0;
  }
}
