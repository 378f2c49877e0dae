import type { ActorAddress, ActorInput } from '../../actors/actor.ts';
import { Fifo } from './fifo.ts';
import { AnswerNotices, type OpenAnswers } from './answer-notices.ts';
import { NoticeHolds, type SavedNotices } from './hold-notices.ts';
import { compareKeys, decodeRootKey, type MergeKey } from './merge-key.ts';

/**
 * An input held for an entity that awaits answers (ActorDefinition.awaiting): a source event or a
 * timer, as the handler will be given it, with the root key its sends will carry.
 */
export interface HeldInput {
  input: ActorInput;
  /** The handler's `now` for it: the event's time, or the timer's due time. */
  now: number;
  /** Its root key (merge-key.ts `encodeRootKey`) when it had one: what its sends are keyed by once applied. */
  root?: string;
  /** Where a held event was read: its processed-events row is written when it is applied. */
  source?: { topic: string; partition: number; offset: number };
  /** The held record's Kafka timestamp: event→state and event→durable count from it once it is applied. */
  appendedAt?: number;
  /** Wall-clock ms at which it was held: a wait that lasts too long ends (`overdue`). */
  heldAt: number;
  /** The entities told to hold behind it (hold-notices.ts): settled once it is applied. */
  notified?: ActorAddress[];
}

/**
 * How long an entity waits for answers before what it holds is applied anyway (wall clock, counted
 * afresh when its shard is restored). An answer may never come — a reserve parked at a quarantined
 * SKU, or dead-lettered — and a wait must not stop the entity, nor its shard's clock and so every
 * shard merging behind it, nor the partition's in-order inputs queued behind it. Answers take a
 * checkpoint and a relay each way (well under a second live; seconds when the answering shard has a
 * backlog); a fail-over of the answering shard takes its owner's session timeout and a rebalance
 * (10–20 s). Twice the merge's wait for a silent origin.
 */
export const DEFAULT_MAX_AWAIT_MS = 60_000;

/** A held input of an `inOrder` type, in the shard-wide queue of them. */
interface Queued {
  key: string;
  h: HeldInput;
  /** Applied or parked out of turn (a wait that timed out, a quarantine): skipped. */
  gone?: true;
}

/**
 * What a shard's entities hold while they await answers to their messages. In the driver an order's
 * stock answers come right after its order_placed, before anything later of that order; in a
 * backlog the order may read its payment, cancellation or shipment first, and its timer may fire
 * first. So while `awaiting(state)` the engine applies the entity's messages only and holds the
 * rest; once a message ends the wait, the held inputs are applied in order, each as itself (its own
 * root key for the merge). They are kept with the entity's checkpoint row, so they commit together
 * with the state they wait on, and the source offset moves past them: nothing is read twice.
 *
 * Event types in `inOrder` (an order's payments, whose facts go to the user and sku_affinity
 * actors that merge in event time) must also keep their partition's order among all entities: a
 * shard's messages to a merging type must leave in key order. So while one is held, every later one
 * is held too, whatever its entity, and they are applied strictly in the order they came.
 *
 * Messages are never held for an awaiting entity: that is what makes the wait end, and why it
 * cannot deadlock. An entity with an open hold notice (hold-notices.ts) holds every input keyed
 * after the notice, messages too, in key order, and applies the rest.
 */
export class AwaitingHolds {
  /** Each entity's held inputs, oldest first (a Fifo: draining a long list must not be quadratic). */
  private readonly byKey = new Map<string, Fifo<HeldInput>>();
  /** The hold notices of the shard's entities, as a receiver. */
  readonly notices = new NoticeHolds();
  /** The answer notices its entities opened while they await answers, as a sender (answer-notices.ts). */
  readonly answers = new AnswerNotices();
  private readonly queue = new Fifo<Queued>();
  private readonly inOrder: ReadonlySet<string>;
  /** No entity's first held input was held before this (a lower bound: `overdue` skips its scan until then). */
  private oldest = Infinity;

  constructor(
    /** The actor type's predicate; undefined when it never awaits. */
    private readonly awaiting: ((state: unknown) => boolean) | undefined,
    /** Event types held in their partition's order among all entities (ActorDefinition.heldInOrder). */
    inOrder: readonly string[] = [],
    /** The actor's ActorDefinition.aheadOfNotices: an input it names is not held behind a notice while nothing is held. */
    private readonly ahead?: (state: unknown, input: ActorInput) => boolean,
  ) {
    this.inOrder = new Set(inOrder);
  }

  /** False when nothing can be held: the per-input fast path. */
  get active(): boolean {
    return this.awaiting !== undefined || this.byKey.size > 0 || this.notices.size > 0;
  }

  /** True when `key` holds inputs or has hold or answer notices (its row carries them). */
  has(key: string): boolean {
    return this.byKey.has(key) || this.notices.has(key) || this.answers.has(key);
  }

  /** True when `key` holds inputs or an open notice: it must stay in memory (notices only given up on do not keep it). */
  pins(key: string): boolean {
    return this.byKey.has(key) || this.notices.holding(key) || this.answers.has(key);
  }

  /** True when the entity in `state` awaits answers and the engine holds for it. */
  awaits(state: unknown): boolean {
    return this.awaiting !== undefined && this.awaiting(state);
  }

  /** False when no input of `key` can be held now: the per-input fast path, before its state is looked up. */
  mayHold(key: string): boolean {
    return this.awaiting !== undefined || this.byKey.has(key) || this.notices.holding(key);
  }

  /** True when an input of `key` keyed `root` must wait behind an open notice (an unkeyed one never does: it has no place to wait for). */
  waitsForNotice(key: string, root: string | undefined): boolean {
    if (root === undefined || this.notices.size === 0) return false;
    const bound = this.notices.bound(key);
    if (bound === undefined) return false;
    const k = decodeRootKey(root, 0);
    return k !== undefined && compareKeys(k, bound) > 0;
  }

  /**
   * True when `input` of `key`, whose state is `state` and whose root key is `root`, must be held:
   * it is keyed after an open notice of `key`, or (for an actor that awaits) `key` holds some
   * already, it awaits, or the input is of an `inOrder` type and one such is held already.
   */
  mustHold(key: string, state: unknown, input: ActorInput, root?: string): boolean {
    if (this.waitsForNotice(key, root) && !this.goesAhead(key, state, input)) return true;
    if (this.awaiting === undefined) return false;
    return this.byKey.has(key) || this.awaiting(state) || (this.ordered(input) && this.queuedHead() !== undefined);
  }

  /**
   * True when `input`, keyed after an open notice of `key`, is applied now anyway: the actor says
   * it does the same whatever the notice brings, and nothing held is before it.
   */
  goesAhead(key: string, state: unknown, input: ActorInput): boolean {
    if (this.ahead === undefined || this.byKey.has(key)) return false;
    try {
      return this.ahead(state, input);
    } catch {
      return false; // a hook that throws only makes the input wait, never fails the batch
    }
  }

  /** True when `state` no longer awaits. */
  done(state: unknown): boolean {
    return this.awaiting === undefined || !this.awaiting(state);
  }

  hold(key: string, h: HeldInput): void {
    const list = this.byKey.get(key);
    if (list && this.notices.has(key)) insertByRoot(list, h);
    else if (list) list.push(h);
    else {
      this.byKey.set(key, new Fifo([h]));
      this.oldest = Math.min(this.oldest, h.heldAt);
    }
    if (this.ordered(h.input)) this.queue.push({ key, h });
  }

  /**
   * The next input `key` may apply now, removed from what it holds; undefined when it holds none,
   * or the next is of an `inOrder` type whose turn has not come (an earlier one of another entity
   * waits). The caller checks that the entity no longer awaits.
   */
  next(key: string): HeldInput | undefined {
    const list = this.byKey.get(key);
    if (!list) return undefined;
    const h = list.peek()!;
    if (this.waitsForNotice(key, h.root)) return undefined;
    if (this.ordered(h.input)) {
      const head = this.queuedHead();
      if (head?.h !== h) return undefined;
      this.queue.shift();
    }
    list.shift();
    if (list.length === 0) this.byKey.delete(key);
    return h;
  }

  /** The entity whose `inOrder` input is next in the shard: it may be able to go now. */
  nextInOrder(): string | undefined {
    return this.queuedHead()?.key;
  }

  /** Removes and returns all `key` holds, oldest first, whatever the order of the queue (a timed-out wait, a quarantine). */
  take(key: string): HeldInput[] | undefined {
    const held = this.byKey.get(key)?.toArray();
    if (!held) return undefined;
    this.byKey.delete(key);
    const mine = new Set(held);
    for (const q of this.queue.values()) if (mine.has(q.h)) q.gone = true;
    return held;
  }

  /** Keys whose first held input was held at or before `before`: they have waited long enough. */
  overdue(before: number): string[] {
    if (this.oldest > before) return [];
    const keys: string[] = [];
    let oldest = Infinity;
    for (const [key, list] of this.byKey) {
      const at = list.peek()!.heldAt;
      if (at <= before) keys.push(key);
      else oldest = Math.min(oldest, at);
    }
    this.oldest = oldest;
    return keys;
  }

  /**
   * Puts back what a checkpoint row stored (JSON of `HeldInput[]`); call `restored` once all rows
   * are in. The wait counts from `now`: the answers are as late as the shards that give them, which
   * are restored too (a wait that began before three restarts must not time out at the fourth).
   */
  restore(key: string, stored: string | null | undefined, now: number): void {
    this.byKey.delete(key);
    this.notices.forget(key);
    this.answers.restore(key, undefined);
    if (!stored) return;
    const parsed = JSON.parse(stored) as HeldInput[] | { held?: HeldInput[]; notices?: SavedNotices; answers?: OpenAnswers };
    // An array before hold notices (and whenever there are none); an object with them.
    const list = Array.isArray(parsed) ? parsed : parsed.held ?? [];
    if (!Array.isArray(parsed)) {
      this.notices.restore(key, parsed.notices, now);
      this.answers.restore(key, parsed.answers);
    }
    if (list.length === 0) return;
    for (const h of list) h.heldAt = now;
    this.byKey.set(key, new Fifo(list));
    this.oldest = Math.min(this.oldest, now);
  }

  /** Rebuilds the queue of `inOrder` inputs from restored rows: by where each was read, as they came. */
  restored(): void {
    const all: Queued[] = [];
    for (const [key, list] of this.byKey) for (const h of list.values()) if (this.ordered(h.input)) all.push({ key, h });
    all.sort((a, b) => (a.h.source?.offset ?? 0) - (b.h.source?.offset ?? 0));
    for (const q of all) this.queue.push(q);
  }

  /** What `key` holds as a checkpoint row stores it; undefined when nothing. */
  saved(key: string): string | undefined {
    const list = this.byKey.get(key);
    const notices = this.notices.saved(key);
    const answers = this.answers.saved(key);
    if (notices || answers) return JSON.stringify({ held: list ?? [], ...(notices ? { notices } : {}), ...(answers ? { answers } : {}) });
    return list ? JSON.stringify(list) : undefined;
  }

  /**
   * The earliest root key held by any entity: sends of a held input will carry its key when it is
   * applied, so a shard must not promise (its clock) anything past it. Each entity's inputs are
   * held in key order (in the order they came, or placed by key behind a notice), so its first
   * one is its earliest. With
   * `reaches`, only inputs that may send where the promise goes count (ActorDefinition.sendsOn).
   */
  earliestRoot(reaches?: (input: ActorInput) => boolean): MergeKey | undefined {
    let min: MergeKey | undefined;
    for (const list of this.byKey.values()) {
      const first = reaches ? list.find((h) => reaches(h.input)) : list.peek();
      if (first === undefined) continue;
      const k = first.root === undefined ? undefined : decodeRootKey(first.root, -1);
      if (k !== undefined && (min === undefined || compareKeys(k, min) < 0)) min = k;
    }
    return min;
  }

  private ordered(input: ActorInput): boolean {
    return input.kind === 'event' && this.inOrder.has(input.event.type);
  }

  /** The first queued input not gone (dropping gone ones from the head). */
  private queuedHead(): Queued | undefined {
    let q = this.queue.peek();
    while (q?.gone) {
      this.queue.shift();
      q = this.queue.peek();
    }
    return q;
  }
}

/** Inserts `h` after every input of `list` keyed at or before it (inputs held behind a notice stay in key order). */
function insertByRoot(list: Fifo<HeldInput>, h: HeldInput): void {
  const k = h.root === undefined ? undefined : decodeRootKey(h.root, 0);
  if (k === undefined) return list.push(h);
  list.insertAfterLast(h, (prev) => {
    const pk = prev.root === undefined ? undefined : decodeRootKey(prev.root, 0);
    return pk === undefined || compareKeys(pk, k) <= 0;
  });
}
