/** The key of a topic partition in a member's maps. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/**
 * Where one member fetches each of its partitions next. A seek waits for the partition's next
 * fetch and then overrides everything else; marking records consumed moves the position past them
 * (and may move it back); a new generation forgets positions, so a partition starts again from the
 * group's committed offset, as a Kafka consumer does after a rebalance.
 */
export class FetchPositions {
  #positions = new Map<string, number>();
  #seeks = new Map<string, number>();

  /** A new generation: fetch from committed offsets again (pending seeks still apply). */
  forgetPositions(): void {
    this.#positions.clear();
  }

  seek(key: string, offset: number): void {
    this.#seeks.set(key, offset);
  }

  /** True from a seek until the partition's next fetch: the batch in flight is no longer current. */
  seekPending(key: string): boolean {
    return this.#seeks.has(key);
  }

  /** Records up to and including `offset` are done: the next fetch starts after it. */
  consumedThrough(key: string, offset: number): void {
    this.#positions.set(key, offset + 1);
  }

  /**
   * The offset the next fetch starts at, applying a pending seek: the sought offset, else past the
   * last consumed one, else the group's committed offset, else the beginning. A position outside
   * [low, high] — records dropped by retention, or past the end — restarts at `low`, as Kafka's
   * auto.offset.reset=earliest does: the engine then sees a first record later than it expected
   * and, having sought back once, accepts the retention gap (engine/intake.ts).
   */
  next(key: string, committed: number | undefined, low: number, high: number): number {
    const sought = this.#seeks.get(key);
    if (sought !== undefined) {
      this.#seeks.delete(key);
      this.#positions.set(key, sought);
    }
    let position = this.#positions.get(key) ?? committed ?? low;
    if (position < low || position > high) position = low;
    this.#positions.set(key, position);
    return position;
  }
}
