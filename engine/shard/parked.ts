import { isEpochMs } from '../../actors/transition-checks.ts';
import type { ActorInput } from '../../actors/actor.ts';
import { parseEvent } from '../../schemas/index.ts';
import type { InboxValue, SourceRecord } from './records.ts';

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
  code: 'HANDLER_ERROR' | 'QUARANTINED' | 'UNSTORABLE';
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

/**
 * A record an entity had applied when Postgres refused that entity's checkpoint (UNSTORABLE), parked
 * as its input again: it was applied before, so it decodes (an event) or parses (a message); one
 * that does not any more is left to the DLQ copy. Timers are not records: those of the refused
 * checkpoint stay pending with the committed state.
 */
export function parkedFromRecord(r: SourceRecord, where: Pick<ParkedInput, 'actorType' | 'partition' | 'reason'>): ParkedInput | undefined {
  if (r.key === null || r.value === null) return undefined;
  const source = { topic: r.topic, partition: r.partition, offset: r.offset };
  if (r.topic.endsWith('.inbox')) {
    const value = tryJson(r.value) as InboxValue | undefined;
    if (!isEpochMs(value?.msg?.ts)) return undefined;
    const input: ActorInput = { kind: 'message', from: value.from, msg: value.msg };
    return { ...where, key: r.key, code: 'UNSTORABLE', input: JSON.stringify(input), at: value.msg.ts, source };
  }
  const decoded = parseEvent(r.value, r.key);
  if (!decoded.ok) return undefined;
  const input: ActorInput = { kind: 'event', event: decoded.event };
  return { ...where, key: r.key, code: 'UNSTORABLE', input: JSON.stringify(input), at: decoded.event.ts, source };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
