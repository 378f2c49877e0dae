import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { tokenNameOf } from './auth.ts';

/**
 * Optional per-token budgets: requests per second on every /v1 route, and events per second on
 * POST /v1/events (a 10 000-event batch costs 10 000, not 1). Over budget → 429 with Retry-After.
 * Keyed by the bearer token's name; with no tokens configured every caller shares the budget of
 * 'anonymous' (this layer never trusts X-Forwarded-For). In memory, per instance: N instances
 * behind a load balancer allow up to N times the budget.
 *
 * rate-limiter-flexible (RateLimiterMemory) rather than hono-rate-limiter: it consumes any number
 * of points per call (events per batch), reports the wait before the next point, and is the more
 * widely used and maintained of the two.
 */
export interface RateLimits {
  /** Middleware: one request from the caller's budget (no-op without a requests budget). */
  requests: MiddlewareHandler;
  /** `n` events from the caller's budget: undefined when admitted, else the 429/413 answer. */
  admitEvents(c: Context, n: number): Promise<Response | undefined>;
}

export function createRateLimits(cfg: { requestsPerSecond?: number; eventsPerSecond?: number } = {}): RateLimits {
  const requests = cfg.requestsPerSecond ? new RateLimiterMemory({ points: cfg.requestsPerSecond, duration: 1 }) : undefined;
  const events = cfg.eventsPerSecond ? new RateLimiterMemory({ points: cfg.eventsPerSecond, duration: 1 }) : undefined;
  return {
    requests: async (c, next) => {
      if (!requests) return next();
      const refused = await consume(requests, tokenNameOf(c), 1);
      if (refused !== undefined) return tooMany(c, `over ${cfg.requestsPerSecond} requests/s for this token`, refused);
      return next();
    },
    async admitEvents(c, n) {
      if (!events || n === 0) return undefined;
      // A batch larger than a whole second's budget would be refused forever: say so, do not say retry.
      if (n > cfg.eventsPerSecond!) {
        return c.json({ error: `${n} events exceed the budget of ${cfg.eventsPerSecond} events/s for this token; send smaller batches`, code: 'BATCH_OVER_RATE_LIMIT' }, 413);
      }
      const refused = await consume(events, tokenNameOf(c), n);
      return refused === undefined ? undefined : tooMany(c, `over ${cfg.eventsPerSecond} events/s for this token`, refused);
    },
  };
}

/**
 * Milliseconds until the budget allows it, or undefined when consumed. A refused consume still
 * counts in rate-limiter-flexible; the points are given back, so a refused batch of 60 events
 * does not also eat the budget of the 40 that would still fit.
 */
async function consume(limiter: RateLimiterMemory, key: string, points: number): Promise<number | undefined> {
  try {
    await limiter.consume(key, points);
    return undefined;
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    await limiter.reward(key, points);
    return e.msBeforeNext;
  }
}

function tooMany(c: Context, why: string, waitMs: number): Response {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return c.json({ error: `rate limit: ${why}; retry after ${seconds} s`, code: 'RATE_LIMITED' }, 429, { 'retry-after': String(seconds) });
}
