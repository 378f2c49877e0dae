import { LRUCache } from 'lru-cache';

/**
 * Events this instance produced recently, as (topic, entity key, event id): the fast path of
 * idempotent ingest. A client that lost a 202 and retries gets its events listed as duplicates
 * instead of producing them again. Bounded in count and age, per instance: a retry that lands on
 * another instance, comes after a restart or the TTL, or races the first attempt still reaches
 * Kafka, and the engine's per-entity deduplication (docs/domain-rules.md) applies it once.
 */
export interface RecentEvents {
  has(topic: string, key: string, id: string): boolean;
  /** Call only after Kafka acknowledged the records: an unacknowledged event was not ingested. */
  remember(entries: Iterable<{ topic: string; key: string; id: string }>): void;
  readonly size: number;
}

export function createRecentEvents(opts: { maxEntries: number; ttlMs: number }): RecentEvents {
  if (opts.maxEntries <= 0) return { has: () => false, remember: () => {}, size: 0 };
  // ttlAutopurge off: expired entries are dropped when met or pushed out by max, with no timer per entry.
  const cache = new LRUCache<string, true>({ max: opts.maxEntries, ttl: opts.ttlMs, ttlAutopurge: false, updateAgeOnGet: false });
  return {
    has: (topic, key, id) => cache.has(entryKey(topic, key, id)),
    remember(entries) {
      for (const e of entries) cache.set(entryKey(e.topic, e.key, e.id), true);
    },
    get size() {
      return cache.size;
    },
  };
}

/** One string per (topic, key, id); JSON keeps the parts apart whatever characters they hold. */
export function entryKey(topic: string, key: string, id: string): string {
  return JSON.stringify([topic, key, id]);
}
