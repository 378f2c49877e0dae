import type { ActorMessage, Alert, TimerMessage } from '../schemas/index.ts';
import type { ActorAddress, ActorContext, ActorDefinition, ActorInput, Effect, Transition } from './actor.ts';
import { thrownMessage, thrownText, transitionProblem } from './transition-checks.ts';

/**
 * The one interpreter of a handler's outcome, shared by the test driver (the oracle) and the
 * runtime's shard, so the two cannot drift in how an input is applied: which throw quarantines,
 * the quarantine reason, and how effects are told apart. Each caller keeps what is its own — the
 * driver its delivery order and history, the shard its checkpoint bookkeeping — in its `EffectSink`
 * and in what it does with the outcome.
 */

/**
 * Where an applied input's effects go, one method per kind, called in the order the handler
 * returned them. `from` is the actor that produced them; one address serves all effects of a call.
 */
export interface EffectSink {
  /** `msgJson`: `msg` as JSON, encoded once by applyInput (a sink that writes the message uses it). */
  send(from: ActorAddress, to: ActorAddress, msg: ActorMessage, msgJson: string): void;
  alert(from: ActorAddress, alert: Alert): void;
  schedule(from: ActorAddress, at: number, timer: TimerMessage): void;
  /**
   * Called once a transition has passed applyInput's own checks, before any of its effects is
   * handed over: a sink's own checks of it, and what it records of it (the shard's aggregate
   * increments). A throw here is the handler's: the entity is quarantined and no effect happens.
   */
  accept?(input: ActorInput, before: unknown, t: Transition<unknown>, ctx: ActorContext): void;
}

/** The handler threw: its actor is to be quarantined with `reason`; nothing of the call applies. */
export class Quarantine {
  constructor(
    /** `${name}: ${message}` of the error, as stored with the quarantined entity. */
    readonly reason: string,
    readonly error: unknown,
  ) {}
}

/**
 * Runs `actor.handle` on `state` (the entity's current state, or `actor.initial(key)` for a new
 * one) and returns the new state, after handing its effects to `sink`; or, when the handler
 * throws, a `Quarantine` and no effect at all. Pure apart from what `sink` does. It allocates
 * nothing per input beyond the sender's address and its messages' JSON, and those only when there
 * are effects.
 *
 * @example
 * const out = applyInput(orderActor, state, { kind: 'event', event }, { key, now: event.ts }, sink);
 * if (out instanceof Quarantine) quarantine(key, out.reason);
 * else states.set(key, out);
 */
export function applyInput<S>(actor: ActorDefinition<S>, state: S, input: ActorInput, ctx: ActorContext, sink: EffectSink): S | Quarantine {
  let t;
  try {
    t = actor.handle(state, input, ctx);
  } catch (e) {
    // The runtime policy: this actor stops, everything else keeps flowing.
    return quarantineFor(e);
  }
  const problem = transitionProblem(t);
  if (problem !== undefined) return new Quarantine(`Error: ${problem}`, new Error(problem));
  if (actor.awaiting) {
    // Asked of the new state here, where a throw is the handler's: the engine asks it again on
    // paths outside any try (engine/shard/entity-table.ts), and an aggregate must not count first.
    try {
      actor.awaiting(t.state);
    } catch (e) {
      return new Quarantine(`awaiting: ${thrownText(e)}`, e);
    }
  }
  const effects = t.effects;
  if (effects.length > 0 && input.kind === 'event') {
    const undeclared = undeclaredSend(actor, input.event.type, effects);
    if (undeclared !== undefined) return new Quarantine(`Error: ${undeclared}`, new Error(undeclared));
  }
  const messages = effects.length > 0 ? encodedMessages(effects) : NO_MESSAGES;
  if (messages instanceof Quarantine) return messages;
  if (sink.accept) {
    try {
      sink.accept(input, state, t, ctx);
    } catch (e) {
      return quarantineFor(e);
    }
  }
  if (effects.length > 0) {
    // Property order (type, key) is kept: the shard serializes this address into inbox records.
    const from: ActorAddress = { type: actor.type, key: ctx.key };
    let m = 0;
    for (const e of effects) {
      if (e.kind === 'send') sink.send(from, e.to, e.msg, messages[m++]!);
      else if (e.kind === 'alert') sink.alert(from, e.alert);
      else sink.schedule(from, e.at, e.timer);
    }
  }
  return t.state;
}

const NO_MESSAGES: readonly string[] = Object.freeze([]);

/**
 * Each send's message as JSON, in order, after checking that alerts and timers encode too: the
 * engine writes all of them as JSON. A BigInt or a cycle in one is the handler's bug, so its
 * entity is quarantined as for a throw, before any effect happens, in the driver as in the engine.
 * (In the engine it failed the shard's batch on every retry: one event stopped its partition.)
 */
function encodedMessages(effects: readonly Effect[]): string[] | Quarantine {
  const messages: string[] = [];
  let i = 0;
  try {
    for (; i < effects.length; i++) {
      const e = effects[i]!;
      // undefined: a toJSON that answers nothing; the store has no JSON to write then.
      const text = JSON.stringify(e.kind === 'send' ? e.msg : e.kind === 'alert' ? e.alert : e.timer);
      if (text === undefined) throw new Error('it encodes as nothing');
      if (e.kind === 'send') messages.push(text);
    }
  } catch (err) {
    return quarantineFor(new Error(`${effectName(effects[i]!)} cannot be encoded as JSON (${thrownMessage(err)})`));
  }
  return messages;
}

/** An effect as an error names it: "a message to order 'o-1'", "alert <id>", "a timer". */
function effectName(e: Effect): string {
  return e.kind === 'send' ? `a message to ${e.to.type} '${e.to.key}'` : e.kind === 'alert' ? `alert ${e.alert.id}` : 'a timer';
}

function quarantineFor(e: unknown): Quarantine {
  return new Quarantine(thrownText(e), e);
}

/** The actor types an event of `eventType` may send to, or undefined when `sendsOn` leaves it open (anything). */
export function declaredTargets(actor: ActorDefinition<any>, eventType: string): readonly string[] | undefined {
  const declared = actor.sendsOn;
  // Own entries only: an event type named like an Object.prototype member ('constructor') is no declaration.
  return declared && Object.hasOwn(declared, eventType) ? declared[eventType] : undefined;
}

/**
 * Why a send breaks the actor's `sendsOn` for `eventType`, or undefined. The engine's promise to
 * merging shards (engine/shard/shard.ts `takeDelta`) trusts that declaration, so a send it does
 * not name is refused as an error of the handler, in the driver as in the engine (applyInput checks
 * it before the sink accepts the transition, so a refused input counts in no aggregate).
 */
export function undeclaredSend(actor: ActorDefinition<any>, eventType: string, effects: Transition<unknown>['effects']): string | undefined {
  const allowed = declaredTargets(actor, eventType);
  if (allowed === undefined) return undefined;
  for (const e of effects) {
    if (e.kind === 'send' && !allowed.includes(e.to.type)) {
      return `${eventType} sent a message to '${e.to.type}', but sendsOn['${eventType}'] names only ${allowed.map((t) => `'${t}'`).join(', ')}`;
    }
  }
  return undefined;
}
