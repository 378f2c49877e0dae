import { MAX_EVENT_BYTES, type ErrorCode } from '../schemas/index.ts';
import { Rng } from './random.ts';

/** Ways a record can be bad; each maps to the error code the pipeline must dead-letter it with. */
export type PoisonReason = 'invalid_json' | 'unknown_type' | 'invalid_data' | 'oversize' | 'key_mismatch';

export const POISON_REASONS: readonly PoisonReason[] = ['invalid_json', 'unknown_type', 'invalid_data', 'oversize', 'key_mismatch'];

/** The code `parseEvent(value, key)` rejects each kind of poison with. */
export const POISON_CODES: Readonly<Record<PoisonReason, ErrorCode>> = {
  invalid_json: 'INVALID_JSON',
  unknown_type: 'UNKNOWN_EVENT_TYPE',
  invalid_data: 'INVALID_DATA',
  oversize: 'OVERSIZE',
  key_mismatch: 'KEY_MISMATCH',
};

/** A malformed Kafka record for dead-letter tests: raw value, flagged with why it is bad. */
export interface PoisonRecord {
  topic: string;
  key: string;
  value: string;
  reason: PoisonReason;
  /** What `parseEvent(value, key)` must answer. */
  expectedCode: ErrorCode;
}

/**
 * `n` poison records cycling through the five reasons, deterministic for `seed`.
 * @example for (const p of createPoisonRecords(1, 5)) expect(parseEvent(p.value, p.key).ok).toBe(false);
 */
export function createPoisonRecords(seed: number, n: number): PoisonRecord[] {
  const records: PoisonRecord[] = [];
  for (let i = 0; i < n; i++) records.push(poisonRecord(seed, i));
  return records;
}

/** The `index`-th poison record of `seed`, without building the ones before it. */
export function poisonRecord(seed: number, index: number): PoisonRecord {
  const reason = POISON_REASONS[index % POISON_REASONS.length]!;
  const rng = Rng.fromSeed((Math.imul(seed, 0x2c1b3c6d) ^ Math.imul(index + 1, 0x297a2d39)) >>> 0);
  const id = `p-${seed}-${index}`;
  const ts = 1_700_000_000_000 + index;
  const userId = `u-${String(rng.int(1, 999_999)).padStart(6, '0')}`;
  const orderId = `o-${seed}-${String(rng.int(1, 9_999_999)).padStart(7, '0')}`;
  const make = (topic: string, key: string, value: string): PoisonRecord => ({
    topic,
    key,
    value,
    reason,
    expectedCode: POISON_CODES[reason],
  });
  switch (reason) {
    case 'invalid_json': {
      // A producer that died mid-write: the value is cut off, so the braces never close.
      const whole = JSON.stringify({ id, type: 'page_viewed', v: 1, ts, data: { userId, path: '/products/sku-0001' } });
      return make('user_events', userId, whole.slice(0, rng.int(10, whole.length - 5)));
    }
    case 'unknown_type':
      return make('user_events', userId, JSON.stringify({ id, type: rng.pick(UNKNOWN_TYPES), v: 1, ts, data: { userId } }));
    case 'invalid_data': {
      // Schema-valid JSON, envelope fine, one field of data wrong.
      const data = rng.pick(INVALID_DATA)(userId, orderId);
      return make(data.topic, data.key, JSON.stringify({ id, type: data.type, v: 1, ts, data: data.data }));
    }
    case 'oversize': {
      // Well-formed but over the limit: an extra field (tolerated by the schema) stuffed with text.
      const note = 'x'.repeat(MAX_EVENT_BYTES + rng.int(1, 4096));
      return make('user_events', userId, JSON.stringify({ id, type: 'page_viewed', v: 1, ts, data: { userId, path: '/', note } }));
    }
    case 'key_mismatch': {
      // A valid event produced under another order's key: it would reach the wrong actor.
      const value = JSON.stringify({ id, type: 'order_shipped', v: 1, ts, data: { orderId } });
      return make('transaction_events', `${orderId}-other`, value);
    }
  }
}

const UNKNOWN_TYPES = ['page_scrolled', 'coupon_applied', 'wishlist_added', 'OrderPlaced'] as const;

type BadData = { topic: string; key: string; type: string; data: Record<string, unknown> };

const INVALID_DATA: readonly ((userId: string, orderId: string) => BadData)[] = [
  (userId) => ({ topic: 'user_events', key: userId, type: 'cart_item_added', data: { userId, sku: 'sku-0001', qty: -2 } }),
  (userId) => ({ topic: 'user_events', key: userId, type: 'login_succeeded', data: { userId, country: 'usa', ip: '1.2.3.4', deviceId: 'd-1' } }),
  (_userId, orderId) => ({ topic: 'transaction_events', key: orderId, type: 'refund_issued', data: { orderId, amount: 'ten' } }),
  () => ({ topic: 'inventory_events', key: 'sku-0001', type: 'stock_received', data: { sku: 'sku-0001', qty: 0 } }),
];
