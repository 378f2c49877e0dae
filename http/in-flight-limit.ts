import type { MiddlewareHandler } from 'hono';

/**
 * A global bound on requests being handled at once. Past it the answer is an immediate 503 with
 * Retry-After, which costs nothing, instead of one more body buffered and one more batch
 * validated: memory stays bounded whatever the number of clients. A streaming response (SSE)
 * counts only until its headers are sent. Paths in `exempt` (probes, metrics scrapes) are never
 * refused, so an overloaded instance is not also restarted by its liveness probe.
 */
export function limitInFlight(max: number, exempt: ReadonlySet<string> = new Set()): MiddlewareHandler & { inFlight(): number } {
  let n = 0;
  const middleware: MiddlewareHandler = async (c, next) => {
    if (exempt.has(c.req.path)) return next();
    if (n >= max) return c.json({ error: `server busy: ${max} requests in flight; retry shortly`, code: 'BUSY' }, 503, { 'retry-after': '1' });
    n++;
    try {
      await next();
    } finally {
      n--;
    }
  };
  return Object.assign(middleware, { inFlight: () => n });
}
