/** Longest client-supplied string echoed in an answer (ids, keys, paths, values). */
export const ECHO_MAX = 64;

/**
 * `s` cut to `max` UTF-16 units plus '…', never splitting a surrogate pair: error bodies and logs
 * echo what a client sent, and a 10 KB id must not come back 10 KB long.
 *
 * @example clip('x'.repeat(100)) // 'xxxx…' (64 x and an ellipsis)
 */
export function clip(s: string, max = ECHO_MAX): string {
  if (s.length <= max) return s;
  const cut = isHighSurrogate(s.charCodeAt(max - 1)) ? max - 1 : max;
  return `${s.slice(0, cut)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
