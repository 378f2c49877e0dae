import { Type } from '@sinclair/typebox';
import { IDENTIFIER_FORMAT, TEXT_FORMAT } from './edge-formats.ts';

/**
 * Field types shared by every event schema. Limits are deliberately tight: an id of 10 kB or a
 * negative quantity is never a legitimate business event, and rejecting it at the edge keeps
 * actor state small and the dead-letter reason precise.
 */

/** An entity key (userId, orderId, sku): non-empty, printable, at most 128 characters. */
export const EntityKey = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$' });

/**
 * An identifier that is not an entity key (event id, card fingerprint, IP address, device id):
 * well-formed Unicode without control characters, at most `maxLength` (UTF-16 units).
 */
export function Identifier(minLength: number, maxLength: number) {
  return Type.String({ minLength, maxLength, format: IDENTIFIER_FORMAT });
}

/** A free-text label such as a decline reason or a page path: well-formed, no NUL or other controls but tab and line breaks. */
export const Label = Type.String({ maxLength: 512, format: TEXT_FORMAT });

/** ISO 3166-1 alpha-2 country code, upper case. */
export const Country = Type.String({ pattern: '^[A-Z]{2}$' });

/** ISO 4217 currency code, upper case. */
export const Currency = Type.String({ pattern: '^[A-Z]{3}$' });

/** A positive whole quantity of items. */
export const PositiveQty = Type.Integer({ minimum: 1, maximum: 1_000_000 });

/** A non-negative money amount in the order's currency (major units). */
export const Money = Type.Number({ minimum: 0, maximum: 1e9 });

/**
 * Milliseconds since the Unix epoch. The schema bounds it to what Postgres and Date can hold; how
 * far ahead of the clock an event may be is checked against a reference time by `decodeEvent`.
 */
export const EpochMillis = Type.Integer({ minimum: 0, maximum: 8.64e15 });

/**
 * How far an event's `ts` may be ahead of the time it is checked against (the ingesting instance's
 * clock, or a record's Kafka timestamp), by default: 5 minutes of clock skew. Far past is allowed.
 */
export const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;
