import type { ActorAddress, ActorInput } from '../../actors/actor.ts';
import type { ActorMessage } from '../../schemas/index.ts';
import { DEFAULT_MAX_AWAIT_MS, type HeldInput } from './awaiting-holds.ts';
import { noticeId, openedJson, settledJson, type HoldNotice, type SettleTurn } from './hold-notices.ts';
import type { EntityTable } from './entity-table.ts';
import type { InputLog } from './input-log.ts';
import { decodeRootKey } from './merge-key.ts';
import type { ParkedInput } from './parked.ts';
import type { SourceRecord } from './records.ts';
import type { ShardCounters } from './shard-api.ts';
import type { PendingDelta } from './shard-delta.ts';

/** What the release needs of the shard's handler. */
export interface HeldInputHandler {
  /** Applies an input to `key` (never holding it: the release decides that). */
  handle(key: string, input: ActorInput, now: number, source: SourceRecord | undefined): void;
  /** A held input read at `appendedAt` (Kafka timestamp) is applied now. */
  appliedLate(appendedAt: number | undefined): void;
  setRoot(at: number, topic: string, partition: number, offset: number): void;
  /** The root key of the input being handled, encoded; undefined when it has none. */
  rootKey(): string | undefined;
  park(key: string, input: ActorInput, at: number, source: ParkedInput['source'] | undefined, code: ParkedInput['code'], reason: string): void;
  initialState(key: string): unknown;
  /** The entities of merging types a held `input` of an entity in `state` may send to once applied (hold-notices.ts). */
  noticeTargets(state: unknown, input: ActorInput): ActorAddress[];
  /** Sends `to` a hold notice from `fromKey` (its `msg` as JSON), keyed at `root`. */
  sendNotice(fromKey: string, to: ActorAddress, msgJson: string, root: string): void;
  /** From now until `capturedSends`, messages to `to` are kept (their JSON) instead of sent. */
  captureSends(to: readonly ActorAddress[]): void;
  /** What was kept since `captureSends`, per address (`addressKey`), and the end of capturing. */
  capturedSends(): Map<string, string[]>;
}

/** An address as one string (the capture's key). */
export function addressKey(a: ActorAddress): string {
  return `${a.type}\u0000${a.key}`;
}

/**
 * Holds and releases the inputs of entities that await answers (awaiting-holds.ts says what is
 * held and in which order): holding an input as it comes, applying what an entity holds once a
 * message ends its wait, and whatever the shard's in-order queue lets go after it, and applying
 * anyway what waited too long.
 */
export class AwaitingRelease {
  /** True while `applyFrom` runs (it does not re-enter). */
  private releasing = false;

  constructor(
    private readonly handler: HeldInputHandler,
    private readonly table: EntityTable,
    private readonly pending: PendingDelta,
    private readonly opts: { wallClock: () => number; counters: ShardCounters; inputs: InputLog | undefined; maxAwaitMs?: number },
  ) {}

  /**
   * Holds `input` (a source event or a timer) when `key` awaits answers to its messages, or must
   * wait behind what is held (awaiting-holds.ts): true when held. The root key of the input being
   * handled goes with it, so its sends are keyed as if it had been applied in its turn.
   */
  holdIfAwaiting(key: string, input: ActorInput, now: number, source: SourceRecord | undefined): boolean {
    const { table } = this;
    if (!table.holds.active || !table.holds.mayHold(key)) return false;
    const state = table.states.has(key) ? table.states.get(key) : this.handler.initialState(key);
    // Encoded only for an entity with a notice: the per-input path allocates nothing otherwise.
    const noticed = table.holds.notices.has(key) ? this.handler.rootKey() : undefined;
    if (!table.holds.mustHold(key, state, input, noticed)) return false;
    const h: HeldInput = { input, now, heldAt: this.opts.wallClock() };
    const root = noticed ?? this.handler.rootKey();
    if (root !== undefined) h.root = root;
    if (source) {
      h.source = { topic: source.topic, partition: source.partition, offset: source.offset };
      if (source.timestamp !== undefined) h.appendedAt = source.timestamp;
      this.opts.inputs?.record(source);
    }
    table.holds.hold(key, h);
    table.residency.touch(key, table.now);
    this.pending.dirtyKeys.add(key); // its row carries what it holds
    this.notify(key, state, h);
    return true;
  }

  /**
   * Holds a message of `key` keyed `root` behind an open hold notice of `key` (hold-notices.ts):
   * true when held. Messages are held for no other reason.
   */
  holdMessageIfNoticed(key: string, input: ActorInput, now: number, source: SourceRecord): boolean {
    const { table } = this;
    if (!table.holds.notices.has(key)) return false;
    const root = this.handler.rootKey();
    if (!table.holds.waitsForNotice(key, root)) return false;
    const h: HeldInput = { input, now, heldAt: this.opts.wallClock(), root };
    if (source.timestamp !== undefined) h.appendedAt = source.timestamp;
    this.opts.inputs?.record(source);
    table.holds.hold(key, h);
    table.residency.touch(key, table.now);
    this.pending.dirtyKeys.add(key);
    return true;
  }

  /**
   * Tells the entities a just-held input may still send to to hold what comes after it
   * (hold-notices.ts): an opened notice each, keyed at the input's place, sent with the checkpoint
   * that holds it.
   */
  private notify(key: string, state: unknown, h: HeldInput): void {
    if (h.root === undefined) return;
    const targets = this.handler.noticeTargets(state, h.input);
    if (targets.length === 0) return;
    h.notified = targets;
    for (const to of targets) this.handler.sendNotice(key, to, openedJson(h.root, h.now), h.root);
  }

  /** Settles the notices of a held input that will not be applied in its turn (parked): nothing it sent comes with them. */
  private settleEmpty(key: string, h: HeldInput): void {
    for (const to of h.notified ?? []) this.handler.sendNotice(key, to, settledJson(h.root!, h.now, []), h.root!);
  }

  /**
   * What no answer will let go otherwise: what entities hold once they have waited `maxAwaitMs`
   * (awaiting-holds.ts DEFAULT_MAX_AWAIT_MS) is applied anyway, since answers that do not come must
   * not stop them nor the shard's clock; then in-order inputs whose turn came without a message
   * (after such a wait, or after a restore).
   */
  releaseOverdue(): void {
    const { table } = this;
    if (!table.holds.active) return;
    const before = this.opts.wallClock() - (this.opts.maxAwaitMs ?? DEFAULT_MAX_AWAIT_MS);
    // A notice never settled: its entity stops holding behind it (its settle applies late, if it comes).
    for (const key of table.holds.notices.overdue(before)) {
      this.opts.counters.awaitsTimedOut++;
      table.holds.notices.drop(key, before);
      this.markHolding(key);
      this.applyFrom(key);
    }
    for (const key of table.holds.overdue(before)) {
      this.opts.counters.awaitsTimedOut++;
      if (table.holds.notices.drop(key)) this.markHolding(key);
      const held = table.holds.take(key) ?? [];
      let i = 0;
      for (; i < held.length && !table.quarantine.has(key); i++) this.apply(key, held[i]!);
      if (i < held.length) this.park(key, held.slice(i));
    }
    this.applyFrom(undefined);
  }

  /**
   * Applies what `key` holds, in order, while it does not await (what finds it awaiting again
   * stays held), up to an in-order input whose turn has not come; then whatever the shard's
   * in-order queue lets go after it, entity by entity. Without `key`, starts at that queue.
   */
  applyFrom(key: string | undefined): void {
    // A held message applied here ends in `handle`, which asks for this again: the loop below
    // goes on by itself, and recursing once per held message would overflow the stack.
    if (this.releasing) return;
    this.releasing = true;
    try {
      this.applyFromUnguarded(key);
    } finally {
      this.releasing = false;
    }
  }

  private applyFromUnguarded(key: string | undefined): void {
    const { table } = this;
    for (let next = key ?? table.holds.nextInOrder(); next !== undefined; ) {
      let applied = 0;
      for (let h = this.nextOf(next); h !== undefined; h = this.nextOf(next)) {
        this.apply(next, h);
        applied++;
      }
      const held = table.quarantine.has(next) ? table.holds.take(next) : undefined;
      if (held) this.park(next, held);
      const following = table.holds.nextInOrder();
      if (following === undefined || (following === next && applied === 0)) return;
      next = following;
    }
  }

  /**
   * A hold notice reached `key` from `from`, keyed `root`, in its turn in its origin's sequence
   * (hold-notices.ts). Opened: `key` holds what comes after it (and a settle that came first is
   * applied now). Settled: what the held input sent `key` takes the notice's place, then what `key`
   * held applies in order, up to another open notice — unless the settle was applied ahead of its
   * turn (`settleEarly`), or its notice was given up on (what it carries applies now, late).
   * A quarantined entity opens nothing; what a settle carries is parked for its release.
   */
  receiveNotice(key: string, from: ActorAddress, notice: HoldNotice, root: string | undefined): void {
    const { table } = this;
    const { notices } = table.holds;
    const id = noticeId(from, notice.hold);
    if (notice.kind === 'opened') {
      // A quarantined entity opens nothing (its row is not rewritten for it: its state may be one a
      // migration refused); a settle kept for it was parked when it was quarantined (`parkKeptSettles`).
      if (table.quarantine.has(key)) return;
      const early = notices.takeEarly(key, id);
      if (root === undefined || !notices.open(key, id, root, this.opts.wallClock())) {
        if (early) this.applyAhead(key, id, early, () => this.applyAllLate(key, from, early.notice.sends));
        return;
      }
      // Its row carries the notice (the receiver of a reserve has a state already, but a forged notice may come first).
      if (!table.states.has(key)) table.states.set(key, this.handler.initialState(key));
      this.markHolding(key);
      if (early) this.applyAhead(key, id, early, () => this.settle(key, id, from, early.notice));
      return;
    }
    if (notices.forgetEarly(key, id)) return this.markHolding(key);
    // Kept, and its notice could not open (no readable place): this turn applies it.
    const kept = notices.takeEarly(key, id) !== undefined;
    if (notices.isOpen(key, id)) return this.settle(key, id, from, notice);
    const dropped = notices.close(key, id) !== undefined;
    if (dropped) this.markHolding(key);
    // Otherwise settled already, or never opened (forged) — but at a quarantined entity nothing
    // opens and nothing is taken ahead: what it carries is parked, once, by this turn.
    if (dropped || kept || table.quarantine.has(key)) this.applyAllLate(key, from, notice.sends);
  }

  /**
   * `key` was just quarantined: settles kept for notices it has not opened yet are parked now, and
   * noted as taken ahead (its row is written with the quarantine), so that their turn — which may
   * come after their origin's later messages — does nothing.
   */
  parkKeptSettles(key: string): void {
    for (const [id, early] of this.table.holds.notices.takeAllEarly(key)) this.applyAhead(key, id, early, () => this.applyAllLate(key, early.from, early.notice.sends));
  }

  /**
   * A settle as it arrives, ahead of its turn in its origin's sequence (`at`): applied now when its
   * notice is open or was given up on, kept for its notice otherwise (the notice may still wait in
   * the merge). False when it is left to its turn: at a quarantined entity, where the turn parks
   * what it carries exactly once by its sequence.
   */
  settleEarly(key: string, from: ActorAddress, notice: HoldNotice & { kind: 'settled' }, root: string | undefined, at: SettleTurn): boolean {
    const { table } = this;
    const { notices } = table.holds;
    const id = noticeId(from, notice.hold);
    if (notices.wasSettledEarly(key, id)) return true; // read again after a restart: applied before it
    if (table.quarantine.has(key)) return false;
    if (notices.isOpen(key, id)) this.applyAhead(key, id, at, () => this.settle(key, id, from, notice));
    else if (notices.isDropped(key, id)) this.applyAhead(key, id, at, () => {
      notices.close(key, id);
      this.applyAllLate(key, from, notice.sends);
    });
    else notices.keepEarly(key, id, { from, notice, root, origin: at.origin, seq: at.seq });
    return true;
  }

  /** Applies a settle ahead of its record's turn `at`, noting it so that the turn (or a re-read after a restart) does nothing. */
  private applyAhead(key: string, id: string, at: SettleTurn, apply: () => void): void {
    this.table.holds.notices.settledEarly(key, id, at);
    // Written even for a quarantined entity (only `parkKeptSettles` gets here then, in the delta
    // that writes its quarantine): a restart must find what was taken ahead.
    this.table.residency.touch(key, this.table.now);
    this.pending.dirtyKeys.add(key);
    apply();
  }

  /** An open notice's settle: what it carries is held at its place (before it closes, so in key order), then what may go is applied. */
  private settle(key: string, id: string, from: ActorAddress, notice: HoldNotice & { kind: 'settled' }): void {
    const { table } = this;
    const heldAt = this.opts.wallClock();
    for (const msg of notice.sends) table.holds.hold(key, { input: { kind: 'message', from, msg }, now: msg.ts, heldAt, root: notice.hold });
    table.holds.notices.close(key, id);
    this.markHolding(key);
    this.applyFrom(key);
  }

  private applyAllLate(key: string, from: ActorAddress, sends: readonly ActorMessage[]): void {
    for (const msg of sends) this.applyLate(key, { kind: 'message', from, msg });
  }

  /** `key`'s notices or held inputs changed: its row is written at the next checkpoint, and it is used now. */
  private markHolding(key: string): void {
    this.table.residency.touch(key, this.table.now);
    if (!this.table.quarantine.has(key)) this.pending.dirtyKeys.add(key);
  }

  /** A message of a settle whose notice was given up on: applied now, unmerged, or parked behind a quarantine. */
  private applyLate(key: string, input: ActorInput & { kind: 'message' }): void {
    if (this.table.quarantine.has(key)) {
      this.handler.park(key, input, input.msg.ts, undefined, 'QUARANTINED', `entity is quarantined: ${this.table.quarantine.get(key)}`);
      return;
    }
    this.handler.setRoot(NaN, '', 0, 0);
    this.handler.handle(key, input, input.msg.ts, undefined);
  }

  /** Inputs `key` held, parked behind its quarantine for the release to apply in order. */
  park(key: string, held: readonly HeldInput[]): void {
    const reason = `entity is quarantined: ${this.table.quarantine.get(key)}`;
    for (const h of held) {
      this.handler.park(key, h.input, h.now, h.source, 'QUARANTINED', reason);
      this.settleEmpty(key, h);
    }
  }

  /** The next input `key` may apply now: none while it awaits or is quarantined. */
  private nextOf(key: string): HeldInput | undefined {
    const { table } = this;
    // An entity held only behind another's in-order input may have no state yet (a payment for an order never placed).
    const state = table.states.has(key) ? table.states.get(key) : this.handler.initialState(key);
    if (table.quarantine.has(key) || !table.holds.done(state)) return undefined;
    return table.holds.next(key);
  }

  /** Applies one held input as itself: its root key for its sends, its processed-events row. */
  private apply(key: string, h: HeldInput): void {
    const root = h.root === undefined ? undefined : decodeRootKey(h.root, 0);
    this.handler.setRoot(root?.at ?? NaN, root?.topic ?? '', root?.partition ?? 0, root?.offset ?? 0);
    // What it sends the entities it told to hold goes with the settle of each (hold-notices.ts).
    if (h.notified) {
      this.handler.captureSends(h.notified);
      let sent: Map<string, string[]>;
      try {
        this.handler.handle(key, h.input, h.now, undefined);
      } finally {
        sent = this.handler.capturedSends();
      }
      for (const to of h.notified) this.handler.sendNotice(key, to, settledJson(h.root!, h.now, sent.get(addressKey(to)) ?? []), h.root!);
    } else this.handler.handle(key, h.input, h.now, undefined);
    this.handler.appliedLate(h.appendedAt);
    this.pending.dirtyKeys.add(key); // its row no longer carries it
    if (h.input.kind === 'event' && h.source && !this.table.quarantine.has(key)) {
      const { event } = h.input;
      this.pending.processed?.push({ ...h.source, id: event.id, type: event.type, key, ts: event.ts, json: JSON.stringify(event) });
    }
  }
}
