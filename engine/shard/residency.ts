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
  /** See Residency's `maxEvictedKeys` (default DEFAULT_MAX_EVICTED_KEYS). */
  maxEvictedKeys?: number;
}

/**
 * Keys of evicted entities a shard remembers at most (~85 B each): beyond it, it forgets them and
 * looks up every key not in memory once instead. Without a bound a shard that keeps seeing new
 * keys (an order id per order) would grow by the key of every entity it ever passivated.
 */
export const DEFAULT_MAX_EVICTED_KEYS = 1_000_000;

/**
 * Whether a shard of `size` entities, the least recently used of them last used at `oldestUseAt`
 * (both as its last apply reported them), may have any to evict at `now`. False only when it
 * surely has none: nothing idle long enough (the oldest use only moves forward, Residency.oldestUse)
 * and no more entities than the policy keeps. Entities added by applies not yet answered count
 * from their answer on: one checkpoint later at most.
 */
export function mayEvict(policy: PassivationPolicy, size: number, oldestUseAt: number | undefined, now: number): boolean {
  if (size > policy.maxEntities) return true;
  if (oldestUseAt === undefined) return size > 0;
  return now - oldestUseAt >= policy.idleMs;
}

/** Residency's `touchResolutionMs` at most: a second is nothing against the default ten idle minutes. */
const MAX_TOUCH_RESOLUTION_MS = 1_000;

function touchResolutionFor(idleMs: number): number {
  return Math.min(MAX_TOUCH_RESOLUTION_MS, idleMs / 16);
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
  /** After a lazy restore, until `storedKeys`: evicted keys are still remembered, as the keys handed over may predate them. */
  private awaitingKeys = false;
  /** Keys looked up while `unknownMayBeStored` and found to have no committed state: new entities. */
  readonly notStored = new Set<string>();

  /**
   * `maxEvictedKeys` bounds `evicted` (and `notStored`): past it the shard forgets which keys it
   * evicted and treats every key not in memory as possibly stored (`unknownMayBeStored`), as after
   * a lazy restore — memory stays bounded and the price is one look-up for each new key.
   */
  constructor(
    private readonly maxEvictedKeys = DEFAULT_MAX_EVICTED_KEYS,
    /** The policy's `idleMs`, when known at the start: use times are as coarse from the start as after an eviction. */
    idleMs?: number,
  ) {
    if (idleMs !== undefined) this.touchResolutionMs = touchResolutionFor(idleMs);
  }

  /**
   * How stale a use time may be left (set from the policy given at the start, or else at the first
   * eviction; exact until then): re-inserting a key moves it to the back of `lastUsed`, a delete
   * and an insert in a map of every entity for every input, which a backlog profile put at ~3% of
   * applying. A key used again within this span keeps its place, so it may leave up to this much
   * before `idleMs`.
   */
  private touchResolutionMs = 0;

  touch(key: string, now: number): void {
    const at = this.lastUsed.get(key);
    if (at !== undefined && now - at < this.touchResolutionMs) return;
    this.lastUsed.delete(key);
    this.lastUsed.set(key, now);
  }

  /**
   * When the least recently used entity in memory was last used (undefined: none is). It only
   * moves forward while the wall clock does: a use moves its entity to the back, new entities
   * come in at the back, evictions take from the front.
   */
  oldestUse(): number | undefined {
    for (const at of this.lastUsed.values()) return at;
    return undefined;
  }

  /**
   * Keys to evict now, oldest first: idle past `policy.idleMs`, or beyond `policy.maxEntities`,
   * skipping keys for which `keep` is true (uncommitted changes).
   * The chosen keys are moved to `evicted`; the caller drops their states.
   */
  evict(policy: PassivationPolicy, now: number, keep: (key: string) => boolean): string[] {
    this.touchResolutionMs = touchResolutionFor(policy.idleMs);
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
      this.remember(key);
    }
    return out;
  }

  /** A lazy restore: any key may be stored until `storedKeys` hands the shard's keys over. */
  awaitStoredKeys(): void {
    this.unknownMayBeStored = true;
    this.awaitingKeys = true;
  }

  /** `key` left memory with its state in Postgres. */
  private remember(key: string): void {
    // Once the evicted keys are forgotten any key not in memory may be stored: one found new
    // before must be looked up again now.
    if (this.unknownMayBeStored && !this.awaitingKeys) this.notStored.delete(key);
    else if (this.evicted.add(key).size > this.maxEvictedKeys) this.forgetEvictedKeys();
  }

  private forgetEvictedKeys(): void {
    this.evicted.clear();
    this.notStored.clear();
    this.unknownMayBeStored = true;
    this.awaitingKeys = false;
  }

  /** See `unknownMayBeStored`: a key just looked up and found to have no committed state. */
  lookedUpNew(key: string): void {
    if (this.notStored.add(key).size > this.maxEvictedKeys) this.notStored.clear();
  }

  /**
   * Committed entities a lazy restore left in Postgres: they are treated as evicted, so their next
   * input waits for their state to be read back (keys already in memory are not among them).
   */
  storedElsewhere(keys: readonly string[]): void {
    for (const key of keys) this.remember(key);
  }

  /**
   * The keys of the shard's committed entities, read after a lazy restore: those not in memory
   * (`resident`) are evicted ones from now on, and every other key is new. Keys committed since the
   * restore were written by this shard, so they are in memory or evicted already.
   */
  storedKeys(keys: readonly string[], resident: (key: string) => boolean): void {
    if (!this.awaitingKeys) return;
    this.awaitingKeys = false;
    // More keys than the shard remembers: it goes on looking keys up instead.
    if (keys.length + this.evicted.size > this.maxEvictedKeys) return this.forgetEvictedKeys();
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
