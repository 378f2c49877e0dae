import type { ActorAddress, ActorInput } from '../../actors/actor.ts';
import type { ActorMessage } from '../../schemas/index.ts';
import type { HeldInputHandler } from './awaiting-release.ts';
import type { EntityTable } from './entity-table.ts';
import { noticeId, type HoldNotice, type SettleTurn } from './hold-notices.ts';
import type { PendingDelta } from './shard-delta.ts';

/** `key`'s notices or held inputs changed: its row is written at the next checkpoint (not a quarantined one's), and it is used now. */
export function markHolding(table: EntityTable, pending: PendingDelta, key: string): void {
  table.residency.touch(key, table.now);
  if (!table.quarantine.has(key)) pending.dirtyKeys.add(key);
}

/**
 * The receiving side of hold notices (hold-notices.ts): opening a notice, applying a settle in its
 * turn or ahead of it, and what a quarantine does to settles kept for notices not yet open. What an
 * entity holds behind its notices is let go by the awaiting release (`applyFrom`), in key order.
 */
export class NoticeRelease {
  constructor(
    private readonly handler: Pick<HeldInputHandler, 'handle' | 'setRoot' | 'park' | 'initialState'>,
    private readonly table: EntityTable,
    private readonly pending: PendingDelta,
    private readonly release: { applyFrom(key: string | undefined): void },
    private readonly wallClock: () => number,
  ) {}

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
      // An entity its actor cannot start holds nothing: what reaches it is refused as it comes.
      const first = table.states.has(key) ? undefined : this.handler.initialState(key);
      const startable = table.states.has(key) || first !== undefined;
      if (root === undefined || !startable || !notices.open(key, id, root, this.wallClock())) {
        if (early) this.applyAhead(key, id, early, () => this.applyAllLate(key, from, early.notice.sends));
        return;
      }
      // Its row carries the notice (the receiver of a reserve has a state already, but a forged notice may come first).
      if (!table.states.has(key)) table.states.set(key, first);
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

  /** A settle's record was dropped as already applied by its origin's sequence: whatever it applied ahead of its turn is forgotten. */
  settleTurnPassed(key: string, from: ActorAddress, hold: string): void {
    if (this.table.holds.notices.forgetEarly(key, noticeId(from, hold)) && !this.table.quarantine.has(key)) this.pending.dirtyKeys.add(key);
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
    const heldAt = this.wallClock();
    for (const msg of notice.sends) table.holds.hold(key, { input: { kind: 'message', from, msg }, now: msg.ts, heldAt, root: notice.hold });
    table.holds.notices.close(key, id);
    this.markHolding(key);
    this.release.applyFrom(key);
  }

  private applyAllLate(key: string, from: ActorAddress, sends: readonly ActorMessage[]): void {
    for (const msg of sends) this.applyLate(key, { kind: 'message', from, msg });
  }

  private markHolding(key: string): void {
    markHolding(this.table, this.pending, key);
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

}
