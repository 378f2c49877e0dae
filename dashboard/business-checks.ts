/**
 * Reads the dashboard's business row (dashboard/src/business/) out of a Playwright page, for
 * integration tests: every number as the page holds it (`data-*` attributes, raw units) beside
 * the text a person sees. Framework-neutral, like ./browser-checks.ts.
 *
 * @example
 * const row = await readBusinessRow(page);
 * expect(row.revenue.EUR).toBe(12_345); // minor units
 */
import type { Page } from 'playwright-core';

export type BusinessPanel = 'revenue' | 'orders' | 'conversion' | 'top-skus' | 'fraud';

export interface BusinessRowView {
  /** `data-state` of each panel: loading, empty, error or ok. */
  states: Record<BusinessPanel, string>;
  /** The message each panel shows instead of (or over) its data; '' when none. */
  messages: Record<BusinessPanel, string>;
  /** Paid revenue per currency over the window, minor units (one chip each). */
  revenue: Record<string, number>;
  /** The headline: the charted currency, its revenue in minor units and as shown. */
  headline: { currency: string; minor: number; text: string };
  /** Series totals over the window, by series label, per chart. */
  orders: Record<string, number>;
  funnel: Record<string, number>;
  fraud: Record<string, number>;
  /** Step conversion rates; null where the page shows none. */
  rates: Record<string, number | null>;
  topSkus: { sku: string; units: number; revenueText: string }[];
  /** Polls the row has completed. */
  polls: number;
}

const PANELS: BusinessPanel[] = ['revenue', 'orders', 'conversion', 'top-skus', 'fraud'];

export async function readBusinessRow(page: Page): Promise<BusinessRowView> {
  return page.evaluate((panels) => {
    const q = (sel: string) => document.querySelector<HTMLElement>(sel);
    const all = (sel: string) => [...document.querySelectorAll<HTMLElement>(sel)];
    const totals = (chart: string) =>
      Object.fromEntries(all(`[data-testid="${chart}-legend"] [data-series]`).map((el) => [el.dataset.series!, Number(el.dataset.total)]));
    const state = (p: string) => q(`[data-testid="panel-${p}"]`)?.dataset.state ?? '';
    const message = (p: string) => {
      const el = q(`[data-testid="${p}-state"]`);
      return el && !el.hidden ? (el.textContent ?? '').trim() : '';
    };
    const total = q('[data-testid="revenue-total"]');
    return {
      states: Object.fromEntries(panels.map((p) => [p, state(p)])) as Record<BusinessPanel, string>,
      messages: Object.fromEntries(panels.map((p) => [p, message(p)])) as Record<BusinessPanel, string>,
      revenue: Object.fromEntries(all('[data-testid="revenue-currency"]').map((el) => [el.dataset.currency!, Number(el.dataset.value)])),
      headline: { currency: total?.dataset.currency ?? '', minor: Number(total?.dataset.value || NaN), text: (total?.textContent ?? '').trim() },
      orders: totals('orders'),
      funnel: totals('conversion'),
      fraud: totals('fraud'),
      rates: Object.fromEntries(all('[data-testid="conversion-rate"]').map((el) => [el.dataset.rate!, el.dataset.value === '' ? null : Number(el.dataset.value)])),
      topSkus: all('[data-testid="top-sku-row"]').map((el) => ({
        sku: el.dataset.sku!,
        units: Number(el.dataset.units),
        revenueText: (el.querySelector('[data-testid="top-sku-revenue"]')?.textContent ?? '').trim(),
      })),
      polls: Number(q('[data-testid="business-updated"]')?.dataset.polls ?? 0),
    };
  }, PANELS);
}

/** Reads the row until `ok` holds; throws naming `what`, with the last reading, after `timeoutMs`. */
export async function waitForRow(page: Page, ok: (row: BusinessRowView) => boolean, what: string, timeoutMs = 20_000): Promise<BusinessRowView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await readBusinessRow(page);
    if (ok(row)) return row;
    if (Date.now() > deadline) throw new Error(`business row check failed: ${what}; the row shows ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
