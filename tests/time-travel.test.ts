import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Instance } from '../instance/start-instance.ts';
import { createTestDriver } from '../actors/test-driver.ts';
import { orderActor } from '../actors/order.ts';
import { skuActor } from '../actors/sku.ts';
import { userActor } from '../actors/user.ts';
import { skuAffinity } from '../actors/recommendations/sku-affinity.ts';
import type { ActorDefinition } from '../actors/actor.ts';
import type { DomainEvent } from '../schemas/index.ts';
import { canonical } from './support/oracle.ts';
import { startEmbeddedInstance } from './support/embedded-instance.ts';
import { eventually } from './support/instance-process.ts';

/**
 * Time travel end to end on the embedded default (history kept for sku, order and user): a scripted shop —
 * stock, orders that reserve it, a payment, a declined one, payment timeouts fired by a later
 * order — fed step by step, several events of a step in one checkpoint. Then, for every entity and
 * every event time of the script (and the instants just before each), `GET .../history?at=` must
 * equal the pure test driver's state at that time: the driver piped the events up to it and moved
 * its clock there. One partition per type: with several, a SKU's inbox is merged in arrival order
 * (the open determinism gap of issue #16), and the live states themselves could differ.
 */
const ACTORS: readonly ActorDefinition<any>[] = [skuActor, orderActor, userActor, skuAffinity];
const t0 = Date.now() - 3 * 3_600_000;
let n = 0;
const ev = (type: string, at: number, data: Record<string, unknown>): DomainEvent =>
  ({ id: `tt-${++n}`, type, v: type === 'order_placed' ? 2 : 1, ts: t0 + at, data }) as DomainEvent;
const item = (sku: string, qty: number) => ({ sku, qty, unitPrice: 10 });
const placed = (orderId: string, userId: string, at: number, items: ReturnType<typeof item>[]) =>
  ev('order_placed', at, { orderId, userId, items, currency: 'EUR', country: 'DE' });

/** Each step is posted at once (often one checkpoint), then waited for until the live states equal the driver's. */
const STEPS: DomainEvent[][] = [
  [ev('stock_received', 0, { sku: 'tt-A', qty: 5 }), ev('stock_received', 1_000, { sku: 'tt-B', qty: 3 }), ev('reorder_point_set', 2_000, { sku: 'tt-A', reorderPoint: 2 })],
  [placed('tt-o1', 'tt-u1', 10_000, [item('tt-A', 2)])],
  [
    ev('payment_authorized', 20_000, { orderId: 'tt-o1', userId: 'tt-u1', amount: 20, cardFingerprint: 'fp-1', country: 'DE' }),
    placed('tt-o2', 'tt-u2', 25_000, [item('tt-A', 3), item('tt-B', 1)]),
    ev('stock_adjusted', 26_000, { sku: 'tt-B', delta: -1, reason: 'damaged' }),
  ],
  [placed('tt-o3', 'tt-u1', 30_000, [item('tt-A', 1)])],
  [
    ev('payment_declined', 40_000, { orderId: 'tt-o2', userId: 'tt-u2', amount: 40, cardFingerprint: 'fp-2', reason: 'insufficient_funds' }),
    ev('order_shipped', 50_000, { orderId: 'tt-o1' }),
  ],
  // 20 minutes on: the transaction shard's clock passes the payment timeouts of o2 and o3.
  [placed('tt-o4', 'tt-u3', 20 * 60_000, [item('tt-B', 1)])],
  // Two events of one SKU at the same time, in one step: by offset they are two states.
  [ev('stock_received', 21 * 60_000, { sku: 'tt-A', qty: 10 }), ev('stock_adjusted', 21 * 60_000, { sku: 'tt-A', delta: -2, reason: 'damaged' })],
];
const ENTITIES: [string, string][] = [
  ['sku', 'tt-A'], ['sku', 'tt-B'], ['order', 'tt-o1'], ['order', 'tt-o2'], ['order', 'tt-o3'], ['order', 'tt-o4'],
  ['user', 'tt-u1'], ['user', 'tt-u2'], ['user', 'tt-u3'],
];

/** The driver's answer at `at`: every event up to it, its clock moved there; the state as the API shows it. */
function expectedAt(at: number): Map<string, unknown> {
  const driver = createTestDriver(ACTORS, { recordHistory: false });
  driver.pipe(STEPS.flat().filter((e) => e.ts <= at).sort((a, b) => a.ts - b.ts));
  driver.advanceTime(at);
  return viewsOf(driver);
}

/** The driver's answer right after `last`: the events before it in event time (posting order among equal times) and it. */
function expectedThrough(last: DomainEvent): Map<string, unknown> {
  const ordered = STEPS.flat().sort((a, b) => a.ts - b.ts);
  const driver = createTestDriver(ACTORS, { recordHistory: false });
  driver.pipe(ordered.slice(0, ordered.indexOf(last) + 1));
  return viewsOf(driver);
}

function viewsOf(driver: ReturnType<typeof createTestDriver>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [type, key] of ENTITIES) {
    const actor = ACTORS.find((a) => a.type === type)!;
    const state = driver.state(type, key);
    if (state !== undefined) out.set(`${type}/${key}`, actor.view ? actor.view(state) : state);
  }
  return out;
}

describe('GET /v1/entities/:type/:key/history?at= on the embedded default', () => {
  let instance: Instance;
  beforeAll(async () => {
    instance = await startEmbeddedInstance('tt', { processor: { partitions: 1, checkpointIntervalMs: 100, historyActors: ['sku', 'order', 'user'] } });
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
  });

  const get = async (path: string) => {
    const res = await fetch(`${instance.url}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('the state at every time of the script equals the driver’s, for every entity', async () => {
    for (const [i, step] of STEPS.entries()) {
      const res = await fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(step) });
      expect(res.status).toBe(202);
      const want = expectedAt(Math.max(...step.map((e) => e.ts)));
      await eventually(async () => {
        for (const [key, state] of want) {
          const live = await get(`/v1/entities/${key}`);
          if (canonical(live.body.state) !== canonical(state)) return undefined;
        }
        return true;
      }, 15_000, `step ${i + 1} applied live as the driver applies it`);
    }
    // Live states are committed by the next checkpoint: history answers from what Postgres holds.
    await new Promise((r) => setTimeout(r, 500));

    const times = [...new Set(STEPS.flat().flatMap((e) => [e.ts - 1, e.ts, e.ts + 1]))].sort((a, b) => a - b);
    // And the payment timeouts of o2 and o3 (15 minutes after their orders), on either side.
    times.push(t0 + 25_000 + 15 * 60_000 - 1, t0 + 25_000 + 15 * 60_000, t0 + 30_000 + 15 * 60_000, t0 + 22 * 60_000);
    let compared = 0;
    for (const at of times) {
      const want = expectedAt(at);
      for (const [type, key] of ENTITIES) {
        const r = await get(`/v1/entities/${type}/${key}/history?at=${at}`);
        const expected = want.get(`${type}/${key}`);
        if (expected === undefined) {
          expect({ type, key, at: at - t0, status: r.status }).toEqual({ type, key, at: at - t0, status: 404 });
          continue;
        }
        expect({ type, key, at: at - t0, status: r.status, state: canonical(r.body.state) }).toEqual({ type, key, at: at - t0, status: 200, state: canonical(expected) });
        compared++;
      }
    }
    // Nearly half the answers are states (195 of 369), not 404s: the comparison is not vacuous.
    expect(compared).toBeGreaterThan(times.length * 4);
  }, 90_000);

  test('at=offset:N: right after each SKU source record, the driver’s state through that event; past the end a 404', async () => {
    // One partition: inventory_events offsets follow the order the script posted them in.
    const inventory = STEPS.flat().filter((e) => ['stock_received', 'reorder_point_set', 'stock_adjusted'].includes(e.type));
    for (const [offset, e] of inventory.entries()) {
      // No message to a SKU shares a time with a SKU event here; the last step's two tt-A events
      // do share one (and a checkpoint, whose snapshot holds both): by offset they are two states.
      const want = expectedThrough(e);
      for (const key of ['tt-A', 'tt-B']) {
        const r = await get(`/v1/entities/sku/${key}/history?at=offset:${offset}`);
        const expected = want.get(`sku/${key}`);
        if (expected === undefined) {
          expect({ key, offset, status: r.status }).toEqual({ key, offset, status: 404 });
          continue;
        }
        expect({ key, offset, status: r.status, at: r.body.at, through: r.body.through, state: canonical(r.body.state) }).toEqual({
          key, offset, status: 200, at: new Date(e.ts).toISOString(), through: { topic: 'inventory_events', partition: 0, offset }, state: canonical(expected),
        });
      }
    }
    const beyond = await get(`/v1/entities/sku/tt-A/history?at=offset:${inventory.length + 100}`);
    expect(beyond.status).toBe(404);
    expect(beyond.body.error).toContain(`no record at offset ${inventory.length + 100} of inventory_events partition 0`);
    // An order right after its own placement: not yet its reservations' answers (messages of that
    // time come after every source event of it), which the state at that time already has.
    const byOffset = await get('/v1/entities/order/tt-o1/history?at=offset:0');
    const byTime = await get(`/v1/entities/order/tt-o1/history?at=${t0 + 10_000}`);
    expect(byOffset.status).toBe(200);
    expect(byOffset.body.at).toBe(byTime.body.at);
    expect(canonical(byOffset.body.state)).not.toBe(canonical(byTime.body.state));
  });

  test('an unparseable time is a 400; a type without history or an unknown key a 404', async () => {
    expect((await get('/v1/entities/sku/tt-A/history?at=yesterday')).status).toBe(400);
    expect((await get('/v1/entities/sku/tt-A/history')).status).toBe(400);
    expect((await get(`/v1/entities/sku/tt-never/history?at=${t0}`)).status).toBe(404);
  });
});
