import { isIdentifier } from '../schemas/index.ts';
import { clip } from './clip.ts';

/**
 * Parsing of client-supplied query values (filters, cursors, resume ids) into what the SQL may
 * receive. Postgres refuses U+0000 in text and bigint beyond 2^63: unchecked, `type=%00` or
 * `since=99999999999999999999` became a 500 with a stack trace in the log. Each parser returns a
 * value or a message for a 400.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Longest filter value or id accepted (ids of the contract are far shorter). */
export const MAX_FILTER_CHARS = 512;
/** The ECMAScript Date range: the largest event time there can be. */
export const MAX_TIME_MS = 8.64e15;

/** An optional text filter: well-formed Unicode, no control characters, bounded. */
export function textFilter(name: string, raw: string | undefined): Parsed<string | undefined> {
  if (raw === undefined || raw === '') return { ok: true, value: undefined };
  if (raw.length > MAX_FILTER_CHARS) return { ok: false, error: `${name} is longer than ${MAX_FILTER_CHARS} characters` };
  if (!isIdentifier(raw)) return { ok: false, error: `${name} must be well-formed text without control characters, got '${clip(JSON.stringify(raw))}'` };
  return { ok: true, value: raw };
}

/** `since`: epoch milliseconds or an ISO time, within the Date range. */
export function sinceFilter(raw: string | undefined): Parsed<number | undefined> {
  return timeFilter('since', raw);
}

/** An optional time parameter `name`: epoch milliseconds or an ISO time, within the Date range. */
export function timeFilter(name: string, raw: string | undefined): Parsed<number | undefined> {
  if (raw === undefined || raw === '') return { ok: true, value: undefined };
  const ms = /^\d{1,16}$/.test(raw) ? Number(raw) : raw.length <= 64 ? Date.parse(raw) : NaN;
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_TIME_MS) {
    return { ok: false, error: `${name} must be epoch milliseconds or an ISO time (up to ${MAX_TIME_MS}), got '${clip(raw)}'` };
  }
  return { ok: true, value: ms };
}

/** The opaque page cursor GET /v1/alerts returns: base64url of `[ts, id]`. */
export function encodeCursor(ts: number, id: string): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}

/** A cursor this API could have returned, or undefined (tampered, truncated, out of range). */
export function decodeCursor(cursor: string): { ts: number; id: string } | undefined {
  if (cursor.length > 4 * MAX_FILTER_CHARS) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [ts, id] = parsed as [unknown, unknown];
    if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || Math.abs(ts) > MAX_TIME_MS) return undefined;
    if (typeof id !== 'string' || !textFilter('id', id).ok) return undefined;
    return { ts, id };
  } catch {
    return undefined;
  }
}
