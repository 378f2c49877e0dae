import type { Static, TSchema } from '@sinclair/typebox';
import { registerEventSpec, type EventSpec } from '../schemas/index.ts';
import type { EventOf } from '../schemas/events.ts';
import { NAME_PATTERN, SdkError } from './sdk-error.ts';

/** What a module says of one of its event types. */
export interface EventDeclaration<S extends TSchema> {
  /** The event's `type` on the wire: lower_snake_case, unique across the deployment. */
  type: string;
  /** The source topic it is produced to (a contract topic, or the module's own: created at start). */
  topic: string;
  /** The field of `data` holding the entity key (the Kafka key the event is routed by). */
  key: string;
  /** The schema of the newest version; older accepted versions in `older`, lifted by `upcast`. */
  schema: S;
  /** Older versions still accepted: version → schema. */
  older?: Record<number, TSchema>;
  /** upcast[n] turns valid data of version n into data of version n + 1. */
  upcast?: Record<number, (data: Record<string, unknown>) => Record<string, unknown>>;
}

/** A defined event type: its name, spec, and the type of its decoded events (`typeof def.$event`). */
export interface EventDefinition<T extends string = string, S extends TSchema = TSchema> {
  readonly type: T;
  readonly topic: string;
  readonly spec: EventSpec;
  /** Type-level only: the decoded event, for `ActorInput<typeof x.$event>`. Never read at run time. */
  readonly $event: EventOf<T, Static<S>>;
}

/**
 * Defines an event type of a module: validated with its TypeBox schema at the HTTP edge and when a
 * shard reads it, routed to `topic` by the `key` field, listed in /openapi.json. Defining it
 * registers it in this thread's registry (each shard worker loads the same modules), so a module
 * need only be imported.
 *
 * @example
 * export const cartUpdated = defineEvent({ type: 'cart_updated', topic: 'cart_events', key: 'cartId',
 *   schema: Type.Object({ cartId: Type.String(), userId: Type.String(), items: Type.Integer({ minimum: 0 }) }) });
 */
export function defineEvent<T extends string, S extends TSchema>(d: EventDeclaration<S> & { type: T }): EventDefinition<T, S> {
  if (!NAME_PATTERN.test(d.type)) throw new SdkError(`event type '${d.type}' must be lower_snake_case (a letter, then letters, digits or _; at most 64)`);
  if (!NAME_PATTERN.test(d.topic)) throw new SdkError(`topic '${d.topic}' of event '${d.type}' must be lower_snake_case`);
  const older = d.older ?? {};
  const latest = Math.max(0, ...Object.keys(older).map(Number)) + 1;
  for (let v = 1; v < latest; v++) {
    if (!older[v]) throw new SdkError(`event '${d.type}': versions must be 1…${latest - 1} below the newest (missing ${v})`);
    if (!d.upcast?.[v]) throw new SdkError(`event '${d.type}': version ${v} needs upcast[${v}] to version ${v + 1}`);
  }
  const spec: EventSpec = { topic: d.topic, keyField: d.key, latest, schemas: { ...older, [latest]: d.schema }, upcasters: d.upcast ?? {} };
  try {
    registerEventSpec(d.type, spec);
  } catch (e) {
    throw new SdkError((e as Error).message);
  }
  return { type: d.type, topic: d.topic, spec } as EventDefinition<T, S>;
}
