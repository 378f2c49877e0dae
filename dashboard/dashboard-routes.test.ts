import { describe, expect, test } from 'bun:test';
import { dashboardRoutes } from '../http/routes/dashboard.ts';
import { DASHBOARD_ASSETS, INDEX_HTML } from './assets.ts';
import type { DashboardSnapshot } from './snapshot.ts';

// The route module lives in http/routes/; its tests sit here because they test the dashboard's contract.

describe('dashboardRoutes: page and assets', () => {
  const app = dashboardRoutes({ snapshots: () => snapshotAt(0), jaegerUrl: 'http://jaeger:16686/' });

  test('GET / serves the embedded page, revalidated by ETag, under a same-origin CSP', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toBe(INDEX_HTML.body);
    const again = await app.request('/', { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  test('GET /assets/:name serves each asset; the hashed URL is immutable, the bare one revalidates', async () => {
    for (const [name, asset] of Object.entries(DASHBOARD_ASSETS)) {
      const versioned = await app.request(`/assets/${name}?v=${asset.hash}`);
      expect(versioned.status).toBe(200);
      expect(versioned.headers.get('content-type')).toBe(asset.contentType);
      expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await versioned.text()).toBe(asset.body);
      const bare = await app.request(`/assets/${name}`);
      expect(bare.headers.get('cache-control')).toBe('no-cache');
    }
  });

  test('unknown assets are 404, including names inherited from Object.prototype', async () => {
    for (const name of ['nope.js', 'constructor', '__proto__', 'toString']) {
      expect((await app.request(`/assets/${name}`)).status).toBe(404);
    }
  });

  test('GET /v1/dashboard/config gives the Jaeger base URL without a trailing slash', async () => {
    const res = await app.request('/v1/dashboard/config');
    expect(await res.json()).toEqual({ jaegerUrl: 'http://jaeger:16686', intervalMs: 1000 });
    const none = dashboardRoutes({ snapshots: () => snapshotAt(0) });
    expect(await (await none.request('/v1/dashboard/config')).json()).toEqual({ jaegerUrl: null, intervalMs: 1000 });
  });

  test('an interval below 50 ms is refused', () => {
    expect(() => dashboardRoutes({ snapshots: () => snapshotAt(0), intervalMs: 10 })).toThrow(RangeError);
  });
});

describe('dashboardRoutes: GET /v1/dashboard/stream', () => {
  test('sends a snapshot at once, then one per interval', async () => {
    let n = 0;
    // An interval far longer than the test may run: a first snapshot that waited for it never comes.
    const slow = dashboardRoutes({ snapshots: () => snapshotAt(n++), intervalMs: 600_000 });
    const controller = new AbortController();
    const res = await slow.request('/v1/dashboard/stream', { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = readEvents(res);
    const first = await events.next();
    expect(first.event).toBe('snapshot');
    expect(first.retry).toBe('2000');
    expect((JSON.parse(first.data) as DashboardSnapshot).at).toBe(0);
    controller.abort();
    await events.cancel();

    const fast = dashboardRoutes({ snapshots: () => snapshotAt(n++), intervalMs: 100 });
    const again = new AbortController();
    const stream = readEvents(await fast.request('/v1/dashboard/stream', { signal: again.signal }));
    const t0 = Date.now();
    await stream.next();
    const second = await stream.next();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90); // the next one waits for the interval
    expect((JSON.parse(second.data) as DashboardSnapshot).at).toBe(2);
    again.abort();
    await stream.cancel();
  });

  test('a failing provider yields an `error` event, is reported once, and the stream goes on', async () => {
    let n = 0;
    const reported: string[] = [];
    const app = dashboardRoutes({
      snapshots: async () => {
        n++;
        if (n === 2 || n === 3) throw new Error('postgres is down');
        return snapshotAt(n);
      },
      intervalMs: 50,
      onError: (message) => reported.push(message),
    });
    const controller = new AbortController();
    const events = readEvents(await app.request('/v1/dashboard/stream', { signal: controller.signal }));
    const kinds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const e = await events.next();
      kinds.push(e.event);
      if (e.event === 'error') expect(JSON.parse(e.data).message).toBe('postgres is down');
    }
    expect(kinds).toEqual(['snapshot', 'error', 'error', 'snapshot']);
    expect(reported).toEqual(['snapshot failed: postgres is down']);
    controller.abort();
    await events.cancel();
  });

  test('stops asking for snapshots once the client goes away', async () => {
    let calls = 0;
    const app = dashboardRoutes({ snapshots: () => snapshotAt(calls++), intervalMs: 50 });
    const controller = new AbortController();
    const events = readEvents(await app.request('/v1/dashboard/stream', { signal: controller.signal }));
    await events.next();
    await events.next();
    controller.abort();
    await events.cancel();
    await sleep(30);
    const after = calls;
    await sleep(200);
    expect(calls).toBe(after);
  });
});

function snapshotAt(at: number): DashboardSnapshot {
  return {
    at,
    instance: 'test',
    throughput: [],
    applied: [],
    latencyMs: { eventToState: { p50: null, p99: null }, eventToDurable: { p50: null, p99: null } },
    lag: [],
    checkpoints: { lastAt: null, lastDurationMs: null, okPerSec: 0, fenced: 0, errors: 0, rowsPerSec: 0 },
    ownership: [],
    inventory: { lowStock: [], outOfStock: [] },
    funnel: { placed: 0, reserved: 0, paid: 0, shipped: 0, delivered: 0, rejected: 0, expired: 0, cancelled: 0 },
    deadLetters: 0,
    quarantined: 0,
  };
}

interface SseEvent {
  event: string;
  data: string;
  retry?: string;
}

/** A minimal SSE reader: yields events as the stream delivers them. */
function readEvents(res: Response): { next(): Promise<SseEvent>; cancel(): Promise<void> } {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: SseEvent = { event: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            const [field, value] = colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
            if (field === 'event') e.event = value;
            else if (field === 'data') data.push(value);
            else if (field === 'retry') e.retry = value;
          }
          e.data = data.join('\n');
          return e;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
