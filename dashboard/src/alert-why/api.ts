/// <reference lib="dom" />
import type { Alert } from '../../../schemas/alert.ts';
import { errorText } from '../api.ts';
import { authHeaders } from '../auth.ts';

// The causes' shape comes from the engine that finds them (type-only: erased from the bundle).
import type { AlertCause, LogCoordinates } from '../../../engine/alert-causes.ts';

export type { AlertCause, LogCoordinates };

/** `GET /v1/alerts/:id` (http/routes/alerts.ts): an alert and its "why". */
export interface AlertWhy {
  alert: Alert;
  /** The reasons found in the log, in `reasons` order; `null` when the instance cannot read the log (`note` says why). */
  causes: AlertCause[] | null;
  /** Reasons not found in the records read back. */
  unresolved: string[];
  /** Records read back to find them. */
  scanned?: number;
  /** The trace the first cause's ingestion started; `url` is set when the instance knows its Jaeger UI. */
  trace?: { traceId: string; url: string | null } | null;
  note?: string;
}

export type AlertWhyLookup = { kind: 'found'; why: AlertWhy } | { kind: 'not_found'; message: string } | { kind: 'failed'; message: string };

/** The scan reads up to 50k records per partition: give it time, but not forever. */
const TIMEOUT_MS = 30_000;

/** An alert's why, read back from the log by the instance; never throws. */
export async function fetchAlertWhy(id: string): Promise<AlertWhyLookup> {
  let res: Response;
  try {
    res = await fetch(`v1/alerts/${encodeURIComponent(id)}`, { headers: authHeaders(), signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    return { kind: 'failed', message: timedOut ? `the instance did not answer in ${TIMEOUT_MS / 1000} s` : `the instance did not answer (${(e as Error).message})` };
  }
  const body = (await res.json().catch(() => null)) as (AlertWhy & { error?: unknown }) | null;
  if (res.status === 404) return { kind: 'not_found', message: errorText(body) ?? `no committed alert has the id '${id}'` };
  if (res.status === 401 || res.status === 403) {
    return { kind: 'failed', message: `${errorText(body) ?? `HTTP ${res.status}`}: reading an alert needs an API token with the "read" scope (open the page as /#access_token=<token>)` };
  }
  if (!res.ok || body === null || typeof body !== 'object' || !('alert' in body) || !Array.isArray(body.unresolved)) {
    return { kind: 'failed', message: errorText(body) ?? `HTTP ${res.status} ${res.statusText}` };
  }
  return { kind: 'found', why: body };
}
