import { describe, expect, test } from 'bun:test';
import { decodeCursor, encodeCursor, sinceFilter, textFilter } from './query-filters.ts';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('query filters', () => {
  test('text filters: absent, plain, or refused (NUL, other controls, lone surrogates, too long)', () => {
    expect(textFilter('type', undefined)).toEqual({ ok: true, value: undefined });
    expect(textFilter('type', 'low_stock')).toEqual({ ok: true, value: 'low_stock' });
    for (const bad of ['\u0000', 'a\nb', '\ud800', 'x'.repeat(513)]) expect(textFilter('type', bad).ok).toBe(false);
    const r = textFilter('type', 'x'.repeat(10_000));
    expect(!r.ok && r.error.length).toBeLessThan(200);
  });

  test('since: epoch ms or ISO within the Date range; huge, infinite or junk values refused', () => {
    expect(sinceFilter('1750000000000')).toEqual({ ok: true, value: 1_750_000_000_000 });
    expect(sinceFilter('2025-06-15T00:00:00Z')).toEqual({ ok: true, value: Date.parse('2025-06-15T00:00:00Z') });
    for (const bad of ['99999999999999999999', '1e400', '8640000000000001', 'yesterday', `2025${'0'.repeat(1000)}`]) {
      expect({ bad, ok: sinceFilter(bad).ok }).toEqual({ bad, ok: false });
    }
  });

  test('cursors round-trip; tampered ones are undefined, never thrown', () => {
    expect(decodeCursor(encodeCursor(1_750_000_000_000, 'al-1'))).toEqual({ ts: 1_750_000_000_000, id: 'al-1' });
    const tampered = ['%%%', b64('not json'), b64([1e300, 'a']), b64([1.5, 'a']), b64([1, 2]), b64([1, 'a\u0000']), b64({ ts: 1, id: 'a' }), b64([1, 'a', 3]), 'A'.repeat(5000)];
    for (const c of tampered) expect(decodeCursor(c)).toBeUndefined();
    // NaN cannot be written in JSON; a cursor spelling it fails to parse.
    expect(decodeCursor(b64('[NaN,"a"]'))).toBeUndefined();
  });
});
