/// <reference lib="dom" />
import type { Alert, EntityType } from '../../schemas/alert.ts';
import type { DashboardConfig } from '../snapshot.ts';
import { authHeaders } from './auth.ts';

/**
 * The page's calls to the HTTP API. URLs are relative ("v1/…", not "/v1/…") so the dashboard also
 * works behind a reverse proxy that serves the instance under a path prefix.
 */

/** `GET /v1/<entity>s/:key`, as the contract defines it. */
export interface EntityView {
  type: string;
  key: string;
  state: unknown;
  stale: boolean;
  servedBy: string;
  updatedAt: number | string | null;
}

export type EntityLookup =
  | { kind: 'found'; entity: EntityView }
  | { kind: 'not_found'; message: string }
  | { kind: 'failed'; message: string };

export const ENTITY_TYPES: readonly EntityType[] = ['user', 'order', 'sku'];

const DEFAULT_CONFIG: DashboardConfig = { jaegerUrl: null, intervalMs: 1000 };

/** The page's config; `denied` is set when the instance wants a token this page does not have (401/403). */
export async function fetchConfig(): Promise<{ config: DashboardConfig; denied?: string }> {
  try {
    // Never let a slow config answer hold the page: without it there is just no trace link.
    const res = await fetch('v1/dashboard/config', { headers: authHeaders(), signal: AbortSignal.timeout(3000) });
    if (res.status === 401 || res.status === 403) {
      return { config: DEFAULT_CONFIG, denied: errorText(await res.json().catch(() => null)) ?? `HTTP ${res.status}` };
    }
    if (!res.ok) return { config: DEFAULT_CONFIG };
    return { config: { ...DEFAULT_CONFIG, ...((await res.json()) as Partial<DashboardConfig>) } };
  } catch {
    return { config: DEFAULT_CONFIG };
  }
}

/** The newest alerts, newest first; an empty list when the API cannot answer (the live stream still fills the feed). */
export async function fetchRecentAlerts(limit: number): Promise<Alert[]> {
  try {
    const res = await fetch(`v1/alerts?limit=${limit}`, { headers: authHeaders() });
    if (!res.ok) return [];
    const body = (await res.json()) as { alerts?: Alert[] };
    return Array.isArray(body.alerts) ? body.alerts : [];
  } catch {
    return [];
  }
}

/** Looks an entity up through the query API; never throws. */
export async function lookupEntity(type: EntityType, key: string): Promise<EntityLookup> {
  let res: Response;
  try {
    res = await fetch(`v1/${type}s/${encodeURIComponent(key)}`, { headers: authHeaders() });
  } catch (e) {
    return { kind: 'failed', message: `the instance did not answer (${(e as Error).message})` };
  }
  const body = (await res.json().catch(() => null)) as (EntityView & { error?: unknown }) | null;
  if (res.status === 404) {
    return { kind: 'not_found', message: errorText(body) ?? `no ${type} with key "${key}"` };
  }
  if (!res.ok || body === null || typeof body !== 'object' || !('state' in body)) {
    return { kind: 'failed', message: errorText(body) ?? `HTTP ${res.status} ${res.statusText}` };
  }
  return { kind: 'found', entity: body };
}

/** The `error` of an API answer, as text (a string, or an object with a message). */
export function errorText(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return undefined;
}

/** One recommended SKU, as `GET /v1/users/:id/recommendations` answers it. */
export interface RecommendedSku {
  sku: string;
  score: number;
  reason: string;
}

export type RecommendationsLookup = { kind: 'found'; items: RecommendedSku[]; stale: boolean } | { kind: 'failed'; message: string };

/** A user's recommendations (docs/recommendations.md); never throws. */
export async function fetchRecommendations(userId: string, limit = 10): Promise<RecommendationsLookup> {
  try {
    const res = await fetch(`v1/users/${encodeURIComponent(userId)}/recommendations?limit=${limit}`, { headers: authHeaders() });
    const body = (await res.json().catch(() => null)) as { items?: RecommendedSku[]; stale?: boolean } | null;
    if (!res.ok || !body || !Array.isArray(body.items)) return { kind: 'failed', message: errorText(body) ?? `HTTP ${res.status} ${res.statusText}` };
    return { kind: 'found', items: body.items, stale: body.stale === true };
  } catch (e) {
    return { kind: 'failed', message: `the instance did not answer (${(e as Error).message})` };
  }
}
