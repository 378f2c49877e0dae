import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildActors } from '../actors/registry.ts';
import { createTestDriver } from '../actors/test-driver.ts';
import type { ShadowDiff } from '../cli/commands/shadow-diff.ts';
import { decodeEvent, type Alert, type DomainEvent } from '../schemas/index.ts';
import { createPipelineEnv, type PipelineEnv } from './support/pipeline-env.ts';
import { runUntilSettled } from './support/spawned-processors.ts';
import { runCli } from './support/run-cli.ts';

/**
 * `actorstream replay --shadow` against a real broker and Postgres: a live pipeline decides with
 * the default fraud rules (velocity: 5 attempts in 10 min); the shadow replays the same log with
 * 3 attempts. The alerts it adds and removes must be exactly the difference the pure driver
 * predicts between the two configurations, and no live table or topic may change.
 */
const MINUTE = 60_000;

const cli = runCli;

/** Payment attempts of users with 2, 3, 4 and 6 attempts a minute apart, plus their orders and stock. */
function workload(): DomainEvent[] {
  const t0 = Date.now() - 60 * MINUTE;
  const out: DomainEvent[] = [{ id: 'st-1', type: 'stock_received', v: 1, ts: t0, data: { sku: 'sku-s', qty: 100 } } as DomainEvent];
  let n = 0;
  for (const [user, attempts] of [['u-two', 2], ['u-three', 3], ['u-four', 4], ['u-six', 6]] as const) {
    for (let i = 0; i < attempts; i++) {
      const orderId = `o-${user}-${i}`;
      const ts = t0 + MINUTE + i * MINUTE + n++;
      out.push({ id: `pl-${orderId}`, type: 'order_placed', v: 2, ts, data: { orderId, userId: user, items: [{ sku: 'sku-s', qty: 1, unitPrice: 10 }], currency: 'EUR', country: 'DE' } } as DomainEvent);
      out.push({ id: `pd-${orderId}`, type: 'payment_declined', v: 1, ts: ts + 1, data: { orderId, userId: user, amount: 10, cardFingerprint: 'fp-1', reason: 'insufficient_funds' } } as DomainEvent);
    }
  }
  return out;
}

function driverAlerts(events: readonly DomainEvent[], attempts?: number): Alert[] {
  const driver = createTestDriver(buildActors(attempts ? { fraud: { velocity: { attempts } } } : {}), { recordHistory: false });
  driver.pipe(events.map((e) => (decodeEvent(e) as { ok: true; event: DomainEvent }).event));
  return [...driver.alerts()];
}

describe('CLI replay --shadow', () => {
  let env: PipelineEnv;
  let events: DomainEvent[];

  beforeAll(async () => {
    env = await createPipelineEnv(1); // one partition per topic: arrival order is event-time order
    events = workload();
    await env.produce(events);
    await runUntilSettled(env, 'live', { timeoutMs: 120_000 });
  }, 180_000);
  afterAll(async () => {
    await env?.close();
  });

  const liveSnapshot = async () => {
    const [states] = await env.sql`select count(*)::int as n, md5(string_agg(actor_type || key || state::text, ',' order by actor_type, key)) as h from actor_states`;
    const [alerts] = await env.sql`select count(*)::int as n, md5(string_agg(id, ',' order by id)) as h from alerts`;
    const [offsets] = await env.sql`select md5(string_agg(topic || partition || ':' || next_offset, ',' order by topic, partition)) as h from input_offsets`;
    const admin = await env.client.admin();
    try {
      const topics = [...Object.values(env.topics.source), env.topics.alerts, ...Object.values(env.topics.source).map((t) => `${t}.dlq`), ...['sku', 'order', 'user', 'sku_affinity'].map((t) => `${env.app}.${t}.inbox`)];
      const ends: Record<string, number[]> = {};
      for (const t of topics) ends[t] = (await admin.partitionCount(t)) === undefined ? [] : (await admin.offsets(t)).map((o) => o.high);
      return { states, alerts, offsets, ends };
    } finally {
      await admin.disconnect();
    }
  };

  test('a velocity threshold of 3 instead of 5: exactly the alerts the driver predicts are added and removed; live untouched', async () => {
    const live = driverAlerts(events);
    const changed = driverAlerts(events, 3);
    const ids = (list: Alert[]) => new Set(list.map((a) => a.id));
    const expectAdded = [...ids(changed)].filter((id) => !ids(live).has(id)).sort();
    const expectRemoved = [...ids(live)].filter((id) => !ids(changed).has(id)).sort();
    // The premise: the live pipeline decided what the driver decides with the defaults.
    expect((await env.sql`select id from alerts order by id`).map((r) => r.id)).toEqual([...ids(live)].sort());
    expect(expectAdded.length).toBeGreaterThan(0);
    expect(expectRemoved.length).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), 'actorstream-shadow-'));
    const config = join(dir, 'new-rules.yaml');
    writeFileSync(config, 'actors:\n  fraud:\n    velocity:\n      attempts: 3\n');
    const out = join(dir, 'diff.json');
    const before = await liveSnapshot();
    const run = await cli(['replay', '--shadow', '--config', config, '--from', 'earliest', '--out', out], env.processorEnv('shadow-cli'));
    console.log(run.stdout);
    expect(run.stderr).not.toContain('Error');
    expect(run.code).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { diff: ShadowDiff; schema: string; app: string };
    const velocity = result.diff.alerts.byType.velocity!;
    const all = (key: 'addedExamples' | 'removedExamples') => Object.values(result.diff.alerts.byType).flatMap((d) => d[key].map((a) => a.id));
    expect({ added: result.diff.alerts.added, removed: result.diff.alerts.removed }).toEqual({ added: expectAdded.length, removed: expectRemoved.length });
    expect(all('addedExamples').every((id) => expectAdded.includes(id)) && all('removedExamples').every((id) => expectRemoved.includes(id))).toBe(true);
    expect(velocity.shadow).toBe(changed.filter((a) => a.type === 'velocity').length);
    // Only the users' states differ (velocity bookkeeping); orders and SKUs decide alike.
    const states = result.diff.states as Exclude<ShadowDiff['states'], { skipped: string }>;
    expect(states.byType.sku!.differing).toBe(0);
    expect(states.byType.order!.differing).toBe(0);
    expect(run.stdout).toContain('velocity');

    expect(await liveSnapshot()).toEqual(before);
    const [schema] = await env.sql`select count(*)::int as n from information_schema.schemata where schema_name = ${result.schema}`;
    expect(schema!.n).toBe(0); // removed afterwards, and so are its topics and consumer group
    const admin = await env.client.admin();
    try {
      expect(await admin.partitionCount(`${result.app}.alerts`)).toBeUndefined();
      expect(await admin.partitionCount(`${result.app}.user.inbox`)).toBeUndefined();
      expect((await env.admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(result.app))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  }, 240_000);
});
