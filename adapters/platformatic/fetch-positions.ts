import type { BatchControl, TopicPartition } from '../../engine/index.ts';

/** The key of a topic partition in the fetcher's maps. */
export const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** A partition to fetch now, from `offset`. */
export interface FetchPart extends TopicPartition {
  key: string;
  offset: bigint;
}

/**
 * Where a source fetches each assigned partition next, and which partitions it may fetch. Pure
 * bookkeeping (no I/O), so the port's position rules are unit-tested here:
 * - only `consumedThrough` moves a position forward, so a batch returned without it comes again;
 * - a seek waits for the partition's next fetch and then overrides the position; until then the
 *   batch in flight is not current;
 * - a new generation forgets positions (fetching restarts at the group's committed offset, as a
 *   Kafka consumer does after a rebalance); pending seeks and pauses outlive it;
 * - a busy partition (fetch in flight, batch queued or in the handler) is not fetched again, so a
 *   partition has one batch at a time, across generations too.
 */
export class FetchPositions {
  generation = 0;
  #assigned: TopicPartition[] = [];
  #positions = new Map<string, bigint>();
  #seeks = new Map<string, bigint>();
  #paused = new Set<string>();
  #busy = new Set<string>();

  /** A new generation with these partitions; returns its number. */
  assign(partitions: readonly TopicPartition[]): number {
    this.#assigned = partitions.map(({ topic, partition }) => ({ topic, partition }));
    this.#positions.clear();
    return ++this.generation;
  }

  assigned(): readonly TopicPartition[] {
    return this.#assigned;
  }

  seek({ topic, partition }: TopicPartition, offset: bigint): void {
    this.#seeks.set(tpKey(topic, partition), offset);
  }

  seekPending(key: string): boolean {
    return this.#seeks.has(key);
  }

  pause(tps: readonly TopicPartition[]): void {
    for (const { topic, partition } of tps) this.#paused.add(tpKey(topic, partition));
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const { topic, partition } of tps) this.#paused.delete(tpKey(topic, partition));
  }

  /** Assigned partitions with neither a position nor a pending seek: their start is looked up. */
  unpositioned(): TopicPartition[] {
    return this.#assigned.filter(({ topic, partition }) => {
      const key = tpKey(topic, partition);
      return !this.#positions.has(key) && !this.#seeks.has(key);
    });
  }

  /** The looked-up start of a partition, unless a newer generation, a seek or a position came first. */
  setStart(generation: number, { topic, partition }: TopicPartition, offset: bigint): void {
    const key = tpKey(topic, partition);
    if (generation === this.generation && !this.#positions.has(key) && !this.#seeks.has(key)) this.#positions.set(key, offset);
  }

  /** Partitions that may be fetched now: assigned, not paused, not busy, with a position or a seek. */
  fetchable(): TopicPartition[] {
    return this.#assigned.filter(({ topic, partition }) => {
      const key = tpKey(topic, partition);
      return !this.#paused.has(key) && !this.#busy.has(key) && (this.#positions.has(key) || this.#seeks.has(key));
    });
  }

  /** Marks `tps` busy and returns where to fetch them from, applying pending seeks. */
  take(tps: readonly TopicPartition[]): FetchPart[] {
    return tps.map(({ topic, partition }) => {
      const key = tpKey(topic, partition);
      const sought = this.#seeks.get(key);
      if (sought !== undefined) {
        this.#seeks.delete(key);
        this.#positions.set(key, sought);
      }
      this.#busy.add(key);
      return { topic, partition, key, offset: this.#positions.get(key)! };
    });
  }

  /** The partition's fetch or batch is over: it may be fetched again. */
  release(key: string): void {
    this.#busy.delete(key);
  }

  busy(): number {
    return this.#busy.size;
  }

  /** Records through `offset` are done; ignored for a batch of an ended generation. */
  consumedThrough(generation: number, key: string, offset: bigint): void {
    if (generation === this.generation) this.#positions.set(key, offset + 1n);
  }

  /** A position moved by the client itself (past transaction markers, or reset after retention). */
  moveTo(generation: number, key: string, offset: bigint): void {
    if (generation === this.generation && !this.#seeks.has(key)) this.#positions.set(key, offset);
  }

  /** Whether data fetched from `from` may still be handed out: nothing moved or paused the partition meanwhile. */
  deliverable(generation: number, key: string, from: bigint): boolean {
    return generation === this.generation && !this.#seeks.has(key) && !this.#paused.has(key) && this.#positions.get(key) === from;
  }

  /** The port's control of a batch fetched in `generation`; `running` is false once the source stopped. */
  control(generation: number, key: string, running: () => boolean): BatchControl {
    return {
      current: () => running() && this.generation === generation && !this.#seeks.has(key),
      consumedThrough: (offset) => this.consumedThrough(generation, key, BigInt(offset)),
      // platformatic heartbeats on its own timer, whatever the handlers do.
      heartbeat: async () => {},
    };
  }
}
