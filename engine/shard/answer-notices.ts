import type { ActorAddress, ActorDefinition, ActorInput } from '../../actors/actor.ts';
import { addressKey } from './awaiting-release.ts';
import { openedJson, settledJson } from './hold-notices.ts';

/**
 * Answer notices (docs/determinism.md "Built: answer notices"): hold notices (hold-notices.ts) for
 * what an entity sends because of an answer it awaits.
 *
 * An order of several lines reserves each line's SKU, and if one refuses, it gives the others
 * back. In the driver that release comes right after the reserves, before anything later reaches
 * those SKUs; in the engine it is sent only once the refusal has come back, so a SKU could grant or
 * refuse a later order as if the units were still held. So when an input makes an entity start
 * awaiting (ActorDefinition.awaiting), the engine sends each merging entity its answers may still
 * make it send to (ActorDefinition.awaitingTargets) an opened notice, keyed at that input's place,
 * after the input's own messages. When a message ends the wait, what it sends those entities is
 * captured and goes with one settle each, also keyed there: the receiver applies it at the notice's
 * place. The receiving side is the one hold notices already have; receivers that can tell an input
 * does the same whatever a settle brings (ActorDefinition.aheadOfNotices) do not hold it.
 *
 * The open notices are kept with the entity's checkpoint row, so a restart between the opening and
 * the answer still settles them. A wait that never ends (an answer lost to a quarantine) leaves
 * them to the receiver's bound (DEFAULT_MAX_AWAIT_MS); one that ends otherwise than by an answer
 * (a held input applied once the wait timed out), or an entity quarantined, settles them empty.
 */

/** The answer notices an entity has open: the place they hold from, its event time, and who was told. */
export interface OpenAnswers {
  hold: string;
  at: number;
  to: ActorAddress[];
}

/** Per entity, its open answer notices (the sender's record of them). */
export class AnswerNotices {
  private readonly byKey = new Map<string, OpenAnswers>();

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): OpenAnswers | undefined {
    return this.byKey.get(key);
  }

  open(key: string, answers: OpenAnswers): void {
    this.byKey.set(key, answers);
  }

  /** Removes and returns what `key` had open. */
  close(key: string): OpenAnswers | undefined {
    const a = this.byKey.get(key);
    this.byKey.delete(key);
    return a;
  }

  /** Puts back what a checkpoint row stored (`saved`); a malformed record opens nothing. */
  restore(key: string, stored: unknown): void {
    this.byKey.delete(key);
    const a = stored as Partial<OpenAnswers> | undefined;
    if (!a || typeof a.hold !== 'string' || typeof a.at !== 'number' || !Array.isArray(a.to)) return;
    if (!a.to.every((t) => typeof t?.type === 'string' && typeof t?.key === 'string')) return;
    this.byKey.set(key, { hold: a.hold, at: a.at, to: a.to });
  }

  /** What a checkpoint row stores for `key`; undefined when nothing is open. */
  saved(key: string): OpenAnswers | undefined {
    return this.byKey.get(key);
  }
}

/** What the sender needs of the shard's handler (the same as held-input notices use). */
export interface AnswerNoticeHandler {
  sendNotice(fromKey: string, to: ActorAddress, msgJson: string, root: string): void;
  captureSends(to: readonly ActorAddress[]): void;
  capturedSends(): Map<string, string[]>;
  rootKey(): string | undefined;
  /** `all` of the types that merge in event time, each once. */
  mergedTargets(all: readonly ActorAddress[] | undefined): ActorAddress[];
}

/**
 * The sending side: opens notices when an input makes an entity await, captures what the message
 * that ends the wait sends the entities told, and settles them with it.
 */
export class AnswerNoticeSender {
  /** The entity whose ending message's sends are being captured, between `accepted` and `applied`. */
  private capturing: string | undefined;

  constructor(
    private readonly actor: Pick<ActorDefinition<unknown>, 'awaitingTargets'>,
    private readonly notices: AnswerNotices,
    /** True when the entity in `state` awaits answers and the engine holds for it (undefined: it never does). */
    private readonly awaits: (state: unknown) => boolean,
    private readonly handler: AnswerNoticeHandler,
  ) {}

  /**
   * A transition of `key` passed every check and its effects are about to happen. When it is an
   * answer that ends the wait its notices were opened for, its sends to the entities told are
   * captured for their settles. `idle`: nothing else is capturing.
   */
  accepted(key: string, input: ActorInput, before: unknown, after: unknown, idle: boolean): void {
    if (!idle || input.kind !== 'message' || this.awaits(after) || !this.awaits(before)) return;
    const open = this.notices.get(key);
    if (!open) return;
    this.capturing = key;
    this.handler.captureSends(open.to);
  }

  /**
   * `key` moved from `before` to `after` at event time `now`: settles the notices of a wait that
   * ended (with what was captured), or opens them for a wait that began. True when its row changed.
   */
  applied(key: string, before: unknown, after: unknown, now: number): boolean {
    if (this.capturing === key) {
      this.capturing = undefined;
      this.settle(key, this.handler.capturedSends());
      return true;
    }
    const was = this.awaits(before);
    const is = this.awaits(after);
    if (was && !is) {
      // Ended by something other than an answer (a held cancellation applied once the wait timed
      // out): its sends go with its own notices, at its own place; these are settled empty.
      if (!this.notices.has(key)) return false;
      this.settle(key, new Map());
      return true;
    }
    if (!is || was || this.notices.has(key)) return false;
    // A wait began: its notices open at this input's place (an input without one opens none).
    const hold = this.handler.rootKey();
    if (hold === undefined) return false;
    const to = this.targetsOf(after);
    if (to.length === 0) return false;
    for (const target of to) this.handler.sendNotice(key, target, openedJson(hold, now), hold);
    this.notices.open(key, { hold, at: now, to });
    return true;
  }

  /**
   * `key` was quarantined: what it was capturing is dropped (none of the effects happen) and its
   * notices are settled empty, so their receivers go on now rather than after the bound. True when
   * its row changed.
   */
  quarantined(key: string): boolean {
    if (this.capturing === key) {
      this.capturing = undefined;
      this.handler.capturedSends();
    }
    if (!this.notices.has(key)) return false;
    this.settle(key, new Map());
    return true;
  }

  /**
   * The actor's targets of merging types. A hook that throws, or returns something that is not a
   * list of addresses, names none (its sends then apply on arrival, as before notices), rather
   * than failing the batch on every retry.
   */
  private targetsOf(state: unknown): ActorAddress[] {
    try {
      return this.handler.mergedTargets(this.actor.awaitingTargets?.(state));
    } catch {
      return [];
    }
  }

  private settle(key: string, sent: Map<string, string[]>): void {
    const open = this.notices.close(key);
    if (!open) return;
    for (const to of open.to) this.handler.sendNotice(key, to, settledJson(open.hold, open.at, sent.get(addressKey(to)) ?? []), open.hold);
  }
}
