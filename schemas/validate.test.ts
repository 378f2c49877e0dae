import { describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { registerEventSpec } from './registry.ts';
import { EVENT_TYPES, decodeEvent, keyOf, parseEvent, topicOf } from './index.ts';
import { VALID_DATA, validEnvelope } from './fixtures.ts';

describe('every event type of the contract', () => {
  test('the registry lists exactly the 15 types of ARCHITECTURE.md', () => {
    expect([...EVENT_TYPES].sort() as string[]).toEqual(
      [
        'account_updated', 'cart_item_added', 'login_failed', 'login_succeeded', 'page_viewed',
        'order_cancelled', 'order_delivered', 'order_placed', 'order_shipped', 'payment_authorized',
        'payment_declined', 'refund_issued', 'reorder_point_set', 'stock_adjusted', 'stock_received',
      ].sort(),
    );
  });

  const expectedTopicAndKey: Record<string, [string, string]> = {
    login_succeeded: ['user_events', 'u-1'], login_failed: ['user_events', 'u-1'], account_updated: ['user_events', 'u-1'],
    page_viewed: ['user_events', 'u-1'], cart_item_added: ['user_events', 'u-1'],
    order_placed: ['transaction_events', 'o-1'], payment_authorized: ['transaction_events', 'o-1'],
    payment_declined: ['transaction_events', 'o-1'], order_shipped: ['transaction_events', 'o-1'],
    order_delivered: ['transaction_events', 'o-1'], order_cancelled: ['transaction_events', 'o-1'],
    refund_issued: ['transaction_events', 'o-1'],
    stock_received: ['inventory_events', 'sku-1'], stock_adjusted: ['inventory_events', 'sku-1'],
    reorder_point_set: ['inventory_events', 'sku-1'],
  };

  for (const type of EVENT_TYPES) {
    test(`${type}: a valid event decodes, with its topic and key`, () => {
      const r = decodeEvent(validEnvelope(type));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.event.type).toBe(type);
      expect(topicOf(type)).toBe(expectedTopicAndKey[type]![0] as never);
      expect(keyOf(r.event)).toBe(expectedTopicAndKey[type]![1]);
    });

    test(`${type}: each required data field missing is named`, () => {
      for (const field of Object.keys(VALID_DATA[type])) {
        const env = validEnvelope(type);
        delete (env.data as Record<string, unknown>)[field];
        const r = decodeEvent(env);
        expect(r.ok).toBe(false);
        if (r.ok) continue;
        expect(r.error.code).toBe('INVALID_DATA');
        expect(r.error.issues[0]).toEqual({ path: `/data/${field}`, message: 'is required' });
      }
    });

    test(`${type}: each data field of the wrong JSON type is rejected`, () => {
      for (const [field, value] of Object.entries(VALID_DATA[type])) {
        const env = validEnvelope(type);
        (env.data as Record<string, unknown>)[field] = typeof value === 'string' ? 42 : 'not-a-' + typeof value;
        const r = decodeEvent(env);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.issues.some((i) => i.path.startsWith(`/data/${field}`))).toBe(true);
      }
    });
  }
});

describe('field rules', () => {
  const invalid = (type: Parameters<typeof validEnvelope>[0], data: Record<string, unknown>) =>
    decodeEvent(validEnvelope(type, { data: { ...VALID_DATA[type], ...data } }));

  test('quantities must be positive whole numbers', () => {
    for (const qty of [0, -1, 1.5]) {
      const r = invalid('stock_received', { qty });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.issues[0]!.path).toBe('/data/qty');
    }
  });

  test('money cannot be negative', () => {
    const r = invalid('refund_issued', { amount: -0.01 });
    expect(r.ok || r.error.issues[0]).toEqual({ path: '/data/amount', message: 'Expected number to be greater or equal to 0' });
  });

  test('country and currency codes are upper-case ISO codes, with a message saying so', () => {
    const c = invalid('login_succeeded', { country: 'usa' });
    expect(c.ok || c.error.issues[0]!.message).toBe('Expected a two-letter upper-case country code (ISO 3166-1 alpha-2)');
    const cur = invalid('order_placed', { currency: 'eu' });
    expect(cur.ok || cur.error.issues[0]!.message).toBe('Expected a three-letter upper-case currency code (ISO 4217)');
  });

  test('an enumerated field lists the allowed values', () => {
    const r = invalid('account_updated', { field: 'nickname' });
    expect(r.ok || r.error.issues[0]).toEqual({
      path: '/data/field',
      message: 'Expected one of: email, password, payment_method, address',
    });
  });

  test('an order needs at least one item, and each item is checked', () => {
    const empty = invalid('order_placed', { items: [] });
    expect(empty.ok || empty.error.issues[0]!.path).toBe('/data/items');
    const bad = invalid('order_placed', { items: [{ sku: 'a', qty: 1, unitPrice: 1 }, { sku: '', qty: 1, unitPrice: 1 }] });
    expect(bad.ok || bad.error.issues[0]!.path).toBe('/data/items/1/sku');
  });

  test('entity keys are non-empty printable strings of at most 128 characters', () => {
    for (const orderId of ['', 'has space', 'x'.repeat(129)]) {
      const r = invalid('order_shipped', { orderId });
      expect(r.ok).toBe(false);
    }
    expect(invalid('order_shipped', { orderId: 'x'.repeat(128) }).ok).toBe(true);
  });

  test('unknown extra fields are tolerated (schema evolution)', () => {
    const r = invalid('page_viewed', { referrer: 'https://example.com', experiment: { id: 7 } });
    expect(r.ok).toBe(true);
  });
});

describe('envelope', () => {
  test('missing envelope fields are named', () => {
    const r = decodeEvent({ type: 'order_shipped', data: { orderId: 'o' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INVALID_ENVELOPE');
    expect(r.error.issues.map((i) => i.path)).toEqual(['/id', '/v', '/ts']);
  });

  test('v must be an integer ≥ 1 and ts whole epoch milliseconds', () => {
    expect(decodeEvent(validEnvelope('order_shipped', { v: 0 })).ok).toBe(false);
    expect(decodeEvent(validEnvelope('order_shipped', { ts: 1.5 })).ok).toBe(false);
    expect(decodeEvent(validEnvelope('order_shipped', { ts: -1 })).ok).toBe(false);
  });

  test('non-objects are rejected, not thrown', () => {
    for (const value of [null, 42, 'x', [], true]) expect(decodeEvent(value).ok).toBe(false);
  });

  test('an unknown type is its own error', () => {
    const r = decodeEvent(validEnvelope('order_shipped', { type: 'order_teleported' }));
    expect(r.ok || [r.error.code, r.error.message]).toEqual(['UNKNOWN_EVENT_TYPE', "/type: unknown event type 'order_teleported'"]);
  });

  test('a version newer than the registry knows is refused with the supported list', () => {
    const r = decodeEvent(validEnvelope('order_placed', { v: 3 }));
    expect(r.ok || [r.error.code, r.error.message]).toEqual([
      'UNSUPPORTED_VERSION',
      "/v: version 3 of 'order_placed' is not supported (supported: 1, 2)",
    ]);
  });

  test('the data key must match the record key when one is given', () => {
    expect(decodeEvent(validEnvelope('order_shipped'), 'o-1').ok).toBe(true);
    const r = decodeEvent(validEnvelope('order_shipped'), 'o-2');
    expect(r.ok || r.error.code).toBe('KEY_MISMATCH');
  });
});

describe('upcasting', () => {
  test('order_placed v1 (no currency) becomes v2 with USD', () => {
    const { currency: _drop, ...v1 } = VALID_DATA.order_placed;
    const r = decodeEvent(validEnvelope('order_placed', { v: 1, data: v1 }));
    expect(r.ok).toBe(true);
    if (!r.ok || r.event.type !== 'order_placed') return;
    expect(r.event.v).toBe(2);
    expect(r.event.data.currency).toBe('USD');
    expect(r.event.data.items).toEqual([{ sku: 'sku-1', qty: 2, unitPrice: 19.99 }]);
  });

  test('order_placed v2 without currency is invalid (the default applies to v1 only)', () => {
    const { currency: _drop, ...noCurrency } = VALID_DATA.order_placed;
    const r = decodeEvent(validEnvelope('order_placed', { v: 2, data: noCurrency }));
    expect(r.ok || r.error.issues[0]!.path).toBe('/data/currency');
  });
});

describe('parseEvent (serialized input)', () => {
  test('bytes and strings decode alike', () => {
    const json = JSON.stringify(validEnvelope('stock_received'));
    expect(parseEvent(json).ok).toBe(true);
    expect(parseEvent(new TextEncoder().encode(json)).ok).toBe(true);
  });

  test('malformed JSON and invalid UTF-8 are INVALID_JSON', () => {
    const truncated = parseEvent('{"id": ');
    expect(truncated.ok || truncated.error.code).toBe('INVALID_JSON');
    const r = parseEvent(new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(r.ok || r.error.code).toBe('INVALID_JSON');
  });

  test('input over 64 KiB is OVERSIZE, exactly 64 KiB is not', () => {
    const base = JSON.stringify(validEnvelope('page_viewed', { data: { userId: 'u-1', path: '' } }));
    const pad = (n: number) => base.replace('"path":""', `"path":"${'p'.repeat(n)}"`);
    const limit = 64 * 1024;
    const exact = pad(limit - base.length);
    expect(exact.length).toBe(limit);
    // The path label itself is capped at 512 characters, so this is rejected as data, not size.
    const atLimit = parseEvent(exact);
    expect(atLimit.ok || atLimit.error.code).toBe('INVALID_DATA');
    const over = pad(limit - base.length + 1);
    const r = parseEvent(over);
    expect(r.ok || r.error.code).toBe('OVERSIZE');
  });
});

describe("a module's own upcaster", () => {
  // Each was found by review: a throw stopped the shard's partition (every retry threw again) and
  // made a whole ingest answer 500; a changed key sent the event to a shard that refused it.
  const KEY = Type.String();
  const specWith = (type: string, upcast: (d: Record<string, unknown>) => Record<string, unknown>) =>
    registerEventSpec(type, { topic: 'cart_events', keyField: 'cartId', latest: 2, schemas: { 1: Type.Object({ cartId: KEY }), 2: Type.Object({ cartId: KEY, n: Type.Integer() }) }, upcasters: { 1: upcast } });
  const v1 = (type: string) => ({ id: 'e-1', type, v: 1, ts: 1_700_000_000_000, data: { cartId: 'c-1' } });

  test('that throws (anything) is INVALID_DATA naming the versions and the reason', () => {
    specWith('zz_upcast_throws', () => { throw Object.create(null); });
    const r = decodeEvent(v1('zz_upcast_throws'));
    expect(r.ok || [r.error.code, r.error.issues]).toEqual(['INVALID_DATA', [{ path: '/v', message: 'upcasting zz_upcast_throws v1 to v2 failed: an object' }]]);
  });

  test('whose result the newest schema refuses is INVALID_DATA, saying it was upcast', () => {
    specWith('zz_upcast_bad', (d) => ({ ...d, n: 'one' }));
    const r = decodeEvent(v1('zz_upcast_bad'));
    expect(r.ok || [r.error.code, r.error.issues[0]!.path, r.error.issues[0]!.message.endsWith('(after upcasting to v2)')]).toEqual(['INVALID_DATA', '/data/n', true]);
  });

  test('that changes the key is INVALID_DATA', () => {
    specWith('zz_upcast_rekey', (d) => ({ ...d, cartId: 'C-1', n: 1 }));
    const r = decodeEvent(v1('zz_upcast_rekey'));
    expect(r.ok || r.error.issues).toEqual([{ path: '/data/cartId', message: `upcasting to v2 changed the key from 'c-1' to "C-1"` }]);
  });

  test('that does its job passes', () => {
    specWith('zz_upcast_ok', (d) => ({ ...d, n: 1 }));
    const r = decodeEvent(v1('zz_upcast_ok'));
    expect(r.ok && (r.event.data as unknown)).toEqual({ cartId: 'c-1', n: 1 });
  });
});
