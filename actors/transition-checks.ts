import { isEntityKey } from '../schemas/index.ts';
import { isObject, shown, thrownText } from '../schemas/thrown.ts';

export { shown, thrownMessage, thrownText } from '../schemas/thrown.ts';

/**
 * What a handler returns, checked before anything of it is used (actors/apply-input.ts): the
 * shape of the transition and of each effect. Every engine path downstream trusts these shapes —
 * a missing `effects` threw outside the handler's try, a timer due at `undefined` or an alert
 * without `ts` failed the checkpoint statement with an error no isolation could pin on an entity,
 * a function as a timer failed the post to the store's thread — and each of those failed again on
 * every retry, so one actor's bug stopped its partition for good. Found here, it is the handler's
 * error like a throw: the entity is quarantined with the reason, in the test driver as in the
 * engine, and nothing of the input applies.
 */

/** Why `t` is not a transition the engine can carry out, or undefined when it is. */
export function transitionProblem(t: unknown): string | undefined {
  if (typeof t !== 'object' || t === null) return `handle must return { state, effects }, got ${shown(t)}`;
  const effects = (t as { effects?: unknown }).effects;
  if (!Array.isArray(effects)) return `handle must return { state, effects } with effects an array ([] for none), got effects: ${shown(effects)}`;
  for (let i = 0; i < effects.length; i++) {
    const problem = effectProblem(effects[i]);
    if (problem !== undefined) return `effect ${i + 1} of ${effects.length}: ${problem}`;
  }
  return undefined;
}

function effectProblem(e: unknown): string | undefined {
  if (!isObject(e)) return `an effect must be an object { kind, … }, got ${shown(e)}`;
  switch (e.kind) {
    case 'send':
      return sendProblem(e.to, e.msg);
    case 'alert':
      return alertProblem(e.alert);
    case 'schedule':
      if (!isEpochMs(e.at)) return `a timer's at must be epoch milliseconds (a whole number), got ${shown(e.at)}`;
      if (!isObject(e.timer)) return `a timer must be an object (what the actor is given when it fires), got ${shown(e.timer)}`;
      return undefined;
    default:
      return `unknown effect kind ${shown(e.kind)} (send, alert or schedule)`;
  }
}

function sendProblem(to: unknown, msg: unknown): string | undefined {
  if (!isObject(to) || !isText(to.type) || !isText(to.key)) return `a message's to must be { type, key } (two non-empty strings), got ${shown(to)}`;
  // The receiver would dead-letter it (engine/shard/shard-inputs.ts): said here, to the sender.
  if (!isEntityKey(to.key)) return `a message's to.key must be an entity key (1–128 printable ASCII characters, no spaces), got ${shown(to.key)}`;
  if (!isObject(msg)) return `a message to ${to.type} '${to.key}' must be an object, got ${shown(msg)}`;
  // Receivers refuse a message without its event time (engine/shard/shard-inputs.ts): said here, to the sender.
  if (!isEpochMs(msg.ts)) return `a message to ${to.type} '${to.key}' must carry ts, the event time in epoch milliseconds (a whole number), got ${shown(msg.ts)}`;
  return undefined;
}

const SEVERITIES: ReadonlySet<unknown> = new Set(['info', 'warning', 'critical']);

function alertProblem(a: unknown): string | undefined {
  if (!isObject(a)) return `an alert must be an object, got ${shown(a)}`;
  for (const field of ['id', 'type', 'entityType', 'entityKey'] as const) {
    if (!isText(a[field])) return `an alert's ${field} must be a non-empty string, got ${shown(a[field])}`;
  }
  if (!SEVERITIES.has(a.severity)) return `alert ${a.id}: severity must be info, warning or critical, got ${shown(a.severity)}`;
  if (!isEpochMs(a.ts)) return `alert ${a.id}: ts must be the event time in epoch milliseconds (a whole number), got ${shown(a.ts)}`;
  if (!Array.isArray(a.reasons) || !a.reasons.every(isText)) return `alert ${a.id}: reasons must be an array of event ids, got ${shown(a.reasons)}`;
  if (!isObject(a.details) || Array.isArray(a.details)) return `alert ${a.id}: details must be an object ({ summary, … }), got ${shown(a.details)}`;
  return undefined;
}

function isText(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}

/** The Date range, which Postgres's timestamptz holds too: a time past it fails the statements that store it. */
export const MAX_EPOCH_MS = 8.64e15;

/** A time the engine can store (a bigint column) and compare: whole milliseconds within the Date range. */
export function isEpochMs(v: unknown): v is number {
  return Number.isSafeInteger(v) && Math.abs(v as number) <= MAX_EPOCH_MS;
}

/**
 * `actor.initial(key)`, or why there is none: it threw (a key its author did not expect) or gave
 * undefined, which no checkpoint can store. The engine asks it outside any handler's try, where a
 * throw failed the shard's batch on every retry (engine/shard/shard-handler.ts `refuseNew`).
 */
export function firstStateOf(actor: { type: string; initial(key: string): unknown }, key: string): { state: unknown } | string {
  try {
    const state = actor.initial(key);
    return state === undefined ? `${actor.type} '${key}': initial returned undefined, not a first state` : { state };
  } catch (e) {
    return `${actor.type} '${key}': initial threw ${thrownText(e)}`;
  }
}
