import { describe, expect, test } from 'bun:test';
import { RECENT_IDS_PER_ENTITY, RecentIds } from './recent-ids.ts';

describe('the per-entity dedup window', () => {
  test('remembers an entity\'s last ids, per entity', () => {
    const w = new RecentIds();
    w.add('a', 'e-1');
    expect(w.seen('a', 'e-1')).toBe(true);
    expect(w.seen('b', 'e-1')).toBe(false);
  });

  test('matches whole ids only (a prefix, suffix or infix of a remembered id is another id)', () => {
    const w = new RecentIds();
    w.add('a', 'e-12');
    w.add('a', 'x-1');
    for (const id of ['e-1', 'e-12', '2', 'x-', '-1', 'e-12\nx-1']) expect([id, w.seen('a', id)]).toEqual([id, id === 'e-12']);
  });

  test(`keeps the last ${RECENT_IDS_PER_ENTITY}, oldest first, and forgets the one before`, () => {
    const w = new RecentIds();
    const ids = Array.from({ length: RECENT_IDS_PER_ENTITY + 1 }, (_, i) => `e-${i}`);
    for (const id of ids) w.add('a', id);
    expect(w.saved('a')).toBe(ids.slice(1).join('\n'));
    expect(w.seen('a', 'e-0')).toBe(false);
    expect(w.seen('a', ids.at(-1)!)).toBe(true);
  });

  test('restores from its checkpointed form; an empty one leaves the window empty', () => {
    const w = new RecentIds();
    w.restore('a', 'e-1\ne-2');
    w.restore('c', '');
    w.restore('d', '\n\n');
    expect([w.saved('a'), w.saved('c'), w.saved('d')]).toEqual(['e-1\ne-2', undefined, undefined]);
    expect(w.seen('a', 'e-2')).toBe(true);
    w.delete('a');
    expect(w.seen('a', 'e-1')).toBe(false);
  });
});
