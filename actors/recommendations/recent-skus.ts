/**
 * A bounded "most recent SKUs" list, as the user state stores it: ONE flat array
 * `[sku, ts, sku, ts, …]`, newest first, each SKU once (with the latest event time it was seen),
 * at most `cap` SKUs. Flat because every JS array costs ~60 bytes of heap (see actors/fraud/window.ts).
 *
 * The list is a function of the SET of (sku, ts) facts it was given, not of their arrival order:
 * a SKU keeps its latest time, the order is (ts desc, sku asc), and an entry pushed out by `cap`
 * newer ones can never come back with the same or an older time. Payment facts reach a user from
 * several order partitions in an order that differs between runs, so this keeps replays and the
 * pure driver (the oracle) equal.
 */
export type RecentSkus = readonly (string | number)[];

/**
 * The list with `sku` seen at `ts`; the same array when nothing changes (already there, as recent).
 *
 * @example
 * withRecentSku(withRecentSku(undefined, 'a', 1, 2), 'b', 2, 2); // ['b', 2, 'a', 1]
 */
export function withRecentSku(list: RecentSkus | undefined, sku: string, ts: number, cap: number): RecentSkus {
  const current = list ?? [];
  // The common case, a fact newer than the head (a page view now): it goes first, the rest keep
  // their order; one array, no sort (page views are the most frequent event).
  if (current.length === 0 || ts > (current[1] as number)) {
    const next: (string | number)[] = [sku, ts];
    for (let i = 0; i + 1 < current.length && next.length < 2 * cap; i += 2) {
      if (current[i] !== sku) next.push(current[i]!, current[i + 1]!);
    }
    return next;
  }
  const entries: [string, number][] = [];
  for (let i = 0; i + 1 < current.length; i += 2) {
    const s = current[i] as string;
    const t = current[i + 1] as number;
    if (s !== sku) entries.push([s, t]);
    else if (t >= ts) return current; // already there, as recent or more
  }
  entries.push([sku, ts]);
  entries.sort(byRecency);
  const next = entries.slice(0, cap).flat();
  // A fact older than everything a full list keeps changes nothing: hand back the same array.
  return next.length === current.length && next.every((x, i) => x === current[i]) ? current : next;
}

/** The SKUs of a list, newest first. */
export function skusOf(list: RecentSkus | undefined): string[] {
  const out: string[] = [];
  if (list) for (let i = 0; i < list.length; i += 2) out.push(list[i] as string);
  return out;
}

/** Newest first; equal times by SKU, so the order never depends on arrival. */
function byRecency(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}
