import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { SSE_PATHS } from './limits.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /** The name of the bearer token that authorized the request (rate-limit key, logs). */
    apiTokenName: string;
  }
}

/** What a bearer token may do. `admin` implies the others. */
export type Scope = 'ingest' | 'read' | 'admin';

export interface ApiToken {
  /** A name for logs and metrics (never the secret). */
  name: string;
  token: string;
  scopes: Scope[];
}

/**
 * Bearer-token authorization. With no tokens configured every route is open (local use, the
 * embedded default); with tokens, a missing or unknown token is 401 and a token without the
 * route's scope is 403. Tokens are compared as SHA-256 digests with `timingSafeEqual`, so neither
 * the length nor a matching prefix of a secret leaks through response timing. Browsers cannot set
 * headers on an EventSource, so the SSE routes (exactly SSE_PATHS) also accept `?access_token=`.
 */
export function requireScope(tokens: readonly ApiToken[], scope: Scope): MiddlewareHandler {
  const known = tokens.map((t) => ({ name: t.name, digest: digest(t.token), scopes: new Set<Scope>(t.scopes) }));
  return async (c, next) => {
    if (known.length === 0) return next();
    const header = c.req.header('authorization');
    // The query form only where a browser cannot send a header (EventSource), so tokens stay out
    // of the URLs (and logs) of every other route.
    const presented = header?.match(/^Bearer\s+(.+)$/i)?.[1] ?? (SSE_PATHS.has(c.req.path) ? c.req.query('access_token') : undefined);
    if (!presented) return c.json({ error: 'missing bearer token' }, 401, { 'www-authenticate': 'Bearer' });
    const d = digest(presented);
    let match: (typeof known)[number] | undefined;
    // Compare against every token (no early exit), so timing does not reveal which one matched.
    for (const k of known) if (timingSafeEqual(k.digest, d)) match = k;
    if (!match) return c.json({ error: 'invalid bearer token' }, 401, { 'www-authenticate': 'Bearer error="invalid_token"' });
    if (!match.scopes.has(scope) && !match.scopes.has('admin')) {
      return c.json({ error: `this token lacks the '${scope}' scope` }, 403);
    }
    c.set('apiTokenName', match.name);
    return next();
  };
}

/** Who is asking, for per-token budgets: the token's name, or 'anonymous' when no tokens are configured. */
export function tokenNameOf(c: Context): string {
  return c.get('apiTokenName') ?? 'anonymous';
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
