import { Type } from '@sinclair/typebox';

/**
 * Field types shared by every event schema. Limits are deliberately tight: an id of 10 kB or a
 * negative quantity is never a legitimate business event, and rejecting it at the edge keeps
 * actor state small and the dead-letter reason precise.
 */

/** An entity key (userId, orderId, sku): non-empty, printable, at most 128 characters. */
export const EntityKey = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$' });

/** A free-text label such as a decline reason or a page path. */
export const Label = Type.String({ maxLength: 512 });

/** ISO 3166-1 alpha-2 country code, upper case. */
export const Country = Type.String({ pattern: '^[A-Z]{2}$' });

/** ISO 4217 currency code, upper case. */
export const Currency = Type.String({ pattern: '^[A-Z]{3}$' });

/** A positive whole quantity of items. */
export const PositiveQty = Type.Integer({ minimum: 1, maximum: 1_000_000 });

/** A non-negative money amount in the order's currency (major units). */
export const Money = Type.Number({ minimum: 0, maximum: 1e9 });

/** Milliseconds since the Unix epoch. */
export const EpochMillis = Type.Integer({ minimum: 0, maximum: 8.64e15 });
