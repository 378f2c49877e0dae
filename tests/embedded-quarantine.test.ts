import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import type { ActorContext, ActorDefinition, ActorInput } from '../actors/actor.ts';
import { buildActors } from '../actors/registry.ts';
import { generateEvents } from '../generator/index.ts';
import type { DomainEvent } from '../schemas/index.ts';
import type { Instance } from '../instance/start-instance.ts';
import { startEmbeddedInstance } from './support/embedded-instance.ts';
import { listQuarantined } from '../store/index.ts';
import { eventually } from './support/instance-process.ts';
import { expectCommittedEqualsOracle } from './support/expect-oracle.ts';
import { closingEvents } from './support/oracle.ts';
import { createEmbeddedEnv, type EmbeddedEnv } from './support/embedded-env.ts';

/**
 * Quarantine release, end to end on the in-process log and PGlite: a deployment whose user actor
 * throws for one user from some event time on quarantines that user and parks everything it is
 * sent afterwards — its own events and the payment facts orders send it. The fix is deployed (a
 * new processor with the registry's actors, in a shard worker) and the user released: its parked
 * inputs are applied once, in order, and every committed state, alert and analytics row equals the
 * oracle that folded all events with the fixed code.
 */
const PARTITIONS = 2;

let env: EmbeddedEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** The user with the most payment attempts, and the time of its first: from then on, its events and the payment facts its orders send it fail. */
function busiestUser(events: readonly DomainEvent[]): { key: string; from: number } {
  const payments = new Map<string, number[]>();
  for (const e of events) {
    const userId = e.type.startsWith('payment_') ? (e.data as { userId: string }).userId : undefined;
    if (userId) payments.set(userId, [...(payments.get(userId) ?? []), e.ts]);
  }
  const [key, times] = [...payments].sort((a, b) => b[1].length - a[1].length)[0]!;
  return { key, from: times[0]! };
}

/** The registry's actors, except that the user actor throws for `bad.key` on every input from `bad.from` on. */
function withBuggyUser(bad: { key: string; from: number }): ActorDefinition<any>[] {
  return buildActors().map((a) =>
    a.type !== 'user' ? a : {
      ...a,
      handle(state, input, ctx) {
        if (ctx.key === bad.key && ctx.now >= bad.from) throw new Error('bug 1234: cannot score this user');
        return a.handle(state, input, ctx);
      },
    });
}

describe('quarantine release', () => {
  test('a quarantined user is released after the fix: its parked events and messages are applied once, and everything equals the oracle', async () => {
    env = await createEmbeddedEnv({ app: 'quarantine', partitions: PARTITIONS, checkpointIntervalMs: 100 });
    const { sql } = env;
    const { events } = generateEvents({ seed: 21, count: 6_000, users: 60, skus: 40, minPerPattern: 2 });
    const bad = busiestUser(events);
    // Browsing by that user after its first payment, so its own events are parked too.
    const views = [1_000, 2_000, 3_000].map((dt, i): DomainEvent => ({ id: `e-view-${i}`, type: 'page_viewed', v: 1, ts: bad.from + dt, data: { userId: bad.key, path: `/products/sku-000${i}` } }) as DomainEvent);
    const mixed = [...events, ...views].sort((a, b) => a.ts - b.ts);
    const all = [...mixed, ...closingEvents(mixed, PARTITIONS)];

    const buggy = await env.start('buggy', { actors: withBuggyUser(bad), workers: 0 });
    await env.produce(all);
    await env.settled();
    const [listed] = await listQuarantined(sql, { type: 'user', limit: 10 });
    expect(listed).toMatchObject({ type: 'user', key: bad.key, error: 'Error: bug 1234: cannot score this user' });
    const kinds = await sql`select code, (input::jsonb)->>'kind' as kind, count(*)::int as n from parked_inputs group by 1, 2 order by 1, 2`;
    // Which input threw first (a payment fact or a page view) depends on arrival order; both kinds are parked.
    expect(kinds.filter((r) => r.code === 'HANDLER_ERROR').map((r) => r.n)).toEqual([1]);
    expect(kinds.filter((r) => r.code === 'QUARANTINED').map((r) => r.kind)).toEqual(['event', 'message']);
    expect(listed!.parked).toBe(kinds.reduce((n, r) => n + (r.n as number), 0));
    await env.stop(buggy);

    // The fix is deployed: the registry's actors, in a shard worker.
    const fixed = await env.start('fixed', { workers: 1 });
    await env.settled();
    expect(await fixed.release('user', bad.key)).toEqual({ kind: 'released', parked: listed!.parked, applied: listed!.parked, duplicates: 0, quarantine: null });
    await env.settled();
    expect((await sql`select count(*)::int as n from parked_inputs`)[0]).toEqual({ n: 0 });
    expect(await listQuarantined(sql, { limit: 10 })).toEqual([]);
    expect(await fixed.release('user', bad.key)).toEqual({ kind: 'not-quarantined' });
    await env.stop(fixed);
    await expectCommittedEqualsOracle(sql, all);
  }, 180_000);
});

describe('quarantine over the admin API', () => {
  let instance: Instance;
  const lines: string[] = [];
  const bug = { on: true };
  const BAD = 'sku-q';
  beforeAll(async () => {
    const actors = buildActors().map((a) =>
      a.type !== 'sku' ? a : {
        ...a,
        handle(state: unknown, input: ActorInput, ctx: ActorContext) {
          if (bug.on && ctx.key === BAD && input.kind === 'event' && (input.event.data as { qty: number }).qty === 13) throw new Error('bug 99: thirteen');
          return a.handle(state, input, ctx);
        },
      });
    instance = await startEmbeddedInstance('qapi', { processor: { actors }, log: (line) => void lines.push(line) });
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
  });

  const api = (path: string, body?: unknown) =>
    fetch(`${instance.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  type Listed = { entities: { type: string; key: string; error: string; since: string; parked: number }[] };

  test('listed with its error and parked count; released after the fix with everything applied once; counted and audited', async () => {
    const sink = await instance.client.sink();
    const stock = (id: string, qty: number, ts: number) => ({ topic: 'inventory_events', key: BAD, value: JSON.stringify({ id, type: 'stock_received', v: 1, ts, data: { sku: BAD, qty } }) });
    const t = Date.now() - 60_000;
    await sink.send([stock('q-1', 2, t), stock('q-2', 13, t + 1), stock('q-3', 5, t + 2), stock('q-3', 5, t + 2)]);
    await sink.disconnect();
    const listed = await eventually(async () => {
      const l = (await (await api('/v1/admin/quarantine?type=sku')).json()) as Listed;
      return l.entities[0]?.parked === 3 ? l : undefined;
    }, 20_000, 'the SKU to be quarantined with 3 parked inputs');
    expect(listed.entities[0]).toMatchObject({ type: 'sku', key: BAD, error: 'Error: bug 99: thirteen' });
    expect(Number.isNaN(Date.parse(listed.entities[0]!.since))).toBe(false);

    bug.on = false; // the fix
    const res = await api('/v1/admin/quarantine/release', { type: 'sku', key: BAD });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'sku', key: BAD, released: true, parked: 3, applied: 2, duplicates: 1, quarantine: null });
    const sku = (await (await api(`/v1/skus/${BAD}`)).json()) as { state: { onHand: number }; quarantine: string | null };
    expect({ onHand: sku.state.onHand, quarantine: sku.quarantine }).toEqual({ onHand: 20, quarantine: null });
    expect(((await (await api('/v1/admin/quarantine')).json()) as Listed).entities).toEqual([]);

    const again = await api('/v1/admin/quarantine/release', { type: 'sku', key: BAD });
    expect([again.status, ((await again.json()) as { error: string }).error]).toEqual([409, `sku '${BAD}' is not quarantined`]);
    const metrics = await (await fetch(`${instance.url}/metrics`)).text();
    expect(metrics).toContain('actorstream_admin_actions_total{action="quarantine_release",outcome="released"} 1');
    expect(metrics).toContain('actorstream_admin_actions_total{action="quarantine_release",outcome="not_quarantined"} 1');
    expect(lines.some((l) => l.includes(`released sku '${BAD}': applied 2 of 3 parked input(s), 1 duplicate(s) skipped`))).toBe(true);
  }, 60_000);

  test('bad types, keys and limits are refused with the reason', async () => {
    expect((await api('/v1/admin/quarantine?type=cart')).status).toBe(400);
    expect((await api('/v1/admin/quarantine?limit=0')).status).toBe(400);
    const noType = await api('/v1/admin/quarantine/release', { type: 'cart', key: 'x' });
    expect([noType.status, ((await noType.json()) as { error: string }).error]).toEqual([400, expect.stringMatching(/^type must be one of sku, order, user(, [a-z_]+)*, got 'cart'$/)]);
    expect((await api('/v1/admin/quarantine/release', { type: 'sku', key: 'a\u0000b' })).status).toBe(400);
    expect((await api('/v1/admin/quarantine/release', 'not an object')).status).toBe(400);
  });
});
