import { describe, expect, test } from 'bun:test';
import { Hono } from 'hono';
import { limitInFlight } from './in-flight-limit.ts';

describe('in-flight limit', () => {
  test('beyond the bound: 503 with Retry-After at once; exempt paths always served; slots come back', async () => {
    const limit = limitInFlight(2, new Set(['/healthz']));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const app = new Hono();
    app.use('*', limit);
    app.get('/slow', async (c) => {
      await gate;
      return c.text('done');
    });
    app.get('/healthz', (c) => c.text('ok'));
    const slow = [app.request('/slow'), app.request('/slow')];
    await new Promise((r) => setTimeout(r, 10));
    expect(limit.inFlight()).toBe(2);
    const refused = await app.request('/slow');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await app.request('/healthz')).status).toBe(200);
    release();
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    expect(limit.inFlight()).toBe(0);
    expect((await app.request('/slow')).status).toBe(200);
  });

  test('a handler that throws gives its slot back', async () => {
    const limit = limitInFlight(1);
    const app = new Hono();
    app.use('*', limit);
    app.get('/boom', () => {
      throw new Error('boom');
    });
    expect((await app.request('/boom')).status).toBe(500);
    expect(limit.inFlight()).toBe(0);
  });
});
