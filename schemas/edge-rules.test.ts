import { describe, expect, test } from 'bun:test';
import { DEFAULT_MAX_FUTURE_MS, decodeEvent, parseEvent } from './index.ts';
import { validEnvelope } from './fixtures.ts';

/**
 * The edge rules of issue 18 (docs/domain-rules.md, "Edge rules"): every string that can reach a
 * checkpoint, an alert id or an SSE line is well-formed Unicode without control characters, and
 * event time may not run ahead of the checker's reference time by more than the allowed skew.
 */
const HOSTILE: [string, string][] = [
  ['NUL', 'e\u0000x'],
  ['a lone high surrogate', 'e\ud800x'],
  ['a lone low surrogate', 'e\udc00'],
  ['a newline', 'e\nx'],
  ['a carriage return', 'e\rx'],
  ['DEL', 'e\u007fx'],
  ['a C1 control', 'e\u0085x'],
  ['U+2028', 'e\u2028x'],
];

function withData(env: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  return { ...env, data: { ...(env.data as Record<string, unknown>), ...fields } };
}

function codeOf(env: unknown): string | undefined {
  const r = decodeEvent(env);
  return r.ok ? undefined : r.error.code;
}

describe('identifiers', () => {
  for (const [what, bad] of HOSTILE) {
    test(`an event id with ${what} is refused, naming /id`, () => {
      const r = decodeEvent({ ...validEnvelope('stock_received'), id: bad });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('INVALID_ENVELOPE');
      expect(r.error.issues[0]!.path).toBe('/id');
      expect(r.error.issues[0]!.message).toContain('control characters');
    });
  }

  test('card fingerprints, IPs and device ids follow the identifier rule', () => {
    const pay = validEnvelope('payment_authorized');
    expect(codeOf(withData(pay, { cardFingerprint: 'fp\u0000' }))).toBe('INVALID_DATA');
    const login = validEnvelope('login_succeeded');
    expect(codeOf(withData(login, { ip: '10.0.0.1\n' }))).toBe('INVALID_DATA');
    expect(codeOf(withData(login, { deviceId: 'd\ud83d' }))).toBe('INVALID_DATA');
  });

  test('non-ASCII but well-formed identifiers are fine (an emoji is a surrogate pair)', () => {
    expect(codeOf({ ...validEnvelope('stock_received'), id: 'évènement-😀-1' })).toBeUndefined();
  });

  test('an event type with control characters is refused as an envelope error, before it is echoed', () => {
    expect(codeOf({ ...validEnvelope('stock_received'), type: 'stock\u0000received' })).toBe('INVALID_ENVELOPE');
  });
});

describe('free text', () => {
  test('tab and line breaks are allowed in a reason; NUL, other controls and lone surrogates are not', () => {
    const adj = validEnvelope('stock_adjusted');
    expect(codeOf(withData(adj, { reason: 'line one\n\tline two\r\n' }))).toBeUndefined();
    expect(codeOf(withData(adj, { reason: 'x\u0000' }))).toBe('INVALID_DATA');
    expect(codeOf(withData(adj, { reason: 'x\u001b[31m' }))).toBe('INVALID_DATA');
    expect(codeOf(withData(adj, { reason: 'x\udfff' }))).toBe('INVALID_DATA');
  });

  test('a page path with NUL is refused', () => {
    const view = validEnvelope('page_viewed');
    expect(codeOf(withData(view, { path: '/a\u0000b' }))).toBe('INVALID_DATA');
  });
});

describe('event time', () => {
  const now = 1_800_000_000_000;
  const limits = { notAfter: now + DEFAULT_MAX_FUTURE_MS };

  test('the default skew is five minutes', () => {
    expect(DEFAULT_MAX_FUTURE_MS).toBe(300_000);
  });

  test('ts up to the skew ahead is accepted; one millisecond more is FUTURE_TIMESTAMP at /ts', () => {
    expect(decodeEvent({ ...validEnvelope('stock_received'), ts: now + 300_000 }, undefined, limits).ok).toBe(true);
    const r = decodeEvent({ ...validEnvelope('stock_received'), ts: now + 300_001 }, undefined, limits);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('FUTURE_TIMESTAMP');
    expect(r.error.issues[0]!.path).toBe('/ts');
  });

  test('the year 275760 is refused, the far past is allowed', () => {
    expect(parseEvent(JSON.stringify({ ...validEnvelope('stock_received'), ts: 8.64e15 }), undefined, limits).ok).toBe(false);
    expect(decodeEvent({ ...validEnvelope('stock_received'), ts: 0 }, undefined, limits).ok).toBe(true);
  });

  test('without limits only the schema bound applies (offline tools, the pure driver)', () => {
    expect(decodeEvent({ ...validEnvelope('stock_received'), ts: 8.64e15 }).ok).toBe(true);
  });
});

describe('unknown extra fields', () => {
  test('are tolerated on the wire but never reach an actor (found by the fuzz run: an order kept them in a deferred event)', () => {
    const env = withData(validEnvelope('order_shipped'), { '\u0000': true, '\ud800': { x: 'y\u0000' } });
    const r = decodeEvent(env);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.data).toEqual({ orderId: 'o-1' });
    // the caller's object is left as sent (the HTTP edge produces it as the client sent it)
    expect(Object.keys(env.data as object)).toContain('\u0000');
  });

  test('nested ones too (order items), also from serialized input', () => {
    const env = validEnvelope('order_placed');
    const data = env.data as { items: Record<string, unknown>[] };
    data.items = [{ ...data.items[0], note: 'x\u0000' }];
    const r = parseEvent(JSON.stringify(env));
    expect(r.ok && (r.event.data as { items: object[] }).items[0]).toEqual({ sku: 'sku-1', qty: 2, unitPrice: 19.99 });
  });
});
