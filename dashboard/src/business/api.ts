/// <reference lib="dom" />
import type { AlertsBucket, FunnelBucket, SalesBucket, TopSku } from '../../../store/analytics.ts';
import type { FunnelTotals } from '../../../http/routes/analytics.ts';
import { authHeaders } from '../auth.ts';

/**
 * The business row's reads: the four analytics routes (docs/analytics.md, `read` scope), per
 * minute over one window. Shapes as the HTTP contract gives them; money in minor units.
 */

// The answers' shapes are the server's own types (erased in the bundle): they cannot drift apart.
export type { AlertsBucket, FunnelBucket, SalesBucket, TopSku } from '../../../store/analytics.ts';
export type { FunnelTotals } from '../../../http/routes/analytics.ts';

/** What one route answered: its body, or why there is none (shown in the panel instead of data). */
export type Loaded<T> = { ok: true; data: T } | { ok: false; error: string };

export interface BusinessData {
  sales: Loaded<{ buckets: SalesBucket[] }>;
  funnel: Loaded<{ buckets: FunnelBucket[]; totals: FunnelTotals }>;
  topSkus: Loaded<{ items: TopSku[] }>;
  alerts: Loaded<{ buckets: AlertsBucket[] }>;
}

/** One window of the business row; epoch ms, `to` exclusive. */
export interface Window {
  from: number;
  to: number;
}

/** SKUs listed in "Top SKUs". */
export const TOP_SKU_LIMIT = 8;
/** A poll that takes longer than this is abandoned; the next one starts on schedule. */
const TIMEOUT_MS = 4_000;

/** Reads all four routes in parallel; never throws (each failure is reported in its own slot). */
export async function fetchBusinessData(w: Window): Promise<BusinessData> {
  const range = `from=${w.from}&to=${w.to}`;
  const [sales, funnel, topSkus, alerts] = await Promise.all([
    getJson<{ buckets: SalesBucket[] }>(`v1/analytics/sales?${range}&by=minute`, 'buckets'),
    getJson<{ buckets: FunnelBucket[]; totals: FunnelTotals }>(`v1/analytics/funnel?${range}&by=minute`, 'buckets'),
    getJson<{ items: TopSku[] }>(`v1/analytics/top-skus?${range}&limit=${TOP_SKU_LIMIT}`, 'items'),
    getJson<{ buckets: AlertsBucket[] }>(`v1/analytics/alerts?${range}&by=minute`, 'buckets'),
  ]);
  return { sales, funnel, topSkus, alerts };
}

/** GET a JSON body that must hold an array at `listField`; anything else is an error in words. */
async function getJson<T>(url: string, listField: string): Promise<Loaded<T>> {
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(), signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    return { ok: false, error: timedOut ? 'the instance did not answer in time' : 'the instance did not answer' };
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.status === 401 || res.status === 403) return { ok: false, error: 'needs an API token with the "read" scope' };
  if (!res.ok) return { ok: false, error: `HTTP ${res.status}${errorText(body) ? `: ${errorText(body)}` : ''}` };
  if (body === null || !Array.isArray(body[listField])) return { ok: false, error: 'unexpected answer from the analytics API' };
  return { ok: true, data: body as T };
}

function errorText(body: Record<string, unknown> | null): string | undefined {
  const error = body?.error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return undefined;
}
