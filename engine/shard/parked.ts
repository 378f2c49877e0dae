import type { ActorInput } from '../../actors/actor.ts';

/**
 * An input a quarantined entity could not take: the one that threw (HANDLER_ERROR) and every input
 * after it (QUARANTINED) — source events, actor messages and timers alike. Parked rows are written
 * in the checkpoint that parked them, so they are durable exactly when the entity's quarantine is,
 * and a release applies them in order through the handler, deleting them in the checkpoint that
 * commits the result (engine/quarantine-release.ts). Source records are also dead-lettered, for
 * the audit trail; only the parked row is ever applied.
 */
export interface ParkedInput {
  actorType: string;
  key: string;
  partition: number;
  code: 'HANDLER_ERROR' | 'QUARANTINED';
  reason: string;
  /** The input as the handler is given it, as JSON (events decoded and upcast). */
  input: string;
  /** The handler's `now` for it: the event's or message's time, or the timer's due time. */
  at: number;
  /** Where it was read; absent for a timer. */
  source?: { topic: string; partition: number; offset: number };
}

/** A parked input as stored: `seq` orders an entity's parked inputs. */
export interface ParkedRow extends ParkedInput {
  seq: number;
}

/** The handler input of a parked row. */
export function parkedActorInput(p: ParkedInput): ActorInput {
  return JSON.parse(p.input) as ActorInput;
}
