import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { readBusinessRow, waitForRow, type BusinessRowView } from '../dashboard/business-checks.ts';
import { launchDashboardBrowser, runDashboardChecks } from '../dashboard/browser-checks.ts';
import { eventually, spawnInstance, type InstanceProcess } from './support/instance-process.ts';

/**
 * The dashboard in real headless Chromium against a real instance (`actorstream run`, embedded
 * default, generator running): counters rise, an account-takeover pattern injected over the API
 * appears in the alert feed and opens with its entity, the lookup box shows the right state, and
 * screenshots land in .artifacts/. The business row is checked against a second, quiet instance
 * (no generator) fed a scripted half hour, so every number it shows is known from the events sent.
 * npm test installs Chromium where apt can; without it the tests are skipped and say why.
 */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromium);
if (!hasChromium) console.warn(`dashboard browser test skipped: no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`);

describe('dashboard in Chromium', () => {
  let instance: InstanceProcess;
  beforeAll(async () => {
    if (!hasChromium) return;
    // Empty KAFKA_BROKERS / DATABASE_URL: the embedded default, whatever the test run's environment.
    instance = await spawnInstance({ KAFKA_BROKERS: '', DATABASE_URL: '', PIPELINE_CONFIG: '', GENERATOR_RATE: '800', OWNER_ID: 'dash-1' });
  }, 90_000);
  afterAll(() => instance?.kill('SIGTERM'));

  test.skipIf(!hasChromium)('counters rise, an injected fraud pattern appears in the feed, lookups show the right state', async () => {
    const user = `u-takeover-${Date.now()}`;
    const t = Date.now();
    // account_takeover (docs/domain-rules.md): ≥ 3 failed logins, then a login from a new country
    // and device, then an email change within 30 min.
    const pattern = [
      { id: `${user}-l0`, type: 'login_succeeded', v: 1, ts: t, data: { userId: user, country: 'DE', ip: '10.0.0.1', deviceId: 'd-home' } },
      ...[1, 2, 3].map((i) => ({ id: `${user}-f${i}`, type: 'login_failed', v: 1, ts: t + i * 1000, data: { userId: user, country: 'BR', ip: '10.9.9.9' } })),
      { id: `${user}-l1`, type: 'login_succeeded', v: 1, ts: t + 5000, data: { userId: user, country: 'BR', ip: '10.9.9.9', deviceId: 'd-new' } },
      { id: `${user}-u1`, type: 'account_updated', v: 1, ts: t + 6000, data: { userId: user, field: 'email' } },
    ];
    const res = await fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pattern) });
    expect(res.status).toBe(202);

    const { browser, page } = await launchDashboardBrowser(chromium);
    try {
      const report = await runDashboardChecks(page, instance.url, {
        rising: ['funnel-placed'],
        alert: { type: 'account_takeover', entityKey: user },
        lookups: [{ type: 'user', key: user, fields: { loginCountry: 'BR' } }],
        timeoutMs: 45_000,
      });
      expect(report.alertId).toBe(`user/${user}/account_takeover/${user}-u1`);
      expect(report.snapshots).toBeGreaterThan(1);
      expect(report.screenshots.length).toBeGreaterThan(0);
      console.log(`dashboard screenshots: ${report.screenshots.join(', ')}`);
      // The business row reads the same pipeline's aggregates: the generator's shoppers browse at once.
      const row = await waitForRow(page, (r) => r.states.conversion === 'ok' && r.funnel['page views']! > 0, 'page views in the business row', 30_000);
      expect(row.states['top-skus']).not.toBe('error');
    } finally {
      await browser.close();
    }
  }, 180_000);
});

describe('dashboard business row in Chromium', () => {
  let quiet: InstanceProcess;
  beforeAll(async () => {
    if (!hasChromium) return;
    quiet = await spawnInstance({ KAFKA_BROKERS: '', DATABASE_URL: '', PIPELINE_CONFIG: '', GENERATOR_RATE: '0', OWNER_ID: 'biz-1' });
  }, 90_000);
  afterAll(() => quiet?.kill('SIGTERM'));

  test.skipIf(!hasChromium)('shows no data, then exactly what the analytics API answers for seeded events, then errors without losing the layout', async () => {
    const { browser, page } = await launchDashboardBrowser(chromium);
    try {
      await page.goto(`${quiet.url}/`);
      const empty = await waitForRow(page, (r) => Object.values(r.states).every((s) => s === 'empty'), 'every panel says it has no data');
      expect(empty.messages.revenue).toContain('No data yet');
      expect(empty.messages.conversion).toContain('No data yet');

      const seed = businessSeed(Date.now());
      await seedEvents(quiet.url, seed);
      const expected = expectedSummary(seed);
      // The API first, from the contract; then the page, from the API.
      const api = await eventually(async () => {
        const a = await apiSummary(quiet.url);
        return Bun.deepEquals(a.summary, expected) ? a : undefined;
      }, 60_000, `the analytics API to count the seeded events as ${JSON.stringify(expected)}`);
      const row = await waitForRow(page, (r) => Bun.deepEquals(pageSummary(r), api.summary), 'the row shows what the API answers', 30_000);

      expect(row.states).toEqual({ revenue: 'ok', orders: 'ok', conversion: 'ok', 'top-skus': 'ok', fraud: 'ok' });
      expect(row.rates).toEqual(api.rates);
      expect(row.rates.cartRate).toBeCloseTo(expected.funnel.carts / expected.funnel.pageViews, 9);
      // Money in major units with its currency; the chart follows the currency with the most paid orders.
      const main = mainCurrency(seed);
      expect(row.headline).toEqual({ currency: main, minor: expected.revenue[main]!, text: money(expected.revenue[main]!, main) });
      for (const item of row.topSkus) expect(item.revenueText).toBe(skuRevenueText(seed, item.sku));
      // Another currency's chip charts that currency instead; amounts are never added across currencies.
      const other = Object.keys(expected.revenue).find((c) => c !== main)!;
      await page.locator(`[data-testid="revenue-currency"][data-currency="${other}"]`).click();
      expect((await readBusinessRow(page)).headline).toEqual({ currency: other, minor: expected.revenue[other]!, text: money(expected.revenue[other]!, other) });
      await page.locator(`[data-testid="revenue-currency"][data-currency="${main}"]`).click();
      // From the top: clicking the chips scrolled the page, and the sticky top bar would land mid-picture.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: '/tmp/dashboard-business.png', fullPage: true });

      // A failing API: every panel says so and keeps its last answer, dimmed, in place.
      await page.route('**/v1/analytics/**', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"analytics database unavailable"}' }));
      const failed = await waitForRow(page, (r) => Object.values(r.states).every((s) => s === 'error'), 'every panel shows the error');
      expect(failed.messages.revenue).toContain('HTTP 503: analytics database unavailable');
      expect(pageSummary(failed)).toEqual(api.summary);
      expect(await page.locator('[data-testid="business-updated"]').textContent()).toContain('4 of 4 reads failing');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: '/tmp/dashboard-business-error.png', fullPage: true });
    } finally {
      await browser.close();
    }
  }, 180_000);
});

const MIN = 60_000;
type Envelope = { id: string; type: string; v: number; ts: number; data: Record<string, unknown> };
type Line = { sku: string; qty: number; unitPrice: number };
type SeedOrder = { id: string; userId: string; at: number; currency: string; country: string; lines: Line[]; paid: boolean };
type Seed = { run: string; skus: string[]; traveler: string; first: Envelope[]; orders: SeedOrder[] };
/** What the row sums over its window, in the API's units (money in minor units). */
type Summary = {
  revenue: Record<string, number>;
  orders: { placed: number; paid: number; cancelled: number };
  funnel: { pageViews: number; carts: number; orders: number; paid: number };
  topSkus: Record<string, number>;
  fraud: Record<string, number>;
};

/**
 * Twelve minutes of a small shop: page views and cart adds every minute, an order a minute in EUR,
 * USD or GBP (two cancelled), and three fraud patterns (docs/domain-rules.md): card testing (3
 * declines, 3 cards), impossible travel (a login from DE, then a payment from GB) and account takeover.
 */
function businessSeed(now: number): Seed {
  const run = `biz-${now.toString(36)}`;
  const skus = ['A', 'B', 'C', 'D'].map((s) => `${run}-sku-${s}`);
  const first: Envelope[] = [];
  const ev = (id: string, type: string, ts: number, data: Record<string, unknown>) => first.push({ id: `${run}-${id}`, type, v: 1, ts, data });
  skus.forEach((sku, i) => ev(`stock-${i}`, 'stock_received', now - 14 * MIN, { sku, qty: 1000 }));
  const orders: SeedOrder[] = [];
  for (let k = 12; k >= 1; k--) {
    const base = now - k * MIN;
    for (let i = 0; i < 4 + (k % 4) * 3; i++) ev(`pv-${k}-${i}`, 'page_viewed', base + i * 500, { userId: `${run}-shopper-${k}`, path: `/p/${i}` });
    for (let i = 0; i < 1 + (k % 3); i++) ev(`cart-${k}-${i}`, 'cart_item_added', base + 10_000 + i * 500, { userId: `${run}-shopper-${k}`, sku: skus[(k + i) % 4], qty: 1 });
    const market = k % 3 === 0 ? { currency: 'GBP', country: 'GB' } : k % 2 ? { currency: 'EUR', country: 'DE' } : { currency: 'USD', country: 'US' };
    const lines = [{ sku: skus[k % 4]!, qty: 1 + (k % 3), unitPrice: 10 + k + 0.25 }, ...(k % 2 === 0 ? [{ sku: skus[0]!, qty: 1, unitPrice: 4.5 }] : [])];
    orders.push({ id: `${run}-o${k}`, userId: `${run}-buyer-${k}`, at: base + 20_000, ...market, lines, paid: k % 5 !== 0 });
  }
  const traveler = `${run}-buyer-3`;
  ev('travel-login', 'login_succeeded', now - 4 * MIN, { userId: traveler, country: 'DE', ip: '10.1.1.1', deviceId: 'd-1' });
  const ato = `${run}-ato`;
  const t = now - 8 * MIN;
  ev('ato-l0', 'login_succeeded', t, { userId: ato, country: 'DE', ip: '10.0.0.1', deviceId: 'd-home' });
  for (const i of [1, 2, 3]) ev(`ato-f${i}`, 'login_failed', t + i * 1000, { userId: ato, country: 'BR', ip: '10.9.9.9' });
  ev('ato-l1', 'login_succeeded', t + 5000, { userId: ato, country: 'BR', ip: '10.9.9.9', deviceId: 'd-new' });
  ev('ato-u1', 'account_updated', t + 6000, { userId: ato, field: 'email' });
  return { run, skus, traveler, first, orders };
}

/** Orders go second, once stock and the traveler's login are applied: a refused reservation or a late login would change the answer. */
async function seedEvents(url: string, seed: Seed): Promise<void> {
  await post(url, seed.first);
  await eventually(async () => ((await state(url, `users/${seed.traveler}`))?.loginCountry === 'DE' ? true : undefined), 30_000, 'the login');
  for (const sku of seed.skus) await eventually(async () => ((await state(url, `skus/${sku}`))?.onHand === 1000 ? true : undefined), 30_000, `stock of ${sku}`);
  await post(url, seed.orders.flatMap(orderEvents));
}

function orderEvents(o: SeedOrder, i: number): Envelope[] {
  const amount = total(o) / 100;
  const pay = { orderId: o.id, userId: o.userId, amount, country: o.country };
  const out: Envelope[] = [{ id: `${o.id}-placed`, type: 'order_placed', v: 2, ts: o.at, data: { orderId: o.id, userId: o.userId, items: o.lines, currency: o.currency, country: o.country } }];
  if (o.paid) out.push({ id: `${o.id}-paid`, type: 'payment_authorized', v: 1, ts: o.at + 5000, data: { ...pay, cardFingerprint: `card-${i}` } });
  // The first cancelled order is card testing: three declines on three cards, then the shop gives up.
  else if (i === seedCardTester) for (const c of [1, 2, 3]) out.push({ id: `${o.id}-declined-${c}`, type: 'payment_declined', v: 1, ts: o.at + c * 1000, data: { ...pay, cardFingerprint: `stolen-${c}`, reason: 'card_declined' } });
  if (!o.paid) out.push({ id: `${o.id}-cancelled`, type: 'order_cancelled', v: 1, ts: o.at + 8000, data: { orderId: o.id, reason: 'customer' } });
  return out;
}
/** Index in `orders` (k = 12 … 1) of the order whose buyer tests cards: k = 10. */
const seedCardTester = 2;

function expectedSummary(seed: Seed): Summary {
  const paid = seed.orders.filter((o) => o.paid);
  const revenue: Record<string, number> = {};
  const topSkus: Record<string, number> = {};
  for (const o of paid) {
    revenue[o.currency] = (revenue[o.currency] ?? 0) + total(o);
    for (const l of o.lines) topSkus[l.sku] = (topSkus[l.sku] ?? 0) + l.qty;
  }
  const count = (type: string) => seed.first.filter((e) => e.type === type).length;
  return {
    revenue,
    orders: { placed: seed.orders.length, paid: paid.length, cancelled: seed.orders.length - paid.length },
    funnel: { pageViews: count('page_viewed'), carts: count('cart_item_added'), orders: seed.orders.length, paid: paid.length },
    topSkus,
    fraud: { card_testing: 1, impossible_travel: 1, account_takeover: 1 },
  };
}

const FRAUD = ['velocity', 'card_testing', 'amount_anomaly', 'impossible_travel', 'account_takeover'];

async function apiSummary(url: string): Promise<{ summary: Summary; rates: Record<string, number | null> }> {
  const now = Date.now();
  const get = async (path: string) => (await fetch(`${url}/v1/analytics/${path}from=${now - 30 * MIN}&to=${now + MIN}`)).json() as Promise<any>;
  const [sales, funnel, top, alerts] = await Promise.all([get('sales?by=minute&'), get('funnel?by=minute&'), get('top-skus?limit=8&'), get('alerts?by=minute&')]);
  const add = (into: Record<string, number>, key: string, n: number) => void (n && (into[key] = (into[key] ?? 0) + n));
  const summary: Summary = { revenue: {}, orders: { placed: 0, paid: 0, cancelled: 0 }, funnel: { pageViews: 0, carts: 0, orders: 0, paid: 0 }, topSkus: {}, fraud: {} };
  for (const b of sales.buckets) {
    add(summary.revenue, b.currency, b.revenueMinor);
    summary.orders.placed += b.ordersPlaced;
    summary.orders.paid += b.ordersPaid;
    summary.orders.cancelled += b.ordersCancelled;
  }
  const { cartRate, orderRate, paidRate, ...counts } = funnel.totals;
  summary.funnel = counts;
  for (const item of top.items) summary.topSkus[item.sku] = item.units;
  for (const b of alerts.buckets) if (FRAUD.includes(b.alertType)) add(summary.fraud, b.alertType, b.alerts);
  return { summary, rates: { cartRate, orderRate, paidRate } };
}

function pageSummary(r: BusinessRowView): Summary {
  const f = r.funnel;
  return {
    revenue: Object.fromEntries(Object.entries(r.revenue).filter(([, v]) => v > 0)),
    orders: { placed: r.orders.placed ?? NaN, paid: r.orders.paid ?? NaN, cancelled: r.orders.cancelled ?? NaN },
    funnel: { pageViews: f['page views'] ?? NaN, carts: f.carts ?? NaN, orders: f.orders ?? NaN, paid: f.paid ?? NaN },
    topSkus: Object.fromEntries(r.topSkus.map((s) => [s.sku, s.units])),
    fraud: r.fraud,
  };
}

/** The currency with the most paid orders (then most placed, then by code): the row's default. */
function mainCurrency(seed: Seed): string {
  const score = (c: string) => [seed.orders.filter((o) => o.currency === c && o.paid).length, seed.orders.filter((o) => o.currency === c).length];
  return [...new Set(seed.orders.map((o) => o.currency))].sort((a, b) => score(b)[0]! - score(a)[0]! || score(b)[1]! - score(a)[1]! || a.localeCompare(b))[0]!;
}

function skuRevenueText(seed: Seed, sku: string): string {
  const by: Record<string, number> = {};
  for (const o of seed.orders.filter((o) => o.paid)) for (const l of o.lines) if (l.sku === sku) by[o.currency] = (by[o.currency] ?? 0) + Math.round(l.qty * l.unitPrice * 100);
  return Object.keys(by).sort().map((c) => money(by[c]!, c)).join(' · ');
}

function money(minor: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2 }).format(minor / 100);
}

function total(o: SeedOrder): number {
  return o.lines.reduce((n, l) => n + Math.round(l.qty * l.unitPrice * 100), 0);
}

async function post(url: string, events: Envelope[]): Promise<void> {
  const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  expect(res.status).toBe(202);
  expect((await res.json()).rejectedCount).toBe(0);
}

async function state(url: string, path: string): Promise<Record<string, unknown> | undefined> {
  const res = await fetch(`${url}/v1/${path}`);
  return res.ok ? ((await res.json()) as { state: Record<string, unknown> }).state : undefined;
}
