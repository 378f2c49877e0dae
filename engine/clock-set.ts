/**
 * A sender's clocks, one per merging actor type it sends to (docs/determinism.md). They differ when
 * the sender holds inputs that may send to some types only (ActorDefinition.sendsOn): an order
 * shard holding a payment has promised less to users than to SKUs. One string travels from the
 * shard to its relay and heartbeat: a single clock when all agree (the usual case), else
 * `<type>=<clock>` pairs joined by spaces. A clock is a root key, `idle` or `alive`
 * (engine/shard/merge-key.ts), none of which holds a space or an `=`.
 */

/** The set of `clocks` (merging type → clock, in a fixed order), as one string. */
export function encodeClockSet(clocks: ReadonlyMap<string, string>): string {
  let first: string | undefined;
  let same = true;
  for (const c of clocks.values()) {
    if (first === undefined) first = c;
    else if (c !== first) same = false;
  }
  if (same) return first ?? 'idle';
  return [...clocks].map(([type, c]) => `${type}=${c}`).join(' ');
}

/** The clock for `type` in a set; undefined when the set names other types only. */
export function clockFor(set: string, type: string): string | undefined {
  if (!set.includes('=')) return set;
  for (const pair of set.split(' ')) {
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq) === type) return pair.slice(eq + 1);
  }
  return undefined;
}
