import type { ActorAddress, Effect } from '../actors/actor.ts';
import { createAlert, type AlertSpec } from '../actors/alerts.ts';
import type { ActorMessage, TimerMessage } from '../schemas/index.ts';

/**
 * Effect constructors: an actor returns effects as data; the engine carries them out after the
 * state is durable, exactly once. A message carries `cause` (the event behind it) and `ts` (its
 * event time), so what the receiver does stays in event time and its alerts can name their reasons.
 */

/** A message to another actor (any type, built-in or a module's), delivered through its inbox. */
export function send(to: ActorAddress, msg: { type: string; cause: string; ts: number } & Record<string, unknown>): Effect {
  return { kind: 'send', to, msg: msg as unknown as ActorMessage };
}

/** An alert with a deterministic id (`<entityType>/<entityKey>/<type>/<cause>`): a replay never doubles it. */
export function alert(spec: AlertSpec): Effect {
  return { kind: 'alert', alert: createAlert(spec) };
}

/** A durable timer: delivered to this entity as `{ kind: 'timer', at, timer }` once event time passes `at`. */
export function schedule(at: number, timer: { type: string } & Record<string, unknown>): Effect {
  return { kind: 'schedule', at, timer: timer as unknown as TimerMessage };
}
