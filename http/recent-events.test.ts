import { describe, expect, test } from 'bun:test';
import { createRecentEvents } from './recent-events.ts';

describe('recent events (edge deduplication)', () => {
  test('remembers (topic, key, id): the same id for another entity or topic is a different event', () => {
    const r = createRecentEvents({ maxEntries: 10, ttlMs: 60_000 });
    r.remember([{ topic: 'inventory_events', key: 'sku-1', id: 'e-1' }]);
    expect(r.has('inventory_events', 'sku-1', 'e-1')).toBe(true);
    expect(r.has('inventory_events', 'sku-2', 'e-1')).toBe(false);
    expect(r.has('user_events', 'sku-1', 'e-1')).toBe(false);
    // Parts cannot run into each other.
    r.remember([{ topic: 't', key: 'a","b', id: 'c' }]);
    expect(r.has('t', 'a', 'b","c')).toBe(false);
  });

  test('bounded in count (oldest first out) and in age', async () => {
    const r = createRecentEvents({ maxEntries: 3, ttlMs: 50 });
    r.remember([1, 2, 3, 4].map((i) => ({ topic: 't', key: 'k', id: `e-${i}` })));
    expect(r.size).toBe(3);
    expect(r.has('t', 'k', 'e-1')).toBe(false);
    expect(r.has('t', 'k', 'e-4')).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(r.has('t', 'k', 'e-4')).toBe(false);
  });

  test('0 entries turns it off', () => {
    const r = createRecentEvents({ maxEntries: 0, ttlMs: 1000 });
    r.remember([{ topic: 't', key: 'k', id: 'e' }]);
    expect(r.has('t', 'k', 'e')).toBe(false);
  });
});
