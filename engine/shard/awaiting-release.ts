import type { ActorInput } from '../../actors/actor.ts';
import { DEFAULT_MAX_AWAIT_MS, type HeldInput } from './awaiting-holds.ts';
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
}

/**
 * Holds and releases the inputs of entities that await answers (awaiting-holds.ts says what is
 * held and in which order): holding an input as it comes, applying what an entity holds once a
 * message ends its wait, and whatever the shard's in-order queue lets go after it, and applying
 * anyway what waited too long.
 */
export class AwaitingRelease {
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
    if (!table.holds.active) return false;
    if (!table.holds.mustHold(key, table.states.has(key) ? table.states.get(key) : this.handler.initialState(key), input)) return false;
    const h: HeldInput = { input, now, heldAt: this.opts.wallClock() };
    const root = this.handler.rootKey();
    if (root !== undefined) h.root = root;
    if (source) {
      h.source = { topic: source.topic, partition: source.partition, offset: source.offset };
      if (source.timestamp !== undefined) h.appendedAt = source.timestamp;
      this.opts.inputs?.record(source);
    }
    table.holds.hold(key, h);
    table.residency.touch(key, table.now);
    this.pending.dirtyKeys.add(key); // its row carries what it holds
    return true;
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
    for (const key of table.holds.overdue(this.opts.wallClock() - (this.opts.maxAwaitMs ?? DEFAULT_MAX_AWAIT_MS))) {
      this.opts.counters.awaitsTimedOut++;
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
    const { table } = this;
    for (let next = key ?? table.holds.nextInOrder(); next !== undefined; ) {
      let applied = 0;
      for (let h = this.nextOf(next); h !== undefined; h = this.nextOf(next)) {
        this.apply(next, h);
        applied++;
      }
      if (table.quarantine.has(next) && table.holds.has(next)) this.park(next, table.holds.take(next)!);
      const following = table.holds.nextInOrder();
      if (following === undefined || (following === next && applied === 0)) return;
      next = following;
    }
  }

  /** Inputs `key` held, parked behind its quarantine for the release to apply in order. */
  park(key: string, held: readonly HeldInput[]): void {
    const reason = `entity is quarantined: ${this.table.quarantine.get(key)}`;
    for (const h of held) this.handler.park(key, h.input, h.now, h.source, 'QUARANTINED', reason);
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
    this.handler.handle(key, h.input, h.now, undefined);
    this.handler.appliedLate(h.appendedAt);
    this.pending.dirtyKeys.add(key); // its row no longer carries it
    if (h.input.kind === 'event' && h.source && !this.table.quarantine.has(key)) {
      const { event } = h.input;
      this.pending.processed?.push({ ...h.source, id: event.id, type: event.type, key, ts: event.ts, json: JSON.stringify(event) });
    }
  }
}
