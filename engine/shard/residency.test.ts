import { describe, expect, test } from 'bun:test';
import { Residency } from './residency.ts';

const policy = { idleMs: 1000, maxEntities: 100 };
const never = () => false;

describe('residency (passivation)', () => {
  test('evicts entities idle for at least idleMs, oldest first, and remembers them as evicted', () => {
    const r = new Residency();
    r.touch('a', 0);
    r.touch('b', 500);
    r.touch('c', 900);
    expect(r.evict(policy, 1500, never)).toEqual(['a', 'b']);
    expect([...r.evicted]).toEqual(['a', 'b']);
    expect(r.evict(policy, 1500, never)).toEqual([]); // c is 600 ms idle
  });

  test('a use moves an entity to the back: recency, not first sight', () => {
    const r = new Residency();
    r.touch('a', 0);
    r.touch('b', 0);
    r.touch('a', 800);
    expect(r.evict(policy, 1000, never)).toEqual(['b']);
  });

  test('beyond maxEntities the least recently used go, even when not idle', () => {
    const r = new Residency();
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) r.touch(k, i);
    expect(r.evict({ idleMs: 1e9, maxEntities: 2 }, 10, never)).toEqual(['a', 'b']);
  });

  test('keeps entities with uncommitted changes (a pending timer no longer keeps one: see shard.test.ts)', () => {
    const r = new Residency();
    r.touch('dirty', 0);
    r.touch('idle', 0);
    expect(r.evict(policy, 5000, (k) => k === 'dirty')).toEqual(['idle']);
    expect(r.evict(policy, 5000, (k) => k === 'dirty')).toEqual([]);
    expect(r.evict(policy, 5000, never)).toEqual(['dirty']);
  });

  test('a rehydrated entity is no longer evicted and counts as just used', () => {
    const r = new Residency();
    r.touch('a', 0);
    r.evict(policy, 2000, never);
    r.rehydrated('a', 2000);
    expect(r.evicted.has('a')).toBe(false);
    expect(r.evict(policy, 2500, never)).toEqual([]);
    expect(r.evict(policy, 3000, never)).toEqual(['a']);
  });
});
