import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { launchDashboardBrowser } from '../dashboard/browser-checks.ts';
import type { AlertCause } from '../engine/alert-causes.ts';
import type { Instance } from '../instance/start-instance.ts';
import type { Alert } from '../schemas/index.ts';
import { startEmbeddedInstance } from './support/embedded-instance.ts';
import { eventually } from './support/instance-process.ts';

/**
 * The dashboard's alert inspector in real headless Chromium against an embedded instance (two
 * partitions): five declined payments by one user on five orders raise a velocity alert; clicked
 * in the feed, the drawer shows the alert, then its "why": the five payment events in order with
 * their type, key, body and place on transaction_events, and the user-inbox message from each
 * order that carried them. A person's walk: the sender opens in the drawer, Escape closes it and
 * the focus goes back to the alert.
 */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromium);
if (!hasChromium) console.warn(`dashboard alert-why test skipped: no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`);

const APP = 'dwhy';
const USER = 'dwhy-u';

describe('dashboard alert inspector in Chromium', () => {
  let instance: Instance;
  beforeAll(async () => {
    if (!hasChromium) return;
    // Messages through the inbox topics, so each cause has the message that carried it to show
    // (handed over in memory, the default, they are in no topic: tests/embedded-alert-why.test.ts).
    instance = await startEmbeddedInstance(APP, { processor: { partitions: 2, checkpointIntervalMs: 100, localMessages: false } });
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
  });

  test.skipIf(!hasChromium)('a velocity alert opens with its five payment events, their coordinates and the inbox messages that carried them', async () => {
    // The velocity rule (docs/domain-rules.md): five payment attempts by one user within ten minutes.
    const t0 = Date.now() - 60_000;
    const payments = [0, 1, 2, 3, 4].map((i) => ({
      id: `dwhy-pay-${i}`, type: 'payment_declined', v: 1, ts: t0 + i * 1000,
      data: { orderId: `dwhy-o-${i}`, userId: USER, amount: 20, cardFingerprint: 'fp-dwhy', reason: 'insufficient_funds' },
    }));
    const posted = await fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payments) });
    expect(posted.status).toBe(202);
    const alert = await eventually(async () => {
      const res = (await (await fetch(`${instance.url}/v1/alerts?entity=user:${USER}&type=velocity`)).json()) as { alerts: Alert[] };
      return res.alerts[0];
    }, 15_000, 'the velocity alert');
    // Where each payment landed is the broker's to say: the API's answer is the contract the page must show.
    const answer = (await (await fetch(`${instance.url}/v1/alerts/${encodeURIComponent(alert.id)}`)).json()) as { causes: AlertCause[]; trace: { traceId: string; url: string | null } | null };
    expect(answer.causes.map((c) => c.id)).toEqual(payments.map((p) => p.id));

    const { browser, page } = await launchDashboardBrowser(chromium);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const $ = (id: string) => page.locator(`[data-testid="${id}"]`);
    try {
      await page.goto(`${instance.url}/`);
      const item = page.locator(`[data-testid="alert-item"][data-alert-id="${alert.id}"]`);
      await item.waitFor({ timeout: 15_000 });
      await item.click();

      // The alert itself.
      const detail = page.locator(`[data-testid="alert-detail"][data-alert-id="${alert.id}"]`);
      await detail.waitFor({ timeout: 5_000 });
      expect(await $('inspector-title').textContent()).toBe('Velocity');
      expect(await $('alert-type').textContent()).toBe('velocity');
      expect(await $('alert-severity').textContent()).toBe(alert.severity);
      expect(await detail.locator('[data-testid="entity-link"]').first().textContent()).toBe(`user ${USER}`);
      expect(await $('alert-summary').textContent()).toBe(alert.details.summary);
      expect(await $('alert-event-time').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);

      // Its why: the five payments in the order the alert names them.
      const why = page.locator(`[data-testid="alert-why"][data-alert-id="${alert.id}"]`);
      await page.locator(`[data-testid="alert-why"][data-status="ok"]`).waitFor({ timeout: 20_000 });
      await page.screenshot({ path: '/tmp/alert-why.png' });
      expect(await why.locator('[data-testid="why-found"]').textContent()).toBe('5 of 5 reasons found in the log');
      expect(await why.locator('[data-testid="why-unresolved"]').count()).toBe(0);
      const causes = why.locator('[data-testid="alert-cause"]');
      expect(await causes.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.causeId))).toEqual(payments.map((p) => p.id));
      for (const [i, payment] of payments.entries()) {
        const cause = causes.nth(i);
        const { record, via } = answer.causes[i]!;
        expect(record!.topic).toBe('transaction_events');
        expect(await cause.locator('[data-testid="cause-type"]').textContent()).toBe('payment_declined');
        expect(await cause.locator('[data-testid="cause-key"]').textContent()).toBe(`dwhy-o-${i}`);
        const coordinates = cause.locator('[data-testid="cause-coordinates"]');
        expect(await coordinates.locator('.coord').textContent()).toBe(`transaction_events / ${record!.partition} / ${record!.offset}`);
        expect(await coordinates.locator('.appended').textContent()).toMatch(/^appended \d\d:\d\d:\d\d\.\d{3}$/);
        expect(JSON.parse((await cause.locator('[data-testid="cause-event"]').textContent())!)).toEqual(payment);
        // The order actor sent each payment's facts to the user as a message on the user inbox.
        expect(via).toMatchObject({ topic: `${APP}.user.inbox`, from: { type: 'order', key: `dwhy-o-${i}` } });
        expect(await cause.locator('[data-testid="cause-via"]').textContent()).toBe(`payment_attempted from order dwhy-o-${i}`);
        expect(await cause.locator('[data-testid="cause-via-coordinates"] .coord').textContent()).toBe(`${APP}.user.inbox / ${via!.partition} / ${via!.offset}`);
      }
      // The orders are spread over both partitions, so the page shows more than one place.
      expect(new Set(await causes.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.partition))).size).toBe(2);
      // The message body folds open on demand.
      const firstMessage = causes.first().locator('details.cause-message');
      await firstMessage.locator('summary').click();
      expect(JSON.parse((await firstMessage.locator('[data-testid="cause-message"]').textContent())!)).toMatchObject({ type: 'payment_attempted', cause: payments[0]!.id });
      await firstMessage.locator('summary').click();
      // The trace as the API gives it: a link when the instance knows its Jaeger UI, the id otherwise.
      if (answer.trace === null) expect(await why.locator('[data-testid="why-trace"]').count()).toBe(0);
      else if (answer.trace.url) expect(await why.locator('[data-testid="why-trace"]').getAttribute('href')).toBe(answer.trace.url);
      else expect(await why.locator('[data-testid="why-trace"]').textContent()).toBe(`trace ${answer.trace.traceId}`);

      await causes.nth(2).scrollIntoViewIfNeeded();
      await page.screenshot({ path: '/tmp/alert-why-causes.png' });
      // All five at once, on a tall window, to look at the whole drawer.
      await page.setViewportSize({ width: 1280, height: 2600 });
      await $('inspector-body').evaluate((body) => body.scrollTo(0, 0));
      await page.screenshot({ path: '/tmp/alert-why-full.png' });
      await page.setViewportSize({ width: 1280, height: 800 });

      // The sender of a message opens in the drawer; Escape closes it and the focus is back on the alert.
      await causes.first().locator('[data-testid="cause-via"] [data-testid="entity-link"]').click();
      await page.locator('[data-testid="entity-result"][data-entity-type="order"][data-entity-key="dwhy-o-0"][data-status="found"]').waitFor({ timeout: 10_000 });
      expect(await $('inspector-title').textContent()).toBe('order · dwhy-o-0');
      await page.keyboard.press('Escape');
      expect(await $('inspector').isHidden()).toBe(true);
      await page.waitForFunction((id) => (document.activeElement as HTMLElement | null)?.dataset.alertId === id, alert.id, { timeout: 5_000 });

      // From the keyboard alone: Enter on the focused alert opens it with the focus in the drawer.
      await page.keyboard.press('Enter');
      await page.locator(`[data-testid="alert-why"][data-alert-id="${alert.id}"][data-status="ok"]`).waitFor({ timeout: 20_000 });
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('inspector-title');
      await page.keyboard.press('Escape');
      expect(await $('inspector').isHidden()).toBe(true);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
