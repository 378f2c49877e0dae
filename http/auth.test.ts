import { describe, expect, test } from 'bun:test';
import { Hono } from 'hono';
import { requireScope, tokenNameOf } from './auth.ts';

const TOKEN = 'reader-token-0123456789';

function app() {
  const a = new Hono();
  a.use('/v1/*', requireScope([{ name: 'reader', token: TOKEN, scopes: ['read'] }], 'read'));
  a.get('/v1/*', (c) => c.json({ who: tokenNameOf(c) }));
  return a;
}

describe('bearer auth', () => {
  test('the query token is accepted on the exact SSE routes only', async () => {
    const a = app();
    expect((await a.request(`/v1/alerts/stream?access_token=${TOKEN}`)).status).toBe(200);
    expect((await a.request(`/v1/dashboard/stream?access_token=${TOKEN}`)).status).toBe(200);
    for (const path of ['/v1/users/stream', '/v1/orders/stream', '/v1/alerts/stream/x', '/v1/alerts']) {
      expect({ path, status: (await a.request(`${path}?access_token=${TOKEN}`)).status }).toEqual({ path, status: 401 });
    }
  });

  test('the matched token name is on the context (rate-limit key); anonymous without tokens', async () => {
    expect(await (await app().request('/v1/x', { headers: { authorization: `Bearer ${TOKEN}` } })).json()).toEqual({ who: 'reader' });
    const open = new Hono();
    open.use('/v1/*', requireScope([], 'read'));
    open.get('/v1/*', (c) => c.json({ who: tokenNameOf(c) }));
    expect(await (await open.request('/v1/x')).json()).toEqual({ who: 'anonymous' });
  });
});
