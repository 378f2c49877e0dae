import { describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { requireScope } from '../http/auth.ts';
import { dashboardRoutes } from '../http/routes/dashboard.ts';
import type { Alert } from '../schemas/alert.ts';
import { launchDashboardBrowser, runDashboardChecks } from './browser-checks.ts';
import type { DashboardSnapshot } from './snapshot.ts';

/**
 * The page in a real browser against a fixture API that speaks the contract (ARCHITECTURE.md
 * "HTTP API"): the same checks the integration test runs against a live pipeline. Skipped when no
 * Chromium is installed (`apt-get install chromium`, or set CHROMIUM_PATH).
 */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('dashboard in a browser', () => {
  test.skipIf(!existsSync(chromium))('shows rising counters, a live alert with its entity, lookups and 404s', async () => {
    const fixture = startFixture();
    const { browser, page } = await launchDashboardBrowser(chromium);
    try {
      const report = await runDashboardChecks(page, fixture.url, {
        rising: ['funnel-placed'],
        atLeast: { 'kpi-events-per-sec': 100 },
        // Raised after the page opened: it can only arrive through the live stream.
        alert: { id: LIVE_ALERT.id, traceLink: true },
        lookups: [{ type: 'sku', key: 'SKU-1', fields: { onHand: 5, reserved: 2 } }],
        missing: { type: 'order', key: 'o-unknown' },
        timeoutMs: 10_000,
      });
      expect(report.instance).toBe('fixture-0');
      expect(report.counters['funnel-placed']!.last).toBeGreaterThan(report.counters['funnel-placed']!.first);
      expect(report.alertId).toBe(LIVE_ALERT.id);
      expect(report.lookups[0]!.state).toEqual({ onHand: 5, reserved: 2, reorderPoint: 3, lowStock: false });
    } finally {
      await browser.close();
      fixture.stop();
    }
  }, 60_000);

  test.skipIf(!existsSync(chromium))('works on an instance that requires a token, and says so when it has none', async () => {
    const fixture = startFixture({ token: 'let-me-read' });
    const { browser, page } = await launchDashboardBrowser(chromium);
    try {
      await runDashboardChecks(page, fixture.url, { accessToken: 'let-me-read', alert: { id: LIVE_ALERT.id }, missing: { type: 'order', key: 'o-unknown' }, timeoutMs: 10_000 });
      // The token stays out of the address bar (and so out of bookmarks and screen shares).
      expect(page.url()).not.toContain('let-me-read');
      const bare = await browser.newPage();
      await bare.goto(`${fixture.url}/`);
      await bare.locator('[data-testid="auth-banner"]').waitFor({ timeout: 10_000 });
      expect(await bare.locator('[data-testid="auth-banner"]').textContent()).toContain('access_token');
    } finally {
      await browser.close();
      fixture.stop();
    }
  }, 60_000);
});

const OLD_ALERT: Alert = {
  id: 'sku/SKU-1/low_stock/e1',
  type: 'low_stock',
  entityType: 'sku',
  entityKey: 'SKU-1',
  severity: 'warning',
  ts: Date.now() - 60_000,
  detectedAt: Date.now() - 60_000,
  reasons: ['e1'],
  details: { summary: 'available stock 2 fell below the reorder point 3', available: 2, reorderPoint: 3 },
};

const LIVE_ALERT: Alert = {
  id: 'user/u-7/card_testing/e9',
  type: 'card_testing',
  entityType: 'user',
  entityKey: 'u-7',
  severity: 'critical',
  ts: Date.now(),
  detectedAt: Date.now(),
  reasons: ['e7', 'e8', 'e9'],
  details: { summary: '3 declines with 3 different cards in 2 minutes', traceId: '0af7651916cd43dd8448eb211c80319c' },
};

function startFixture(opts: { token?: string } = {}): { url: string; stop(): void } {
  const started = Date.now();
  let placed = 0;
  const snapshot = (): DashboardSnapshot => {
    placed += 7;
    return {
      at: Date.now(),
      instance: 'fixture-0',
      throughput: [{ topic: 'user_events', eventsPerSec: 420 }],
      applied: [{ actor: 'user', perSec: 400 }],
      latencyMs: { eventToState: { p50: 2, p99: 9 }, eventToDurable: { p50: 120, p99: 400 } },
      lag: [{ topic: 'user_events', partition: 0, lag: 12 }],
      checkpoints: { lastAt: Date.now() - 200, lastDurationMs: 30, okPerSec: 5, fenced: 0, errors: 0, rowsPerSec: 800 },
      ownership: [{ shard: 'user/0', owner: 'fixture-0', httpAddress: null, epoch: 1, acquiredAt: started }],
      inventory: { lowStock: [{ sku: 'SKU-1', available: 2, reorderPoint: 3 }], outOfStock: [] },
      funnel: { placed, reserved: placed, paid: placed, shipped: 0, delivered: 0, rejected: 0, expired: 0, cancelled: 0 },
      deadLetters: 0,
      quarantined: 0,
    };
  };
  const app = new Hono();
  if (opts.token) app.use('/v1/*', requireScope([{ name: 'test', token: opts.token, scopes: ['read'] }], 'read'));
  app.get('/v1/alerts', (c) => c.json({ alerts: [OLD_ALERT], next: null }));
  app.get('/v1/alerts/stream', (c) =>
    streamSSE(c, async (stream) => {
      await stream.write(': connected\n\n');
      await stream.sleep(1500);
      await stream.writeSSE({ event: 'alert', id: '2', data: JSON.stringify(LIVE_ALERT) });
      while (!stream.aborted) await stream.sleep(200);
    }),
  );
  app.get('/v1/skus/:id', (c) =>
    c.req.param('id') === 'SKU-1'
      ? c.json({ type: 'sku', key: 'SKU-1', state: { onHand: 5, reserved: 2, reorderPoint: 3, lowStock: false }, stale: false, servedBy: 'fixture-0', updatedAt: Date.now() })
      : c.json({ error: 'unknown sku' }, 404),
  );
  app.get('/v1/users/:id', (c) => c.json({ type: 'user', key: c.req.param('id'), state: {}, stale: true, servedBy: 'fixture-0', updatedAt: null }));
  app.get('/v1/orders/:id', (c) => c.json({ error: `unknown order ${c.req.param('id')}` }, 404));
  app.route('/', dashboardRoutes({ snapshots: snapshot, intervalMs: 250, jaegerUrl: 'http://jaeger.test:16686' }));

  // Bun.serve through globalThis so this file also type-checks under Deno (deno check dashboard/).
  const bun = (globalThis as { Bun?: BunServe }).Bun;
  if (!bun) throw new Error('the browser test serves its fixture with Bun.serve');
  const server = bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch, idleTimeout: 30 });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

interface BunServe {
  serve(opts: { port: number; hostname: string; idleTimeout: number; fetch: (req: Request) => Response | Promise<Response> }): {
    port: number;
    stop(closeActive?: boolean): void;
  };
}
