/**
 * Values an error message shows, and anything code may throw as a reason, without calling into
 * the value (no toString, no getters that could throw again): shared by the event decoder (a
 * user's upcaster), the actors' checks and the shard (actors/transition-checks.ts).
 */

/** A value as an error message shows it, short, without calling anything of the actor's (no toString, no getters). */
export function shown(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `the BigInt ${v}n`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  return Array.isArray(v) ? `an array of ${v.length}` : 'an object';
}

/**
 * `${name}: ${message}` of anything a handler (or its toJSON, or a migration) may throw, itself
 * never throwing: a thrown `Object.create(null)`, or an error whose name is a symbol or whose
 * getters throw, once made building the quarantine reason throw instead.
 */
export function thrownText(e: unknown): string {
  try {
    if (isObject(e)) {
      const { name, message } = e as { name?: unknown; message?: unknown };
      return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : shown(message === undefined ? e : message)}`;
    }
    return `Error: ${typeof e === 'string' ? e : shown(e)}`;
  } catch {
    return `Error: a thrown ${typeof e} whose name or message cannot be read`;
  }
}

/** The message part of thrownText (what follows the name), for reasons that add their own words. */
export function thrownMessage(e: unknown): string {
  const text = thrownText(e);
  return text.slice(text.indexOf(': ') + 2);
}

/** A non-null object: what may have fields to read. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
