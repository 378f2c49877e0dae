/**
 * Bounded sliding windows of events for the fraud rules (docs/domain-rules.md "User fraud rules").
 *
 * A window covers `(now − windowMs, now]`: an event exactly `windowMs` old has left it. Entries are
 * kept oldest first, pruned by time AND capped in length, so a user's state stays bounded whatever
 * the event rate. Rules work on decoded `Entry` lists; the user state stores each window as ONE flat
 * array (`Window`) because every JS array costs ~60 bytes of heap and a million users stay in memory.
 */

/** One event inside a window. `tag` is a short label kept with it (a declined card's fingerprint). */
export interface Entry {
  readonly ts: number;
  readonly id: string;
  readonly tag?: string;
}

/**
 * A window as stored in the user state, oldest first: `[ts, id, ts, id, …]`, or `[ts, id, tag, …]`
 * for a tagged window. Plain numbers and strings, so it survives the jsonb checkpoint unchanged.
 */
export type Window = readonly (number | string)[];

/** Picks the position of the entry to drop when a window is over its cap. */
export type Evict = (entries: readonly Entry[]) => number;

/** Decodes a stored window (`undefined` is the empty window). */
export function entriesOf(window: Window | undefined, tagged: boolean): Entry[] {
  if (window === undefined) return [];
  const width = tagged ? 3 : 2;
  const entries: Entry[] = [];
  for (let i = 0; i + width <= window.length; i += width) {
    const ts = window[i] as number;
    const id = window[i + 1] as string;
    entries.push(tagged ? { ts, id, tag: window[i + 2] as string } : { ts, id });
  }
  return entries;
}

/** Encodes entries for the user state; an empty window is `undefined`, so it is not stored at all. */
export function stored(entries: readonly Entry[], tagged: boolean): Window | undefined {
  if (entries.length === 0) return undefined;
  const width = tagged ? 3 : 2;
  // Sized up front: an array grown by push keeps spare capacity, and this one lives as long as the user.
  const window = new Array<number | string>(entries.length * width);
  entries.forEach((e, i) => {
    window[i * width] = e.ts;
    window[i * width + 1] = e.id;
    if (tagged) window[i * width + 2] = e.tag ?? '';
  });
  return window;
}

/**
 * A window after one more event. The window is judged at `at`, the latest event time it has seen:
 * for inputs in event-time order that is the new event's own time; an input that arrives after a
 * later one (payments reach a user from many order partitions) is counted in the window it belongs
 * to instead of reopening an older one.
 */
export interface Slid {
  /** Entries inside `(at − windowMs, at]`, oldest first, at most `cap`. */
  entries: Entry[];
  at: number;
  /** How many of `entries` were there before this event. */
  before: number;
  /** False when the event was already outside the window, or the oldest one over the cap. */
  added: boolean;
}

/**
 * Slides a window to its latest event time and adds `entry` in time order (after entries of the
 * same millisecond, so arrival order breaks ties); while over `cap`, drops the entry `evict` picks
 * (by default the oldest, so a capped window keeps the newest events).
 *
 * @example
 * slide([{ ts: 0, id: 'a' }, { ts: 5, id: 'b' }], { ts: 10, id: 'c' }, 10, 5).entries; // → b, c ('a' is exactly 10 old)
 */
export function slide(window: readonly Entry[], entry: Entry, windowMs: number, cap: number, evict: Evict = oldest, clock = entry.ts): Slid {
  // `clock`: the latest event time the user has seen on any window of the same inputs, so a late
  // entry is judged by the same time whether or not its own window saw the later inputs.
  const at = latest(window, Math.max(entry.ts, clock));
  const kept = expire(window, at - windowMs);
  if (entry.ts <= at - windowMs) return { entries: kept, at, before: kept.length, added: false };
  let pos = kept.length;
  while (pos > 0 && kept[pos - 1]!.ts > entry.ts) pos--;
  const entries = [...kept.slice(0, pos), entry, ...kept.slice(pos)];
  while (entries.length > cap) entries.splice(evict(entries), 1);
  return { entries, at, before: kept.length, added: entries.includes(entry) };
}

/** Drops the entries that have left a window whose old edge is `cutoff` (`ts ≤ cutoff`). */
export function expire(entries: readonly Entry[], cutoff: number): Entry[] {
  return entries.filter((e) => e.ts > cutoff);
}

/** The entries not later than `now`: a window's content at `now` once `expire` has cut its old side. */
export function upTo(entries: readonly Entry[], now: number): Entry[] {
  return entries.filter((e) => e.ts <= now);
}

/** Ids of entries, oldest first: the `reasons` of an alert. */
export function idsOf(entries: readonly Entry[]): string[] {
  return entries.map((e) => e.id);
}

/** The latest event time a window has seen, or `now` if later (or the window is empty). */
export function latest(entries: readonly Entry[], now: number): number {
  return Math.max(now, entries.at(-1)?.ts ?? now);
}

/** Default eviction: the oldest entry. */
function oldest(): number {
  return 0;
}

/**
 * The entry at which, in event-time order, the window condition first held: the earliest entry e
 * such that the entries in `(e.ts − windowMs, e.ts]` satisfy `holds`. Inputs can arrive out of
 * event-time order (payments reach a user from several partitions), so "the entry that arrived
 * last" depends on the run; this one depends only on the window's contents. `entries` is sorted.
 */
export function firstCompleting(entries: readonly Entry[], windowMs: number, holds: (inWindow: readonly Entry[]) => boolean): Entry | undefined {
  let start = 0;
  for (let end = 0; end < entries.length; end++) {
    const at = entries[end]!.ts;
    while (entries[start]!.ts <= at - windowMs) start++;
    // Entries of the same millisecond as `at` belong to its window too.
    let last = end;
    while (last + 1 < entries.length && entries[last + 1]!.ts === at) last++;
    const inWindow = entries.slice(start, last + 1);
    if (holds(inWindow)) return entries[end]!;
  }
  return undefined;
}
