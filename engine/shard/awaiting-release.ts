import type { ActorAddress, ActorInput } from '../../actors/actor.ts';
import { DEFAULT_MAX_AWAIT_MS, type HeldInput } from './awaiting-holds.ts';
import { openedJson, settledJson } from './hold-notices.ts';
import { markHolding } from './notice-release.ts';
import type { EntityTable } from './entity-table.ts';
import type { InputLog } from './input-log.ts';
import { decodeRootKey } from './merge-key.ts';
import type { ParkedInput } from './parked.ts';
import type { SourceRecord } from './records.ts';
import type { ShardCounters } from './shard-api.ts';
import type { PendingDelta } from './shard-delta.ts';

/** What the release needs of the shard's handler. */
export interface HeldInputHandler {
  /**
   * The input handled next goes ahead of an open notice of its entity (ActorDefinition.aheadOfNotices):
   * it does the same whatever the notice brings, so the messages the notice's settle puts before it,
   * applied after it, are not out of event-time order.
   */
  goesAhead(): void;
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
    const noticed = table.holds.notices.holding(key) ? this.handler.rootKey() : undefined;
    if (!table.holds.mustHold(key, state, input, noticed)) {
      if (noticed !== undefined && table.holds.waitsForNotice(key, noticed)) this.handler.goesAhead();
      return false;
    }
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
    if (!table.holds.notices.holding(key)) return false;
    const root = this.handler.rootKey();
    if (!table.holds.waitsForNotice(key, root)) return false;
    if (table.holds.goesAhead(key, table.states.has(key) ? table.states.get(key) : this.handler.initialState(key), input)) {
      this.handler.goesAhead();
      return false;
    }
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
      markHolding(table, this.pending, key);
      this.applyFrom(key);
    }
    for (const key of table.holds.overdue(before)) {
      this.opts.counters.awaitsTimedOut++;
      if (table.holds.notices.drop(key)) markHolding(table, this.pending, key);
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
