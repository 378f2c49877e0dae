import { describe, expect, test } from 'bun:test';
import { mayEvict, Residency } from './residency.ts';

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

  test('once evicting, a use within a sixteenth of idleMs keeps its place; a later one moves it to the back', () => {
    const r = new Residency();
    r.touch('a', 0);
    r.touch('b', 0);
    expect(r.evict({ idleMs: 1600, maxEntities: 100 }, 0, never)).toEqual([]); // resolution now 100 ms
    r.touch('a', 99); // kept where it was, its use time 0
    expect(r.evict({ idleMs: 1600, maxEntities: 1 }, 100, never)).toEqual(['a']);
    r.touch('c', 150);
    r.touch('b', 200); // moved behind c: 200 ms after its last use
    expect(r.evict({ idleMs: 1600, maxEntities: 1 }, 300, never)).toEqual(['c']);
    expect(r.evict({ idleMs: 1600, maxEntities: 100 }, 1799, never)).toEqual([]);
    expect(r.evict({ idleMs: 1600, maxEntities: 100 }, 1800, never)).toEqual(['b']);
  });

  test('given the policy at the start, a use within a sixteenth of idleMs keeps its place before any eviction too', () => {
    const r = new Residency(undefined, 1600);
    r.touch('a', 0);
    r.touch('b', 0);
    r.touch('a', 99); // kept where it was
    expect(r.evict({ idleMs: 1600, maxEntities: 1 }, 100, never)).toEqual(['a']);
  });

  test('the oldest use: the front of the recency order, moving forward with uses and evictions', () => {
    const r = new Residency();
    expect(r.oldestUse()).toBeUndefined();
    r.touch('a', 10);
    r.touch('b', 20);
    expect(r.oldestUse()).toBe(10);
    r.touch('a', 30);
    expect(r.oldestUse()).toBe(20);
    r.evict({ idleMs: 5, maxEntities: 100 }, 26, never);
    expect(r.oldestUse()).toBe(30);
  });

  test('mayEvict: false only when nothing is idle long enough and the shard is within maxEntities', () => {
    const p = { idleMs: 1000, maxEntities: 2 };
    expect(mayEvict(p, 2, 500, 1499)).toBe(false);
    expect(mayEvict(p, 2, 500, 1500)).toBe(true); // the oldest is idle
    expect(mayEvict(p, 3, 500, 600)).toBe(true); // beyond maxEntities
    expect(mayEvict(p, 0, undefined, 600)).toBe(false); // empty
    expect(mayEvict(p, 1, undefined, 600)).toBe(true); // not reported yet (no apply since the shard opened)
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

  test('beyond maxEvictedKeys the evicted keys are forgotten: any key not in memory may be stored, and is looked up', () => {
    const r = new Residency(2);
    for (const k of ['a', 'b', 'c']) r.touch(k, 0);
    r.evict({ idleMs: 1e9, maxEntities: 1 }, 1, never); // a, b: at the cap, remembered
    expect([...r.evicted]).toEqual(['a', 'b']);
    expect(r.mayBeStored('never-seen')).toBe(false);
    r.evict({ idleMs: 1e9, maxEntities: 0 }, 2, never); // c: one past the cap
    expect(r.evicted.size).toBe(0);
    expect(r.unknownMayBeStored).toBe(true);
    for (const k of ['a', 'b', 'c', 'never-seen']) expect(r.mayBeStored(k)).toBe(true);
    // A key looked up and found new is not looked up again ...
    r.lookedUpNew('n');
    expect(r.mayBeStored('n')).toBe(false);
    // ... until it has a committed state and leaves memory: then it must be looked up again.
    r.touch('n', 3);
    r.evict({ idleMs: 0, maxEntities: 0 }, 4, never);
    expect(r.mayBeStored('n')).toBe(true);
    expect(r.evicted.size).toBe(0); // nothing is remembered any more
  });

  test('the keys found new are bounded too: past the cap they are forgotten (looked up again)', () => {
    const r = new Residency(2);
    r.awaitStoredKeys();
    r.storedKeys(['x', 'y', 'z'], never); // more keys than it remembers: it goes on looking up
    expect(r.unknownMayBeStored).toBe(true);
    for (const k of ['n1', 'n2']) r.lookedUpNew(k);
    expect(r.mayBeStored('n1')).toBe(false);
    r.lookedUpNew('n3');
    expect(r.notStored.size).toBe(0);
    expect(r.mayBeStored('n1')).toBe(true);
  });

  test('after a lazy restore, keys evicted before the stored keys arrive are remembered, and the hand-over ends the look-ups', () => {
    const r = new Residency(10);
    r.awaitStoredKeys();
    r.touch('new-since', 0);
    // Committed and evicted before the key list (read earlier, without it) is handed over.
    r.evict({ idleMs: 0, maxEntities: 0 }, 1, never);
    r.storedKeys(['old-1', 'old-2'], never);
    expect(r.unknownMayBeStored).toBe(false);
    expect(['old-1', 'old-2', 'new-since'].map((k) => r.mayBeStored(k))).toEqual([true, true, true]);
    expect(r.mayBeStored('never-seen')).toBe(false);
    // A second hand-over changes nothing.
    r.storedKeys(['late'], never);
    expect(r.mayBeStored('late')).toBe(false);
  });
});

