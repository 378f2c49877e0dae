import { compareKeys, encodeRootKey } from './merge-key.ts';
import { encodeClockSet } from '../clock-set.ts';
import { declaredTargets } from '../../actors/apply-input.ts';
import type { ActorDefinition, ActorInput } from '../../actors/actor.ts';
import type { AwaitingHolds } from './awaiting-holds.ts';
import type { InboxGate } from './inbox-gate.ts';

export interface ShardClockParts {
  actor: ActorDefinition<any>;
  partition: number;
  sourceTopic: string;
  offsets: ReadonlyMap<string, number>;
  gate: Pick<InboxGate, 'eventTimeMax' | 'atEnd'>;
  holds: Pick<AwaitingHolds, 'earliestRoot'>;
  /** The merging types this shard sends to (engine/event-time-plan.ts). */
  receivers: ReadonlySet<string>;
}

/**
 * A sender's promise to the shards that merge in event time, now: one clock per receiving type.
 *
 * What it sends is keyed by its source clock (shard-inputs.ts applyDecodedSource), so where it
 * reads is its promise: nothing keyed below it will follow. Inputs held for entities awaiting
 * answers (awaiting-holds.ts) send, once applied, under their own keys: the promise to a type
 * stops at the earliest of them that may send to it (ActorDefinition.sendsOn), and is not idle
 * while any such waits. Asked with each checkpoint (taken with the outbox rows it covers) and at
 * acquisition, when restored rows may hold inputs and nothing new may come to commit for days.
 */
export function shardClock(p: ShardClockParts): string {
  const offset = p.offsets.get(`${p.sourceTopic}:${p.partition}`) ?? 0;
  const reading = { at: p.gate.eventTimeMax, topic: p.sourceTopic, partition: p.partition, offset, seq: -1 };
  const clocks = new Map<string, string>();
  for (const type of p.receivers) {
    const held = p.holds.earliestRoot(p.actor.sendsOn && ((input) => maySendTo(p.actor, input, type)));
    if (held) clocks.set(type, encodeRootKey(compareKeys(held, reading) < 0 ? held : reading));
    else clocks.set(type, p.gate.atEnd() ? 'idle' : encodeRootKey(reading));
  }
  return encodeClockSet(clocks);
}

/** False only for a source event whose type `sendsOn` names without `type`: timers and other events may send anywhere. */
function maySendTo(actor: ActorDefinition<any>, input: ActorInput, type: string): boolean {
  if (input.kind !== 'event') return true;
  const allowed = declaredTargets(actor, input.event.type);
  return allowed === undefined || allowed.includes(type);
}
