import { describe, expect, test } from 'bun:test';
import { FetchPositions } from './fetch-positions.ts';

/** Where a member fetches next, against the port's rules (engine/record-source.ts) and Kafka's earliest reset. */
describe('fetch positions', () => {
  test('a partition starts at the committed offset, else at low', () => {
    const p = new FetchPositions();
    expect(p.next('a', 4, 0, 10)).toBe(4);
    expect(p.next('b', undefined, 3, 10)).toBe(3);
  });

  test('consumedThrough moves past the offset; nothing consumed means the same position again', () => {
    const p = new FetchPositions();
    expect(p.next('a', undefined, 0, 10)).toBe(0);
    expect(p.next('a', undefined, 0, 10)).toBe(0);
    p.consumedThrough('a', 5);
    expect(p.next('a', 2, 0, 10)).toBe(6); // the position wins over the committed offset
  });

  test('a seek is pending until the next fetch and then wins, even over a later consumedThrough', () => {
    const p = new FetchPositions();
    p.next('a', undefined, 0, 10);
    p.seek('a', 7);
    p.consumedThrough('a', 8);
    expect(p.seekPending('a')).toBe(true);
    expect(p.next('a', undefined, 0, 10)).toBe(7);
    expect(p.seekPending('a')).toBe(false);
  });

  test('a position below low (retention) or past high restarts at low; high itself is valid (wait there)', () => {
    const p = new FetchPositions();
    p.seek('a', 2);
    expect(p.next('a', undefined, 5, 10)).toBe(5);
    p.seek('a', 11);
    expect(p.next('a', undefined, 5, 10)).toBe(5);
    p.seek('a', 10);
    expect(p.next('a', undefined, 5, 10)).toBe(10);
    expect(p.next('b', 1, 5, 10)).toBe(5); // a committed offset retention has passed
  });

  test('a new generation forgets positions (back to committed offsets) but keeps pending seeks', () => {
    const p = new FetchPositions();
    p.consumedThrough('a', 5);
    p.seek('b', 3);
    p.forgetPositions();
    expect(p.next('a', 2, 0, 10)).toBe(2);
    expect(p.next('b', 8, 0, 10)).toBe(3);
  });
});
