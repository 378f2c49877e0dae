/// <reference lib="dom" />
/**
 * The API token, when the instance requires one (http/auth.ts). A browser cannot put headers on an
 * EventSource, so the page is opened as `/#access_token=<token>` (the fragment never reaches the
 * server or its logs); the token is kept for the tab, removed from the address bar, sent as a
 * bearer header on fetches and as `?access_token=` on the two streams, which is what the API accepts.
 */
const STORAGE_KEY = 'actorstream.access_token';
/** An admin token typed into the quarantine panel: kept apart, so reading needs no admin secret in the URL. */
const ADMIN_STORAGE_KEY = 'actorstream.admin_token';
let token: string | null | undefined;

export function accessToken(): string | null {
  if (token !== undefined) return token;
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get('access_token') ?? new URLSearchParams(location.search).get('access_token');
  if (fromUrl) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
    const url = new URL(location.href);
    url.hash = '';
    url.searchParams.delete('access_token');
    history.replaceState(null, '', url.pathname + url.search);
  }
  token = fromUrl ?? sessionStorage.getItem(STORAGE_KEY);
  return token;
}

/** Headers for a fetch to the API. */
export function authHeaders(): Record<string, string> {
  return bearer(accessToken());
}

/** Headers for an admin route: the admin token entered in the page, else the page's own token (it may have the scope). */
export function adminHeaders(): Record<string, string> {
  return bearer(adminToken() ?? accessToken());
}

export function adminToken(): string | null {
  return sessionStorage.getItem(ADMIN_STORAGE_KEY);
}

/** Keeps an admin token for the tab (`null` forgets it). */
export function setAdminToken(t: string | null): void {
  if (t) sessionStorage.setItem(ADMIN_STORAGE_KEY, t);
  else sessionStorage.removeItem(ADMIN_STORAGE_KEY);
}

/** A stream URL with the token as the query parameter the API accepts for SSE. */
export function withToken(url: string): string {
  const t = accessToken();
  return t ? `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(t)}` : url;
}

function bearer(t: string | null): Record<string, string> {
  return t ? { accept: 'application/json', authorization: `Bearer ${t}` } : { accept: 'application/json' };
}
