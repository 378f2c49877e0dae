import { describe, expect, test } from 'bun:test';
import { RECENT_IDS_PER_ENTITY, RecentIds } from './recent-ids.ts';

describe('the per-entity dedup window', () => {
  test('remembers an entity\'s last ids, per entity', () => {
    const w = new RecentIds();
    w.add('a', 'e-1', 10);
    expect(w.seen('a', 'e-1', 10)).toBe(true);
    expect(w.seen('b', 'e-1', 10)).toBe(false);
  });

  test('matches whole ids only (a prefix, suffix or infix of a remembered id is another id)', () => {
    const w = new RecentIds();
    w.add('a', 'e-12', 10);
    w.add('a', 'x-1', 10);
    for (const id of ['e-1', 'e-12', '2', 'x-', '-1', 'e-12\nx-1']) expect([id, w.seen('a', id, 10)]).toEqual([id, id === 'e-12']);
  });

  test('an event later than every remembered one is not a retry: not looked up', () => {
    const w = new RecentIds();
    w.add('a', 'e-1', 10);
    expect(w.seen('a', 'e-1', 11)).toBe(false); // a retry carries its original's ts; this id at a later ts is a new event
    expect(w.seen('a', 'e-1', 9)).toBe(true);
  });

  test(`keeps the last ${RECENT_IDS_PER_ENTITY}, oldest first, and forgets the one before`, () => {
    const w = new RecentIds();
    const ids = Array.from({ length: RECENT_IDS_PER_ENTITY + 1 }, (_, i) => `e-${i}`);
    ids.forEach((id, i) => w.add('a', id, 100 + i));
    expect(w.saved('a')).toBe(`${100 + RECENT_IDS_PER_ENTITY}\n${ids.slice(1).join('\n')}`);
    expect(w.seen('a', 'e-0', 100)).toBe(false);
    expect(w.seen('a', ids.at(-1)!, 100 + RECENT_IDS_PER_ENTITY)).toBe(true);
  });

  test('restores from its checkpointed form; junk leaves the window empty', () => {
    const w = new RecentIds();
    w.restore('a', '20\ne-1\ne-2');
    w.restore('c', 'not a window');
    w.restore('d', 'NaN\ne-1');
    w.restore('e', '5\n');
    expect([w.saved('a'), w.saved('c'), w.saved('d'), w.saved('e')]).toEqual(['20\ne-1\ne-2', undefined, undefined, undefined]);
    expect(w.seen('a', 'e-2', 20)).toBe(true);
    w.delete('a');
    expect(w.seen('a', 'e-1', 0)).toBe(false);
  });
});
