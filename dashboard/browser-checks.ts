/**
 * Browser checks of the live dashboard against a running instance, for integration tests: the
 * caller starts the app (real pipeline or fixture), opens a Playwright page and calls
 * `runDashboardChecks`. Framework-neutral: a failed check throws an Error naming what was missing.
 * The page is read only through its `data-testid` attributes (dashboard/src/index.html).
 *
 * @example
 * const { browser, page } = await launchDashboardBrowser();
 * try {
 *   await runDashboardChecks(page, 'http://127.0.0.1:8080', {
 *     alert: { type: 'card_testing' },
 *     lookups: [{ type: 'sku', key: 'SKU-00042', fields: { reorderPoint: 20 } }],
 *   });
 * } finally {
 *   await browser.close();
 * }
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AlertType, EntityType } from '../schemas/alert.ts';

/** Numbers the page shows with a `data-value`, by the `data-testid` of their element. */
export type DashboardCounter =
  | 'funnel-placed'
  | 'funnel-reserved'
  | 'funnel-paid'
  | 'funnel-shipped'
  | 'funnel-delivered'
  | 'kpi-events-per-sec'
  | 'kpi-applied-per-sec'
  | 'kpi-dead-letters';

export interface DashboardExpectations {
  /** Counters that must rise while the page watches (snapshots received always must); default `['funnel-placed']`. */
  rising?: DashboardCounter[];
  /** Values counters must reach, e.g. `{ 'funnel-placed': 100 }`. */
  atLeast?: Partial<Record<DashboardCounter, number>>;
  /**
   * An alert that must appear in the feed (any field given must match); it is clicked and its
   * details, its why (causes read back from the log) and entity state checked. `false` skips; default: any alert.
   */
  alert?: { id?: string; type?: AlertType; entityKey?: string; traceLink?: boolean } | false;
  /** Entities looked up through the lookup box; each must be found and its state hold `fields` (top-level, deep-equal). */
  lookups?: { type: EntityType; key: string; fields: Record<string, unknown> }[];
  /** A key that must answer 404 ("not found" view); default a random user key; `false` skips. */
  missing?: { type: EntityType; key: string } | false;
  /** Bearer token with the `read` scope when the instance requires one; the page is opened as `/#access_token=…`. */
  accessToken?: string;
  /** Per step; default 20 s. */
  timeoutMs?: number;
  /** Where the overview screenshot goes; default `.artifacts/dashboard.png` (the alert view goes beside it, `-alert.png`). */
  screenshotPath?: string;
}

export interface DashboardCheckReport {
  instance: string;
  snapshots: number;
  counters: Record<string, { first: number; last: number }>;
  alertId: string | null;
  /** The ids of the causes the alert's why showed, in order. */
  alertCauses: string[];
  lookups: { type: EntityType; key: string; state: unknown }[];
  screenshots: string[];
}

const VIEWPORT = { width: 1280, height: 800 };

/** Headless Chromium with the flags this project's tests use; `/usr/bin/chromium` unless `CHROMIUM_PATH` says otherwise. */
export async function launchDashboardBrowser(executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'): Promise<{ browser: Browser; page: Page }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: VIEWPORT });
  return { browser, page };
}

/** Runs every check in order; throws on the first failure, with the page's own errors appended. */
export async function runDashboardChecks(page: Page, baseUrl: string, expectations: DashboardExpectations = {}): Promise<DashboardCheckReport> {
  const timeout = expectations.timeoutMs ?? 20_000;
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const fail = (message: string): never => {
    throw new Error(`dashboard check failed: ${message}${pageErrors.length ? `\npage errors:\n  ${pageErrors.join('\n  ')}` : ''}`);
  };
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      return fail(`${what}: ${(e as Error).message.split('\n')[0]}`);
    }
  };
  const byId = (id: string) => page.locator(`[data-testid="${id}"]`);
  const numberOf = async (id: string) => Number((await byId(id).first().getAttribute('data-value')) ?? NaN);
  const report: DashboardCheckReport = { instance: '', snapshots: 0, counters: {}, alertId: null, alertCauses: [], lookups: [], screenshots: [] };
  const screenshotPath = expectations.screenshotPath ?? '.artifacts/dashboard.png';

  await page.setViewportSize(VIEWPORT);
  const pageUrl = new URL('/', baseUrl);
  if (expectations.accessToken) pageUrl.hash = `access_token=${encodeURIComponent(expectations.accessToken)}`;
  const response = await step('open the page', () => page.goto(pageUrl.href, { waitUntil: 'load', timeout }));
  if (!response?.ok()) fail(`GET / answered ${response?.status()}`);
  if (!(response?.headers()['content-type'] ?? '').includes('text/html')) fail(`GET / is not HTML (${response?.headers()['content-type']})`);

  await step('connection status becomes live', () => byId('connection-status').and(page.locator('[data-state="open"], [data-state="degraded"]')).waitFor({ timeout }));
  report.instance = (await byId('instance').textContent())?.trim() ?? '';

  // Counters: read once, then wait until each has risen (and reached its minimum).
  const rising = expectations.rising ?? ['funnel-placed'];
  const watched = [...new Set<DashboardCounter>([...rising, ...(Object.keys(expectations.atLeast ?? {}) as DashboardCounter[])])];
  const firstSnapshots = Number(await byId('last-update').getAttribute('data-count'));
  for (const id of watched) report.counters[id] = { first: await numberOf(id), last: NaN };
  await step(`snapshots keep arriving and ${rising.join(', ') || 'no counter'} rise`, () =>
    page.waitForFunction(
      ({ firstSnapshots, rising, atLeast, first }) => {
        const value = (id: string) => Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-value') ?? NaN);
        const snapshots = Number(document.querySelector('[data-testid="last-update"]')?.getAttribute('data-count') ?? 0);
        if (snapshots < firstSnapshots + 2) return false;
        for (const id of rising) if (!(value(id) > (Number.isNaN(first[id]!) ? -Infinity : first[id]!))) return false;
        for (const [id, min] of Object.entries(atLeast)) if (!(value(id) >= (min as number))) return false;
        return true;
      },
      { firstSnapshots, rising, atLeast: expectations.atLeast ?? {}, first: Object.fromEntries(watched.map((id) => [id, report.counters[id]!.first])) },
      { timeout, polling: 250 },
    ),
  );
  report.snapshots = Number(await byId('last-update').getAttribute('data-count'));
  for (const id of watched) report.counters[id]!.last = await numberOf(id);

  await page.screenshot({ path: prepare(screenshotPath) });
  report.screenshots.push(screenshotPath);

  if (expectations.alert !== false) {
    const want = expectations.alert ?? {};
    const selector = ['[data-testid="alert-item"]', want.id && `[data-alert-id="${cssString(want.id)}"]`, want.type && `[data-alert-type="${want.type}"]`, want.entityKey && `[data-entity-key="${cssString(want.entityKey)}"]`]
      .filter(Boolean)
      .join('');
    // The feed may be filtered to another kind; "All" shows every alert.
    await page.locator('[data-testid="alert-filters"] button[data-filter="all"]').click();
    const item = page.locator(selector).first();
    await step(`an alert ${JSON.stringify(want)} appears in the feed`, () => item.waitFor({ timeout }));
    report.alertId = await item.getAttribute('data-alert-id');
    await item.click();
    const detail = page.locator(`[data-testid="alert-detail"][data-alert-id="${cssString(report.alertId ?? '')}"]`);
    await step('clicking the alert opens its details', () => detail.waitFor({ timeout }));
    if (!((await byId('alert-summary').textContent()) ?? '').trim()) fail('the alert detail shows no summary');
    // The why reads the reasons back from the log: it must settle on causes (or say which reasons it could not find).
    const why = page.locator(`[data-testid="alert-why"][data-alert-id="${cssString(report.alertId ?? '')}"]:not([data-status="loading"])`);
    await step("the alert's why loads from GET /v1/alerts/:id", () => why.waitFor({ timeout }));
    const whyStatus = await why.getAttribute('data-status');
    if (whyStatus !== 'ok') fail(`the alert's why shows "${whyStatus}": ${(await why.textContent())?.trim()}`);
    report.alertCauses = await why.locator('[data-testid="alert-cause"]').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.causeId ?? ''));
    if (report.alertCauses.length + (await why.locator('[data-testid="unresolved-reason"]').count()) < 1) fail('the alert names no reason event');
    if (want.traceLink !== undefined) {
      const links = await byId('trace-link').count();
      if (want.traceLink && links === 0) fail('the alert has no trace link (is jaegerUrl configured and details.traceId set?)');
      if (!want.traceLink && links > 0) fail('the alert shows a trace link although none was expected');
      if (want.traceLink && !((await byId('trace-link').getAttribute('href')) ?? '').includes('/trace/')) fail('the trace link does not point at /trace/<id>');
    }
    await step("the alert's entity state loads through the query API", () =>
      page.locator('[data-testid="inspector"] [data-testid="entity-result"]:not([data-status="loading"])').waitFor({ timeout }),
    );
    const alertShot = screenshotPath.replace(/(\.png)?$/, '-alert.png');
    await page.screenshot({ path: prepare(alertShot) });
    report.screenshots.push(alertShot);
    await byId('inspector-close').click();
  }

  for (const lookup of expectations.lookups ?? []) {
    const result = await lookUp(page, lookup.type, lookup.key, timeout, step);
    if (result.status !== 'found') fail(`looking up ${lookup.type} "${lookup.key}" showed "${result.status}", expected its state`);
    for (const [field, expected] of Object.entries(lookup.fields)) {
      const actual = (result.state as Record<string, unknown> | null)?.[field];
      if (!deepEqual(actual, expected)) fail(`${lookup.type} "${lookup.key}": state.${field} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
    report.lookups.push({ type: lookup.type, key: lookup.key, state: result.state });
  }

  const missing = expectations.missing ?? { type: 'user' as const, key: `no-such-user-${Math.random().toString(36).slice(2, 10)}` };
  if (missing !== false) {
    const result = await lookUp(page, missing.type, missing.key, timeout, step);
    if (result.status !== 'not_found') fail(`looking up the unknown ${missing.type} "${missing.key}" showed "${result.status}", expected the not-found view`);
  }
  if (await byId('inspector').isVisible()) await byId('inspector-close').click();

  if (pageErrors.length) fail('the page raised errors');
  return report;
}

async function lookUp(
  page: Page,
  type: EntityType,
  key: string,
  timeout: number,
  step: <T>(what: string, fn: () => Promise<T>) => Promise<T>,
): Promise<{ status: string; state: unknown }> {
  await page.locator('[data-testid="lookup-type"]').selectOption(type);
  await page.locator('[data-testid="lookup-key"]').fill(key);
  await page.locator('[data-testid="lookup-submit"]').click();
  const result = page.locator(`[data-testid="entity-result"][data-entity-type="${type}"][data-entity-key="${cssString(key)}"]:not([data-status="loading"])`);
  await step(`lookup of ${type} "${key}" answers`, () => result.waitFor({ timeout }));
  const status = (await result.getAttribute('data-status')) ?? '';
  const text = status === 'found' ? await result.locator('[data-testid="entity-state"]').textContent() : null;
  return { status, state: text === null ? undefined : JSON.parse(text) };
}

function prepare(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

function cssString(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}
