import type { ReleaseResult } from './api.ts';

/** What a release came to, as the panel says it: `ok` is a healthy entity, `bad` anything else. */
export interface Outcome {
  level: 'ok' | 'bad';
  text: string;
}

/** Said when the API refuses the token (401/403) or there is none. */
export const NEEDS_ADMIN = 'needs an API token with the "admin" scope';

/**
 * The outcome of `POST /v1/admin/quarantine/release` in words.
 *
 * @example
 * describeRelease({ ok: true, answer: { released: true, applied: 2, ... } }).text // "Released: applied 2 input(s)"
 */
export function describeRelease(r: ReleaseResult): Outcome {
  if (!r.ok) return { level: 'bad', text: r.denied ? `${r.error}: releasing ${NEEDS_ADMIN}` : r.error };
  const { released, applied, parked, duplicates, quarantine } = r.answer;
  const skipped = duplicates ? `, skipped ${duplicates} already applied` : '';
  if (released) return { level: 'ok', text: `Released: applied ${applied} input(s)${skipped}` };
  // The rest stays parked behind the input that threw again.
  return { level: 'bad', text: `Quarantined again: ${quarantine ?? 'unknown error'} (applied ${applied} of ${parked} input(s)${skipped})` };
}
