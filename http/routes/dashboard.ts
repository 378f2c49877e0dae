import { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { DASHBOARD_ASSETS, INDEX_HTML, type DashboardAsset } from '../../dashboard/assets.ts';
import type { DashboardConfig, DashboardSnapshot, DashboardStreamError } from '../../dashboard/snapshot.ts';

export interface DashboardRoutesOptions {
  /** Builds the current snapshot; called once per interval per connected page. */
  snapshots: () => Promise<DashboardSnapshot> | DashboardSnapshot;
  /** Milliseconds between snapshots on the stream; default 1000. */
  intervalMs?: number;
  /** Base URL of the Jaeger UI (e.g. `http://localhost:16686`); alerts with `details.traceId` link to it. */
  jaegerUrl?: string | null;
  /** Where snapshot-provider errors are reported; default `console.error`. Repeats of one message are throttled. */
  onError?: (message: string, error: unknown) => void;
}

const DEFAULT_INTERVAL_MS = 1000;
/** How soon a browser retries a dropped stream. */
const RETRY_MS = 2000;
/** A provider that keeps failing with the same message is reported at most this often. */
const ERROR_REPORT_EVERY_MS = 60_000;

/**
 * The live dashboard: the page at `/`, its embedded assets, its config and its snapshot stream.
 * Everything is served from dashboard/assets.ts (generated, embedded in the binary), never from disk.
 *
 * @example
 * app.route('/', dashboardRoutes({ snapshots: () => metrics.dashboardSnapshot(), jaegerUrl: env.JAEGER_UI_URL ?? null }));
 */
export function dashboardRoutes(opts: DashboardRoutesOptions): Hono {
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!Number.isFinite(intervalMs) || intervalMs < 50) throw new RangeError(`dashboard intervalMs must be ≥ 50, got ${intervalMs}`);
  const config: DashboardConfig = { jaegerUrl: normalizeUrl(opts.jaegerUrl), intervalMs };
  const report = throttledReporter(opts.onError ?? ((message, error) => console.error(`[dashboard] ${message}`, error)));
  const app = new Hono();

  app.get('/', (c) => serveIndex(c.req.header('if-none-match')));

  app.get('/assets/:name', (c) => {
    const asset = DASHBOARD_ASSETS[c.req.param('name')];
    if (!asset || !Object.hasOwn(DASHBOARD_ASSETS, c.req.param('name'))) return c.json({ error: 'no such dashboard asset' }, 404);
    // Versioned URLs (what index.html uses) never change content: cache them for good. Anything else revalidates.
    const immutable = c.req.query('v') === asset.hash;
    return serveAsset(asset, immutable ? 'public, max-age=31536000, immutable' : 'no-cache', c.req.header('if-none-match'));
  });

  app.get('/v1/dashboard/config', (c) => c.json(config, 200, { 'cache-control': 'no-store' }));

  app.get('/v1/dashboard/stream', (c) => {
    // nginx and similar proxies buffer responses by default, which would hold snapshots back.
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      const stop = abortSignalOf(stream, c.req.raw.signal);
      let first = true;
      while (!stop.aborted) {
        const started = Date.now();
        await writeSnapshot(stream, opts.snapshots, report, first ? RETRY_MS : undefined);
        first = false;
        await sleep(Math.max(0, intervalMs - (Date.now() - started)), stop);
      }
    });
  });

  return app;
}

async function writeSnapshot(
  stream: SSEStreamingApi,
  snapshots: DashboardRoutesOptions['snapshots'],
  report: (message: string, error: unknown) => void,
  retry: number | undefined,
): Promise<void> {
  let data: string;
  let event: 'snapshot' | 'error' = 'snapshot';
  try {
    data = JSON.stringify(await snapshots());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report(`snapshot failed: ${message}`, error);
    const body: DashboardStreamError = { message, at: Date.now() };
    data = JSON.stringify(body);
    event = 'error';
  }
  await stream.writeSSE(retry === undefined ? { event, data } : { event, data, retry });
}

function serveIndex(ifNoneMatch: string | undefined): Response {
  const res = serveAsset(INDEX_HTML, 'no-cache', ifNoneMatch);
  // Everything the page loads is its own: scripts and styles from /assets, data from /v1. Styles set
  // through CSSOM (uPlot, the panels) are allowed; style attributes in markup are not needed.
  res.headers.set(
    'content-security-policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  );
  res.headers.set('referrer-policy', 'no-referrer');
  return res;
}

function serveAsset(asset: DashboardAsset, cacheControl: string, ifNoneMatch: string | undefined): Response {
  const etag = `"${asset.hash}"`;
  const headers = { etag, 'cache-control': cacheControl, 'x-content-type-options': 'nosniff' };
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(asset.body, { status: 200, headers: { ...headers, 'content-type': asset.contentType } });
}

/** Aborted when the client goes away, by whichever notice comes first (stream cancel or request signal). */
function abortSignalOf(stream: SSEStreamingApi, request: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  stream.onAbort(abort);
  if (request.aborted) abort();
  else request.addEventListener('abort', abort, { once: true });
  return controller.signal;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function throttledReporter(report: (message: string, error: unknown) => void): (message: string, error: unknown) => void {
  let last = '';
  let lastAt = 0;
  return (message, error) => {
    const now = Date.now();
    if (message === last && now - lastAt < ERROR_REPORT_EVERY_MS) return;
    last = message;
    lastAt = now;
    report(message, error);
  };
}

function normalizeUrl(url: string | null | undefined): string | null {
  const trimmed = url?.trim().replace(/\/+$/, '');
  return trimmed ? trimmed : null;
}
