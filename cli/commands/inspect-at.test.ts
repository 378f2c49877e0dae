import { describe, expect, test } from 'bun:test';
import { UsageError } from './command-support.ts';
import { parseAt, toStateAt } from './inspect-at.ts';

const AT = Date.parse('2026-12-01T10:00:00Z');

describe('inspect --at', () => {
  test('parses an ISO time, a bare date (UTC midnight) or epoch milliseconds', () => {
    expect(parseAt('2026-12-01T10:00:00Z')).toBe(1_796_119_200_000);
    expect(parseAt('2026-12-01T11:00:00+01:00')).toBe(1_796_119_200_000);
    expect(parseAt('2026-12-01')).toBe(Date.UTC(2026, 11, 1));
    expect(parseAt('1796119200000')).toBe(1_796_119_200_000);
  });

  test('refuses anything else as a usage error naming --at', () => {
    for (const raw of ['', 'yesterday', 'Dec 1 2026', '2026-13-45', '-5', '1.5', '99999999999999999']) {
      expect(() => parseAt(raw)).toThrow(UsageError);
      expect(() => parseAt(raw)).toThrow('--at must be');
    }
  });

  test('a found state keeps what it was rebuilt from, times as ISO text', () => {
    const s = toStateAt({
      kind: 'found',
      answer: { type: 'sku', key: 'S-1', at: AT, state: { onHand: 4 }, quarantine: null, snapshot: { at: AT - 2000, committedAt: '2026-12-01T09:59:59.120Z' }, replayed: { inputs: 3, timers: 1, recordsRead: 5 } },
    }, 'sku', 'S-1', AT);
    expect(s).toEqual({
      at: '2026-12-01T10:00:00.000Z', found: true, state: { onHand: 4 }, quarantine: null,
      snapshot: { at: '2026-12-01T09:59:58.000Z', committedAt: '2026-12-01T09:59:59.120Z' }, replayed: { inputs: 3, timers: 1, recordsRead: 5 },
    });
  });

  test('no state: the reason names what to change or why', () => {
    const notKept = toStateAt({ kind: 'not-kept', type: 'order' }, 'order', 'O-1', AT);
    expect(notKept).toMatchObject({ found: false, at: '2026-12-01T10:00:00.000Z' });
    expect(!notKept.found && notKept.reason).toContain('history.actors');
    expect(!notKept.found && notKept.reason).toContain('HISTORY_ACTORS');
    const unknown = toStateAt({ kind: 'unknown' }, 'sku', 'nope', AT);
    expect(!unknown.found && unknown.reason).toContain("no history of sku 'nope'");
    const before = toStateAt({ kind: 'before-history', oldestAt: Date.parse('2026-12-02T00:00:00Z') }, 'sku', 'S-1', AT);
    expect(before).toMatchObject({ found: false, oldestAt: '2026-12-02T00:00:00.000Z' });
    expect(!before.found && before.reason).toContain('did not exist yet');
    expect(!before.found && before.reason).toContain('history.retention_hours');
  });
});
