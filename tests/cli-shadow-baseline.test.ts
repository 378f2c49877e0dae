import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildActors } from '../actors/registry.ts';
import { createTestDriver } from '../actors/test-driver.ts';
import type { ActorsConfig } from '../actors/registry.ts';
import type { ShadowDiff } from '../cli/commands/shadow-diff.ts';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { decodeEvent, type Alert, type DomainEvent } from '../schemas/index.ts';
import { canonical, closingEvents, committed, inLogOrder } from './support/oracle.ts';
import { createPipelineEnv, type PipelineEnv } from './support/pipeline-env.ts';
import { runUntilSettled } from './support/spawned-processors.ts';
import { runCli } from './support/run-cli.ts';

/**
 * `actorstream replay --shadow --baseline` against a real broker and Postgres, with 3 partitions
 * per topic: a user's payment attempts come from several order partitions, so the order they
 * reach the user in depends on how a backlog is read. The live pipeline ran in its own arrival
 * order. The shadow (velocity threshold 3) and the baseline (the live rules, 5) both replay the
 * log merged in event time, so their diff must be exactly what the pure driver predicts between
 * the two configurations folding the log in that order: every added and removed alert, and the
 * number of differing states per actor type.
 */
const PARTITIONS = 3;
const VELOCITY_3: ActorsConfig = { fraud: { velocity: { attempts: 3 } } };
const MINUTE = 60_000;

/** An order id of `user`'s `attempt` that lands in transaction partition `partition`. */
function orderIdIn(user: string, attempt: number, partition: number): string {
  for (let n = 0; ; n++) {
    const id = `o-${user}-${attempt}-${n}`;
    if (partitionOf(id, PARTITIONS) === partition) return id;
  }
}

/**
 * Users with bursts of 6 declined payment attempts 30 s apart. The velocity rule names its alert
 * after the attempt that made the 5th in event time; here the 5th attempt's order is in one
 * transaction partition and the other five in another (pairs rotating over the users), so a
 * backlog read partition after partition hands some users their 6th attempt before their 5th,
 * and they alert on it. Bursts are 20 minutes apart, outside each other's 10-minute window.
 */
function workload(): DomainEvent[] {
  const t0 = Date.now() - 48 * 60 * MINUTE;
  const out: DomainEvent[] = [{ id: 'st-1', type: 'stock_received', v: 1, ts: t0, data: { sku: 'sku-s', qty: 10_000 } } as DomainEvent];
  for (let u = 0; u < 40; u++) {
    const user = `u-burst-${u}`;
    for (let j = 0; j < 6; j++) {
      const orderId = orderIdIn(user, j, j === 4 ? u % PARTITIONS : (u + 1) % PARTITIONS);
      const ts = t0 + MINUTE + u * 20 * MINUTE + j * 30_000;
      out.push({ id: `pl-${orderId}`, type: 'order_placed', v: 2, ts, data: { orderId, userId: user, items: [{ sku: 'sku-s', qty: 1, unitPrice: 10 }], currency: 'EUR', country: 'DE' } } as DomainEvent);
      out.push({ id: `pd-${orderId}`, type: 'payment_declined', v: 1, ts: ts + 1, data: { orderId, userId: user, amount: 10, cardFingerprint: `fp-${u}`, reason: 'insufficient_funds' } } as DomainEvent);
    }
  }
  return [...out, ...closingEvents(out, PARTITIONS)];
}

function driverRun(events: readonly DomainEvent[], config: ActorsConfig): { alerts: Alert[]; states: Map<string, Map<string, unknown>> } {
  const actors = buildActors(config);
  const driver = createTestDriver(actors, { recordHistory: false });
  driver.pipe(inLogOrder(events, PARTITIONS).map((e) => (decodeEvent(e) as { ok: true; event: DomainEvent }).event));
  return { alerts: [...driver.alerts()], states: new Map(actors.map((a) => [a.type, new Map(driver.states(a.type))])) };
}

/** Per actor type, how many entities' states differ between two runs (present in one only counts). */
function differingStates(a: Map<string, Map<string, unknown>>, b: Map<string, Map<string, unknown>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const type of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(type) ?? new Map();
    const y = b.get(type) ?? new Map();
    out[type] = [...new Set([...x.keys(), ...y.keys()])].filter((k) => canonical(x.get(k)) !== canonical(y.get(k))).length;
  }
  return out;
}

describe('CLI replay --shadow --baseline', () => {
  let env: PipelineEnv;
  let events: DomainEvent[];

  beforeAll(async () => {
    env = await createPipelineEnv(PARTITIONS);
    events = workload();
    await env.produce(events);
    await runUntilSettled(env, 'live', { timeoutMs: 120_000 }); // arrival order: no event-time merge
  }, 180_000);
  afterAll(async () => {
    await env?.close();
  });

  test('a velocity threshold of 3 against a replay of the live rules: exactly the driver-predicted alerts and states differ', async () => {
    const base = driverRun(events, {});
    const changed = driverRun(events, VELOCITY_3);
    const ids = (list: Alert[]) => new Set(list.map((a) => a.id));
    const expectAdded = [...ids(changed.alerts)].filter((id) => !ids(base.alerts).has(id)).sort();
    const expectRemoved = [...ids(base.alerts)].filter((id) => !ids(changed.alerts).has(id)).sort();
    console.log(`driver: ${base.alerts.length} alerts with the live rules, ${changed.alerts.length} with velocity 3 (+${expectAdded.length} / -${expectRemoved.length})`);
    expect(expectAdded.length).toBeGreaterThan(0);
    expect(expectRemoved.length).toBeGreaterThan(0);
    // For the record, not asserted: how far the live run (arrival order) is from the driver's order.
    const live = await committed(env.sql);
    const liveOff = [...ids(live.alerts)].filter((id) => !ids(base.alerts).has(id)).length + [...ids(base.alerts)].filter((id) => !ids(live.alerts).has(id)).length;
    console.log(`live alerts not in the driver's event-time order, or missing from it: ${liveOff} of ${base.alerts.length}`);

    const dir = mkdtempSync(join(tmpdir(), 'actorstream-shadow-baseline-'));
    const config = join(dir, 'new-rules.yaml');
    const baseline = join(dir, 'live-rules.yaml');
    writeFileSync(config, 'actors:\n  fraud:\n    velocity:\n      attempts: 3\n');
    writeFileSync(baseline, 'actors:\n  fraud:\n    velocity:\n      attempts: 5\n');
    const out = join(dir, 'diff.json');
    const run = await runCli(['replay', '--shadow', '--config', config, '--baseline', baseline, '--from', 'earliest', '--out', out], env.processorEnv('shadow-cli'));
    console.log(run.stdout);
    expect(run.stderr).not.toContain('Error');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('baseline → shadow');
    const result = JSON.parse(readFileSync(out, 'utf8')) as { diff: ShadowDiff; against: unknown };
    expect(result.against).toMatchObject({ baseline: { schema: expect.stringMatching(/_base$/) } });
    const examples = (key: 'addedExamples' | 'removedExamples') => Object.values(result.diff.alerts.byType).flatMap((d) => d[key].map((a) => a.id));
    expect({ added: result.diff.alerts.added, removed: result.diff.alerts.removed }).toEqual({ added: expectAdded.length, removed: expectRemoved.length });
    expect(examples('addedExamples').filter((id) => !expectAdded.includes(id))).toEqual([]);
    expect(examples('removedExamples').filter((id) => !expectRemoved.includes(id))).toEqual([]);
    for (const [type, d] of Object.entries(result.diff.alerts.byType)) {
      expect({ type, live: d.live, shadow: d.shadow }).toEqual({
        type, live: base.alerts.filter((a) => a.type === type).length, shadow: changed.alerts.filter((a) => a.type === type).length,
      });
    }
    const states = result.diff.states as Exclude<ShadowDiff['states'], { skipped: string }>;
    const differing = Object.fromEntries(Object.entries(states.byType).map(([type, d]) => [type, d.differing]));
    expect(differing).toEqual(differingStates(base.states, changed.states));

    // Both replays' schemas, topics and consumer groups are gone afterwards.
    const { schema, app, against } = result as unknown as { schema: string; app: string; against: { baseline: { schema: string; app: string } } };
    const schemas = await env.sql`select schema_name from information_schema.schemata where schema_name = any(${[schema, against.baseline.schema]}::text[])`;
    expect(schemas.map((r) => r.schema_name)).toEqual([]);
    const admin = await env.client.admin();
    try {
      for (const a of [app, against.baseline.app]) {
        expect(await admin.partitionCount(`${a}.alerts`)).toBeUndefined();
        expect(await admin.partitionCount(`${a}.user.inbox`)).toBeUndefined();
      }
      const groups = (await env.admin.listGroups()).groups.map((g) => g.groupId);
      expect(groups.filter((g) => g.startsWith(app) || g.startsWith(against.baseline.app))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  }, 300_000);
});
