/**
 * Which of a shard's entities are held in memory (passivation). An entity that has been idle for
 * a while and whose latest state is already committed is evicted; its key is remembered so that
 * the next input for it is held back until its state is read back from Postgres ("rehydrated").
 * An entity with a pending timer may leave too (an order waits 15 minutes for its payment): its
 * timer stays queued, and a batch that could fire it first waits for its state like an input
 * for it would (EntityTable.missingKeys).
 *
 * Recency is the insertion order of `lastUsed` (re-inserted on every use), so the oldest entities
 * are found from the front without sorting.
 */
export interface PassivationPolicy {
  /** Evict entities not used for this long (wall-clock ms). */
  idleMs: number;
  /** Also evict the least recently used beyond this many entities in the shard. */
  maxEntities: number;
}

export class Residency {
  private readonly lastUsed = new Map<string, number>();
  /** Keys evicted from memory whose committed state is in Postgres. */
  readonly evicted = new Set<string>();
  /**
   * After a lazy restore, until the shard's keys arrive (`storedKeys`): any key not in memory may
   * have a committed state in Postgres, so its first input waits for a look-up. Taking a shard
   * over then waits for neither its states nor its keys (issue #17: restart in place at 1M).
   */
  unknownMayBeStored = false;
  /** Keys looked up while `unknownMayBeStored` and found to have no committed state: new entities. */
  readonly notStored = new Set<string>();

  touch(key: string, now: number): void {
    this.lastUsed.delete(key);
    this.lastUsed.set(key, now);
  }

  /**
   * Keys to evict now, oldest first: idle past `policy.idleMs`, or beyond `policy.maxEntities`,
   * skipping keys for which `keep` is true (uncommitted changes).
   * The chosen keys are moved to `evicted`; the caller drops their states.
   */
  evict(policy: PassivationPolicy, now: number, keep: (key: string) => boolean): string[] {
    const out: string[] = [];
    let excess = this.lastUsed.size - policy.maxEntities;
    for (const [key, at] of this.lastUsed) {
      if (excess <= 0 && now - at < policy.idleMs) break;
      if (keep(key)) continue;
      out.push(key);
      excess--;
    }
    for (const key of out) {
      this.lastUsed.delete(key);
      this.evicted.add(key);
    }
    return out;
  }

  /**
   * Committed entities a lazy restore left in Postgres: they are treated as evicted, so their next
   * input waits for their state to be read back (keys already in memory are not among them).
   */
  storedElsewhere(keys: readonly string[]): void {
    for (const key of keys) this.evicted.add(key);
  }

  /**
   * The keys of the shard's committed entities, read after a lazy restore: those not in memory
   * (`resident`) are evicted ones from now on, and every other key is new. Keys committed since the
   * restore were written by this shard, so they are in memory or evicted already.
   */
  storedKeys(keys: readonly string[], resident: (key: string) => boolean): void {
    if (!this.unknownMayBeStored) return;
    for (const key of keys) if (!resident(key)) this.evicted.add(key);
    this.unknownMayBeStored = false;
    this.notStored.clear();
  }

  /** `key` is not in memory: might it have a committed state? */
  mayBeStored(key: string): boolean {
    return this.evicted.has(key) || (this.unknownMayBeStored && !this.notStored.has(key));
  }

  /** The key's state is back in memory. */
  rehydrated(key: string, now: number): void {
    this.evicted.delete(key);
    this.touch(key, now);
  }
}
