import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ActorContext, ActorDefinition, ActorInput } from '../actors/actor.ts';
import { buildActors } from '../actors/registry.ts';
import type { Instance } from '../instance/start-instance.ts';
import { startEmbeddedInstance } from './support/embedded-instance.ts';
import { eventually } from './support/instance-process.ts';

/**
 * The usual bugs of a hand-written actor — a handler that forgets `effects`, a timer due at a
 * field the state lacks, an alert without its time, a throw of something that is not an Error, a
 * read-model row keyed by something else, an aggregate that adds money in major units — are each
 * the actor's error: its entity is quarantined with a reason that says what to return, its inputs
 * are parked for the release, and the partition keeps flowing. Before (found by review), each
 * failed the shard's batch, its checkpoint statement or its post on every retry: one event
 * stopped its partition.
 */
const BUGS: Record<string, (t: { state: unknown; effects: unknown[] }, ctx: ActorContext) => unknown> = {
  'sku-no-effects': (t) => ({ state: t.state }),
  'sku-nothing': () => undefined,
  'sku-timer-at': (t) => ({ ...t, effects: [...t.effects, { kind: 'schedule', at: (t.state as { deadline?: number }).deadline, timer: { type: 'recount' } }] }),
  'sku-alert-ts': (t, ctx) => ({ ...t, effects: [...t.effects, { kind: 'alert', alert: { id: `sku/${ctx.key}/odd`, type: 'odd', entityType: 'sku', entityKey: ctx.key, severity: 'info', reasons: [], details: { summary: 'odd' } } }] }),
  'sku-throws': () => {
    throw Object.create(null);
  },
  'sku-nul': () => {
    throw new Error('bad \u0000 byte');
  },
};
const REASONS: Record<string, string> = {
  'sku-no-effects': 'Error: handle must return { state, effects } with effects an array ([] for none), got effects: undefined',
  'sku-nothing': 'Error: handle must return { state, effects }, got undefined',
  'sku-timer-at': "Error: effect 1 of 1: a timer's at must be epoch milliseconds (a whole number), got undefined",
  'sku-alert-ts': 'Error: effect 1 of 1: alert sku/sku-alert-ts/odd: ts must be the event time in epoch milliseconds (a whole number), got undefined',
  'sku-throws': 'Error: an object',
  'sku-nul': 'Error: bad \\u0000 byte', // stored as its escape: Postgres text cannot hold U+0000
  'sku-row-key': "read model sku_stock: row's first value must be the entity's key 'sku-row-key' (column sku), got \"sku-fine\"",
  'sku-minor-units': "Error: aggregate 'alerts_minute': measure 'alerts' must be a whole number (it is a bigint column; money in minor units), got 0.5",
};

function buggySku(sku: ActorDefinition<any>, bug: { on: boolean }): ActorDefinition<any> {
  const readModel = sku.readModel!;
  const [alerts] = sku.aggregates!;
  return {
    ...sku,
    handle(state: unknown, input: ActorInput, ctx: ActorContext) {
      const t = sku.handle(state, input, ctx);
      const qty = input.kind === 'event' ? (input.event.data as { qty?: number }).qty : undefined;
      return bug.on && qty === 7 && BUGS[ctx.key] ? (BUGS[ctx.key]!(t as never, ctx) as never) : t;
    },
    readModel: { ...readModel, row: (key, s) => (bug.on && key === 'sku-row-key' ? ['sku-fine', ...readModel.row(key, s)!.slice(1)] : readModel.row(key, s)) },
    aggregates: [{
      ...alerts!,
      add: (i, b, a, ctx, raised) => (bug.on && ctx.key === 'sku-minor-units' ? [{ at: ctx.now, dims: ['low_stock'], values: [0.5] }] : alerts!.add(i, b, a, ctx, raised)),
    }],
  };
}

describe("an actor's usual bugs", () => {
  let instance: Instance;
  const bug = { on: true };
  beforeAll(async () => {
    const actors = buildActors().map((a) => (a.type === 'sku' ? buggySku(a, bug) : a));
    instance = await startEmbeddedInstance('actor-bugs', { processor: { actors }, log: () => {} });
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
  });

  const api = (path: string) => fetch(`${instance.url}${path}`);
  type Listed = { entities: { type: string; key: string; error: string; parked: number }[] };

  test('quarantine their entity with a reason that says what to return; the rest of the partition lands; a release after the fix applies what was parked', async () => {
    const buggy = Object.keys(REASONS);
    const sink = await instance.client.sink();
    const t = Date.now() - 60_000;
    const stock = (sku: string, id: string, qty: number, ts: number) => ({ topic: 'inventory_events', key: sku, value: JSON.stringify({ id, type: 'stock_received', v: 1, ts, data: { sku, qty } }) });
    await sink.send([
      ...buggy.map((sku, i) => stock(sku, `b-${i}`, 7, t + i)),
      stock('sku-fine', 'f-1', 3, t + 10),
      ...buggy.map((sku, i) => stock(sku, `c-${i}`, 2, t + 20 + i)),
    ]);
    await sink.disconnect();
    const listed = await eventually(async () => {
      const l = (await (await api('/v1/admin/quarantine?type=sku')).json()) as Listed;
      return l.entities.length === buggy.length ? l : undefined;
    }, 20_000, `the ${buggy.length} SKUs to be quarantined`);
    expect(Object.fromEntries(listed.entities.map((e) => [e.key, e.error]))).toEqual(REASONS);
    const fine = (await (await api('/v1/skus/sku-fine')).json()) as { state: { onHand: number } };
    expect(fine.state.onHand).toBe(3);

    bug.on = false; // the fix
    for (const key of buggy) {
      // A 503 says "ask again" (the shard was being restored, or could not commit first): as a client would.
      const answer = await eventually(async () => {
        const res = await fetch(`${instance.url}/v1/admin/quarantine/release`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'sku', key }) });
        return res.status === 503 ? undefined : await res.json();
      }, 20_000, `the release of ${key} to be answered other than "ask again"`);
      expect(answer).toMatchObject({ released: true, quarantine: null });
      const now = (await (await api(`/v1/skus/${key}`)).json()) as { state: { onHand: number }; quarantine: string | null };
      // The read-model and aggregate bugs show after the input applied (the state holds it); the others before.
      expect({ key, onHand: now.state.onHand, quarantine: now.quarantine }).toEqual({ key, onHand: 9, quarantine: null });
    }
  }, 60_000);
});
