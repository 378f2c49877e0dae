import { describe, expect, test } from 'bun:test';
import { Hono } from 'hono';
import { requireScope } from './auth.ts';
import { createRateLimits } from './rate-limit.ts';

const tokens = [
  { name: 'a', token: 'token-a-0123456789abcdef', scopes: ['ingest' as const] },
  { name: 'b', token: 'token-b-0123456789abcdef', scopes: ['ingest' as const] },
];
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

function app(cfg: Parameters<typeof createRateLimits>[0]) {
  const limits = createRateLimits(cfg);
  const a = new Hono();
  a.use('/v1/*', requireScope(tokens, 'ingest'));
  a.use('/v1/*', limits.requests);
  a.post('/v1/events', async (c) => (await limits.admitEvents(c, Number(c.req.query('n')))) ?? c.json({ ok: true }, 202));
  return a;
}

describe('rate limits', () => {
  test('requests per second per token: 429 with Retry-After over it; another token has its own budget', async () => {
    const a = app({ requestsPerSecond: 3 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await a.request('/v1/events?n=1', { method: 'POST', headers: auth(tokens[0]!.token) })).status);
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    const refused = await a.request('/v1/events?n=1', { method: 'POST', headers: auth(tokens[0]!.token) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await a.request('/v1/events?n=1', { method: 'POST', headers: auth(tokens[1]!.token) })).status).toBe(202);
  });

  test('events per second count the events of a batch; a batch over a whole second is 413', async () => {
    const a = app({ eventsPerSecond: 100 });
    const post = (n: number) => a.request(`/v1/events?n=${n}`, { method: 'POST', headers: auth(tokens[0]!.token) });
    expect((await post(60)).status).toBe(202);
    expect((await post(60)).status).toBe(429);
    expect((await post(40)).status).toBe(202);
    expect((await post(101)).status).toBe(413);
  });

  test('no budgets configured: nothing is limited', async () => {
    const a = app({});
    for (let i = 0; i < 50; i++) expect((await a.request('/v1/events?n=100000', { method: 'POST', headers: auth(tokens[0]!.token) })).status).toBe(202);
  });
});
