/// <reference lib="dom" />
import { errorText } from '../api.ts';
import { adminHeaders } from '../auth.ts';

/**
 * The quarantine panel's calls: the two admin routes (http/routes/quarantine.ts, `admin` scope).
 * Shapes as the HTTP contract gives them.
 */

// The answers' shapes come from the server's routes (type-only: erased from the bundle).
import type { QuarantinedEntityAnswer as QuarantinedEntity, ReleaseAnswer } from '../../../http/routes/quarantine.ts';

export type { QuarantinedEntity, ReleaseAnswer };

/** A failed call: `denied` when the token is missing or lacks the admin scope (401/403). */
export type Failed = { ok: false; status: number; denied: boolean; error: string };
export type ListResult = { ok: true; entities: QuarantinedEntity[] } | Failed;
export type ReleaseResult = { ok: true; answer: ReleaseAnswer } | Failed;

/** Entities listed at most (the route allows 500; a page of them is already a long scroll). */
export const LIST_LIMIT = 100;
const LIST_TIMEOUT_MS = 4_000;
/** The server waits up to 35 s for the owner's checkpoint; give it that and a little more. */
const RELEASE_TIMEOUT_MS = 40_000;

/** Quarantined entities, longest quarantined first; never throws. */
export async function fetchQuarantined(): Promise<ListResult> {
  const res = await call(`v1/admin/quarantine?limit=${LIST_LIMIT}`, { timeoutMs: LIST_TIMEOUT_MS });
  if (!res.ok) return res;
  const entities = (res.body as { entities?: unknown } | null)?.entities;
  if (!Array.isArray(entities)) return { ok: false, status: res.status, denied: false, error: 'unexpected answer from the quarantine API' };
  return { ok: true, entities: entities as QuarantinedEntity[] };
}

/** Releases one entity; never throws. */
export async function releaseQuarantined(type: string, key: string): Promise<ReleaseResult> {
  const res = await call('v1/admin/quarantine/release', { timeoutMs: RELEASE_TIMEOUT_MS, body: { type, key } });
  return res.ok ? { ok: true, answer: res.body as ReleaseAnswer } : res;
}

async function call(url: string, opts: { timeoutMs: number; body?: unknown }): Promise<{ ok: true; status: number; body: unknown } | Failed> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: opts.body === undefined ? 'GET' : 'POST',
      headers: opts.body === undefined ? adminHeaders() : { ...adminHeaders(), 'content-type': 'application/json' },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    return { ok: false, status: 0, denied: false, error: timedOut ? 'the instance did not answer in time' : 'the instance did not answer' };
  }
  const body = (await res.json().catch(() => null)) as unknown;
  if (res.ok) return { ok: true, status: res.status, body };
  const denied = res.status === 401 || res.status === 403;
  return { ok: false, status: res.status, denied, error: errorText(body) ?? `HTTP ${res.status}` };
}
