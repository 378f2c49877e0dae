import { describe, expect, test } from 'bun:test';
import { UsageError } from './command-support.ts';
import { parseAt, toStateAt } from './inspect-at.ts';

const AT = Date.parse('2026-12-01T10:00:00Z');

describe('inspect --at', () => {
  test('parses an ISO time, a bare date (UTC midnight), epoch milliseconds or offset:N', () => {
    expect(parseAt('2026-12-01T10:00:00Z')).toEqual({ at: 1_796_119_200_000 });
    expect(parseAt('2026-12-01T11:00:00+01:00')).toEqual({ at: 1_796_119_200_000 });
    expect(parseAt('2026-12-01')).toEqual({ at: Date.UTC(2026, 11, 1) });
    expect(parseAt('1796119200000')).toEqual({ at: 1_796_119_200_000 });
    expect(parseAt('offset:0')).toEqual({ offset: 0 });
    expect(parseAt('offset:1234')).toEqual({ offset: 1234 });
  });

  test('refuses anything else as a usage error naming --at', () => {
    for (const raw of ['', 'yesterday', 'Dec 1 2026', '2026-13-45', '-5', '1.5', '99999999999999999', 'offset:', 'offset:-1', 'offset:1.5', 'offset:x', 'offset:99999999999999999']) {
      expect(() => parseAt(raw)).toThrow(UsageError);
      expect(() => parseAt(raw)).toThrow('--at must be');
    }
  });

  test('a found state keeps what it was rebuilt from, times as ISO text', () => {
    const s = toStateAt({
      kind: 'found',
      answer: { type: 'sku', key: 'S-1', at: AT, state: { onHand: 4 }, quarantine: null, snapshot: { at: AT - 2000, committedAt: '2026-12-01T09:59:59.120Z' }, replayed: { inputs: 3, timers: 1, recordsRead: 5 } },
    }, 'sku', 'S-1', { at: AT });
    expect(s).toEqual({
      at: '2026-12-01T10:00:00.000Z', found: true, state: { onHand: 4 }, quarantine: null,
      snapshot: { at: '2026-12-01T09:59:58.000Z', committedAt: '2026-12-01T09:59:59.120Z' }, replayed: { inputs: 3, timers: 1, recordsRead: 5 },
    });
  });

  test('no state: the reason names what to change or why', () => {
    const notKept = toStateAt({ kind: 'not-kept', type: 'order' }, 'order', 'O-1', { at: AT });
    expect(notKept).toMatchObject({ found: false, at: '2026-12-01T10:00:00.000Z' });
    expect(!notKept.found && notKept.reason).toContain('history.actors');
    expect(!notKept.found && notKept.reason).toContain('HISTORY_ACTORS');
    const unknown = toStateAt({ kind: 'unknown' }, 'sku', 'nope', { at: AT });
    expect(!unknown.found && unknown.reason).toContain("no history of sku 'nope'");
    const before = toStateAt({ kind: 'before-history', oldestAt: Date.parse('2026-12-02T00:00:00Z') }, 'sku', 'S-1', { at: AT });
    expect(before).toMatchObject({ found: false, oldestAt: '2026-12-02T00:00:00.000Z' });
    expect(!before.found && before.reason).toContain('did not exist yet');
    expect(!before.found && before.reason).toContain('history.retention_hours');
  });

  test('by offset: the record it is right after; no such record or not an event says which', () => {
    const through = { topic: 'inventory_events', partition: 2, offset: 41 };
    const s = toStateAt({
      kind: 'found',
      answer: { type: 'sku', key: 'S-1', at: AT, through, state: { onHand: 4 }, quarantine: null, snapshot: null, replayed: { inputs: 1, timers: 0, recordsRead: 2 } },
    }, 'sku', 'S-1', { offset: 41 });
    expect(s).toMatchObject({ at: '2026-12-01T10:00:00.000Z', through, found: true });
    const missing = toStateAt({ kind: 'no-record', topic: 'inventory_events', partition: 2, offset: 900, high: 50 }, 'sku', 'S-1', { offset: 900 });
    expect(missing).toMatchObject({ at: 'offset:900', found: false });
    expect(!missing.found && missing.reason).toContain('no record at offset 900 of inventory_events partition 2');
    const bad = toStateAt({ kind: 'not-an-event', topic: 'inventory_events', partition: 2, offset: 7, reason: 'its value has no event time (ts)' }, 'sku', 'S-1', { offset: 7 });
    expect(!bad.found && bad.reason).toBe('offset 7 of inventory_events partition 2 is not an event: its value has no event time (ts)');
  });
});
