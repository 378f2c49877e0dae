import { Type, type Static } from '@sinclair/typebox';
import { EpochMillis, Identifier } from './primitives.ts';

/**
 * The event envelope, the Kafka record value of every source topic:
 * `{ id, type, v, ts, data }`. The Kafka key is the entity key (UTF-8).
 * `data` is checked against the schema that `type` and `v` select (see registry.ts).
 */
export const Envelope = Type.Object({
  id: Identifier(1, 128),
  type: Identifier(1, 64),
  v: Type.Integer({ minimum: 1, maximum: 1000 }),
  ts: EpochMillis,
  data: Type.Object({}),
});

export type RawEnvelope = Static<typeof Envelope> & { data: Record<string, unknown> };

/** Largest accepted envelope, in bytes of UTF-8 JSON. Anything bigger is not a business event. */
export const MAX_EVENT_BYTES = 64 * 1024;
