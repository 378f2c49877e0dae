import { isEpochMs } from '../../actors/transition-checks.ts';
import type { ActorMessage } from '../../schemas/index.ts';
import { compareKeys, decodeRootKey, type MergeKey } from './merge-key.ts';

/**
 * Hold notices (issue #16, docs/determinism.md "Built: hold notices"): what makes a merging
 * receiver exact for the sends of an input its sender held.
 *
 * An order that awaits its stock answers holds its later cancellation, shipment or timer; what that
 * input sends (releases, commits) leaves only once it is applied, under its own earlier key, behind
 * reserves the order shard sent meanwhile for later orders. A SKU takes each origin's messages in
 * the order sent, so it would apply a later reserve before an earlier release, and might refuse a
 * unit the driver grants.
 *
 * So when the engine holds such an input, it sends each entity the input may still send to
 * (ActorDefinition.heldInputTargets) an **opened** notice, keyed at the held input's place; the
 * receiver's merge applies it there, in event-time order. From then on the receiving entity holds
 * every input keyed later — its source events, timers and messages from any origin — with its row,
 * as an awaiting entity holds its inputs, and applies anything keyed at or before it. Once the held
 * input is applied, the sender **settles** the notice: one message per target carrying what the
 * input sent that target. The receiver applies those messages at the notice's place and then what
 * it held, in order. Only that entity waits, not its shard.
 *
 * The settle is exactly-once by the notice, not by the origin's sequence: applying it closes the
 * notice, in the same checkpoint row. So the merge takes it as soon as it arrives (MergedInputs):
 * applied at once when its notice is open, or kept in memory and applied the moment the notice
 * opens — never behind its origin's earlier-sent, later-keyed messages, which may wait for another
 * origin that waits for an answer from the very entity the notice holds. The row remembers a
 * settle applied ahead of its turn until the record's own turn in its origin's sequence comes (or
 * is passed), which then does nothing; so does a re-read after a restart.
 *
 * Notices are engine messages: the actor never sees them. One never settled (a sender quarantined,
 * a forged record) holds its entity no longer than an awaiting entity waits for answers
 * (DEFAULT_MAX_AWAIT_MS, counted as a wait timed out); its settle, if it comes later, is applied
 * then, out of order rather than lost.
 */
export const HOLD_OPENED = '$hold_opened';
export const HOLD_SETTLED = '$hold_settled';

/** A hold notice as the receiver reads it from an inbox message. */
export type HoldNotice =
  | { kind: 'opened'; hold: string }
  /** `sends`: the messages the held input sent the receiver, in order. */
  | { kind: 'settled'; hold: string; sends: ActorMessage[] };

/** The notice an inbox message is, if it is one; undefined for every actor message (and for a malformed notice). */
export function holdNoticeOf(msg: { type?: unknown; hold?: unknown; sends?: unknown }): HoldNotice | undefined {
  const type = msg.type;
  if (type !== HOLD_OPENED && type !== HOLD_SETTLED) return undefined;
  const { hold, sends } = msg as { hold?: unknown; sends?: unknown };
  if (typeof hold !== 'string' || hold.length === 0 || hold.length > 300) return undefined;
  if (type === HOLD_OPENED) return { kind: 'opened', hold };
  if (!Array.isArray(sends) || !sends.every((m) => typeof m === 'object' && m !== null && typeof m.type === 'string' && isEpochMs(m.ts))) return undefined;
  return { kind: 'settled', hold, sends: sends as ActorMessage[] };
}

/** True for a message type reserved for hold notices (a malformed notice is dead-lettered, never given to the actor). */
export function isHoldNoticeType(type: unknown): boolean {
  return type === HOLD_OPENED || type === HOLD_SETTLED;
}

/** The `msg` of an opened notice, as JSON. */
export function openedJson(hold: string, ts: number): string {
  return `{"type":"${HOLD_OPENED}","ts":${ts},"hold":${JSON.stringify(hold)}}`;
}

/** The `msg` of a settle, as JSON: `sends` are the messages' JSON texts, as the actor's sends were encoded. */
export function settledJson(hold: string, ts: number, sends: readonly string[]): string {
  return `{"type":"${HOLD_SETTLED}","ts":${ts},"hold":${JSON.stringify(hold)},"sends":[${sends.join(',')}]}`;
}

/** A notice's id at its receiver: unique per sender entity and held input. */
export function noticeId(from: { type: string; key: string }, hold: string): string {
  return `${from.type}/${from.key}/${hold}`;
}

/** One open notice of an entity: the key after which it holds. */
interface Open {
  id: string;
  bound: MergeKey;
  /** The bound as it travels (encodeRootKey), for the checkpoint row. */
  boundText: string;
  /** Wall-clock ms it was opened (or restored): a notice never settled ends after the await bound. */
  openedAt: number;
}

/** Where a settle's record stands in its origin's sequence: its own turn there only forgets it. */
export interface SettleTurn {
  origin: string;
  seq: number;
}

/** A settle taken before its notice opened here: applied when it opens (memory only; its record is re-read after a restart). */
export interface EarlySettle extends SettleTurn {
  from: { type: string; key: string };
  notice: HoldNotice & { kind: 'settled' };
  /** The settle's record key header (`x-at`). */
  root: string | undefined;
}

/**
 * What a checkpoint row stores of an entity's notices: open ones as `[id, bound]`, ids given up on,
 * and settles applied ahead of their turn as `[id, origin, seq]` (their record, read again after a
 * restart, must find them applied).
 */
export interface SavedNotices {
  open?: [string, string][];
  dropped?: string[];
  early?: [string, string, number][];
}

/**
 * The notices of a shard's entities: per entity, those open (the least bound says what it holds)
 * and those it stopped waiting for (their settle is still applied, late, when it comes).
 */
export class NoticeHolds {
  private readonly byKey = new Map<string, Open[]>();
  private readonly droppedByKey = new Map<string, Set<string>>();
  /** Settles applied ahead of their turn, per entity: id → their record's place in its origin's sequence. */
  private readonly appliedEarly = new Map<string, Map<string, SettleTurn>>();
  /** Settles taken before their notice opened, by `<entity key>\u0000<notice id>`. */
  private readonly early = new Map<string, EarlySettle>();
  /** No open notice was opened before this (a lower bound: `overdue` skips its scan until then). */
  private oldest = Infinity;

  /** Entities with an open notice. */
  get size(): number {
    return this.byKey.size;
  }

  /** True when `key` has open or dropped notices, or settles applied ahead of their turn (its row must carry them). */
  has(key: string): boolean {
    return this.byKey.has(key) || this.droppedByKey.has(key) || this.appliedEarly.has(key);
  }

  /** Notes that the settle of `id` was applied ahead of its record's turn `at`. */
  settledEarly(key: string, id: string, at: SettleTurn): void {
    const m = this.appliedEarly.get(key) ?? new Map<string, SettleTurn>();
    m.set(id, { origin: at.origin, seq: at.seq });
    this.appliedEarly.set(key, m);
  }

  /** True when the settle of `id` was applied ahead of its turn (its record, in its turn or read again, does nothing). */
  wasSettledEarly(key: string, id: string): boolean {
    return this.appliedEarly.get(key)?.has(id) === true;
  }

  /** The turn of an early settle's record came (or was passed): it is forgotten. True when it was one. */
  forgetEarly(key: string, id: string): boolean {
    const m = this.appliedEarly.get(key);
    if (!m?.delete(id)) return false;
    if (m.size === 0) this.appliedEarly.delete(key);
    return true;
  }

  /** True when `key` holds behind an open notice (it must stay in memory). */
  holding(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Keeps a settle whose notice has not opened here yet, for `takeEarly` when it does. */
  keepEarly(key: string, id: string, s: EarlySettle): void {
    this.early.set(`${key}\u0000${id}`, s);
  }

  /** Every settle kept for `key`, by notice id, removed. */
  takeAllEarly(key: string): [string, EarlySettle][] {
    const prefix = `${key}\u0000`;
    const out: [string, EarlySettle][] = [];
    for (const [k, s] of this.early) {
      if (k.startsWith(prefix)) {
        out.push([k.slice(prefix.length), s]);
        this.early.delete(k);
      }
    }
    return out;
  }

  /** The settle kept for notice `id` of `key`, removed; undefined when none. */
  takeEarly(key: string, id: string): EarlySettle | undefined {
    const k = `${key}\u0000${id}`;
    const s = this.early.get(k);
    if (s) this.early.delete(k);
    return s;
  }

  isOpen(key: string, id: string): boolean {
    return this.byKey.get(key)?.some((o) => o.id === id) === true;
  }

  isDropped(key: string, id: string): boolean {
    return this.droppedByKey.get(key)?.has(id) === true;
  }

  /** Opens a notice for `key`: its inputs keyed after `boundText` wait. False when the bound cannot be read (nothing opens). */
  open(key: string, id: string, boundText: string, now: number): boolean {
    const bound = decodeRootKey(boundText, 0);
    if (bound === undefined) return false;
    const list = this.byKey.get(key);
    const open: Open = { id, bound, boundText, openedAt: now };
    if (!list) this.byKey.set(key, [open]);
    else if (!list.some((o) => o.id === id)) list.push(open);
    this.oldest = Math.min(this.oldest, now);
    return true;
  }

  /**
   * Closes `key`'s notice `id`. 'open': it was open, with its bound (where what it settles goes); 'dropped':
   * it had been given up on (what it settles applies now, late); undefined: neither — already settled.
   */
  close(key: string, id: string): { was: 'open'; boundText: string } | { was: 'dropped' } | undefined {
    const list = this.byKey.get(key);
    const i = list?.findIndex((o) => o.id === id) ?? -1;
    if (i >= 0) {
      const [open] = list!.splice(i, 1);
      if (list!.length === 0) this.byKey.delete(key);
      return { was: 'open', boundText: open!.boundText };
    }
    const dropped = this.droppedByKey.get(key);
    if (dropped?.delete(id)) {
      if (dropped.size === 0) this.droppedByKey.delete(key);
      return { was: 'dropped' };
    }
    return undefined;
  }

  /** The least open bound of `key`: an input keyed after it waits. */
  bound(key: string): MergeKey | undefined {
    const list = this.byKey.get(key);
    if (!list) return undefined;
    let min = list[0]!.bound;
    for (let i = 1; i < list.length; i++) if (compareKeys(list[i]!.bound, min) < 0) min = list[i]!.bound;
    return min;
  }

  /**
   * Gives up on `key`'s notices opened at or before `before` (all with Infinity): they waited too
   * long, and their settles will apply late. True when one was.
   */
  drop(key: string, before = Infinity): boolean {
    const list = this.byKey.get(key);
    if (!list) return false;
    const gone = list.filter((o) => o.openedAt <= before);
    if (gone.length === 0) return false;
    const kept = list.filter((o) => o.openedAt > before);
    if (kept.length > 0) this.byKey.set(key, kept);
    else this.byKey.delete(key);
    const dropped = this.droppedByKey.get(key) ?? new Set<string>();
    for (const o of gone) dropped.add(o.id);
    this.droppedByKey.set(key, dropped);
    return true;
  }

  /** Keys with a notice opened at or before `before`. */
  overdue(before: number): string[] {
    if (this.oldest > before) return [];
    const keys: string[] = [];
    let oldest = Infinity;
    for (const [key, list] of this.byKey) {
      for (const o of list) oldest = Math.min(oldest, o.openedAt);
      if (list.some((o) => o.openedAt <= before)) keys.push(key);
    }
    this.oldest = oldest;
    return keys;
  }

  saved(key: string): SavedNotices | undefined {
    const open = this.byKey.get(key);
    const dropped = this.droppedByKey.get(key);
    const early = this.appliedEarly.get(key);
    if (!open && !dropped && !early) return undefined;
    return {
      ...(open ? { open: open.map((o): [string, string] => [o.id, o.boundText]) } : {}),
      ...(dropped ? { dropped: [...dropped] } : {}),
      ...(early ? { early: [...early].map(([id, t]): [string, string, number] => [id, t.origin, t.seq]) } : {}),
    };
  }

  /** Forgets what `key` has (it left memory: its row keeps it). Settles kept for it stay: their notices may still open. */
  forget(key: string): void {
    this.byKey.delete(key);
    this.droppedByKey.delete(key);
    this.appliedEarly.delete(key);
  }

  /** Puts back what a row stored; a wait counts from `now`, as for held inputs. */
  restore(key: string, saved: SavedNotices | undefined, now: number): void {
    this.forget(key);
    for (const e of saved?.early ?? []) if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string' && Number.isSafeInteger(e[2])) this.settledEarly(key, e[0], { origin: e[1], seq: e[2] });
    for (const n of saved?.open ?? []) if (Array.isArray(n) && typeof n[0] === 'string' && typeof n[1] === 'string') this.open(key, n[0], n[1], now);
    const dropped = (saved?.dropped ?? []).filter((id) => typeof id === 'string');
    if (dropped.length > 0) this.droppedByKey.set(key, new Set(dropped));
  }
}
