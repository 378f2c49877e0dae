import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { launchDashboardBrowser, runDashboardChecks } from '../dashboard/browser-checks.ts';
import { spawnInstance, type InstanceProcess } from './support/instance-process.ts';

/**
 * The dashboard in real headless Chromium against a real instance (`actorstream run`, embedded
 * default, generator running): counters rise, an account-takeover pattern injected over the API
 * appears in the alert feed and opens with its entity, the lookup box shows the right state, and
 * screenshots land in .artifacts/. npm test installs Chromium where apt can; without it the test
 * is skipped and says why.
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
    } finally {
      await browser.close();
    }
  }, 180_000);
});
