import { describe, expect, test } from 'bun:test';
import type { ActorDefinition } from '../../actors/actor.ts';
import { orderActor } from '../../actors/order.ts';
import { skuActor } from '../../actors/sku.ts';
import { unpackBatch, packBatch } from './record-batch.ts';
import { DLQ_HEADERS, type SourceRecord } from './records.ts';
import { RECENT_IDS_PER_ENTITY } from './recent-ids.ts';
import { createShard, type Shard } from './shard.ts';
import { unheld } from '../../actors/unheld.ts';

/** The order actor alone: no SKU shard answers its reserves here, so it is not held while awaiting them (actors/unheld.ts). */
const orderAlone = unheld(orderActor);

/** Records a hostile or careless producer can put on a source topic, and what the shard must do (issue 18). */
const APP = 'shop';
const NOW = 1_800_000_000_000;
let offset = 0;

function record(topic: string, key: string, body: unknown, timestamp: number | undefined = NOW): SourceRecord {
  const r: SourceRecord = { topic, partition: 0, offset: offset++, key, value: JSON.stringify(body), headers: {} };
  if (timestamp !== undefined) r.timestamp = timestamp;
  return r;
}
const stock = (id: string, sku: string, qty: number, ts = NOW - 1000, timestamp?: number) =>
  record('inventory_events', sku, { id, type: 'stock_received', v: 1, ts, data: { sku, qty } }, timestamp);
const placed = (id: string, orderId: string, ts: number, timestamp = ts) =>
  record('transaction_events', orderId, { id, type: 'order_placed', v: 2, ts, data: { orderId, userId: 'u-1', items: [{ sku: 'A', qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' } }, timestamp);
const cancelled = (id: string, orderId: string, ts: number, timestamp: number) =>
  record('transaction_events', orderId, { id, type: 'order_cancelled', v: 1, ts, data: { orderId, reason: 'x' } }, timestamp);

function state(shard: Shard, key: string): Record<string, unknown> {
  const q = shard.query(key);
  if (!q || q === 'passivated') throw new Error(`${key} not in memory`);
  return q.state as Record<string, unknown>;
}

function deadLetters(shard: Shard) {
  return shard.takeDelta().outbox.filter((m) => m.headers?.[DLQ_HEADERS.code]);
}

describe('shard: retried events', () => {
  test('the same event id for the same entity is applied once; the retry counts as a duplicate', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    for (let i = 0; i < 5; i++) shard.apply([stock('e-1', 'A', 7)]);
    expect(state(shard, 'A').onHand).toBe(7);
    expect(shard.counters.duplicatesDropped).toBe(4);
    expect(shard.counters.applied).toBe(1);
  });

  test('the same id for another entity is a different event', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.apply([stock('e-1', 'A', 7), stock('e-1', 'B', 3)]);
    expect([state(shard, 'A').onHand, state(shard, 'B').onHand]).toEqual([7, 3]);
  });

  test(`the window is the entity's last ${RECENT_IDS_PER_ENTITY} events, and it survives a checkpoint and restore`, () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    const ids = Array.from({ length: RECENT_IDS_PER_ENTITY + 1 }, (_, i) => `e-${i}`);
    shard.apply(ids.map((id) => stock(id, 'A', 1)));
    const delta = shard.takeDelta();
    expect(delta.states[0]!.recentIds).toBe(ids.slice(1).join('\n'));
    const restored = createShard({
      actor: skuActor, partition: 0, app: APP,
      restore: { states: delta.states.map((s) => ({ ...s, state: s.state })), offsets: new Map(), inboxPositions: new Map(), timers: [] },
    });
    restored.apply([stock(ids.at(-1)!, 'A', 1), stock(ids[0]!, 'A', 1)]);
    // the newest id is still in the window (dropped); the oldest fell out of it (applied again)
    expect(state(restored, 'A').onHand).toBe(RECENT_IDS_PER_ENTITY + 2);
    expect(restored.counters.duplicatesDropped).toBe(1);
  });
});

describe('shard: event time', () => {
  test('an event more than the skew ahead of its record timestamp goes to the DLQ as FUTURE_TIMESTAMP', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP, maxFutureMs: 60_000 });
    shard.apply([stock('e-ok', 'A', 1, NOW + 60_000, NOW), stock('e-far', 'A', 1, 8.64e15, NOW)]);
    expect(state(shard, 'A').onHand).toBe(1);
    const [dl] = deadLetters(shard);
    expect(dl!.headers![DLQ_HEADERS.code]).toBe('FUTURE_TIMESTAMP');
    expect(dl!.topic).toBe('inventory_events.dlq');
  });

  test('an event stamped ahead of its record (within the skew) does not fire other entities\' timers past the record time', () => {
    const minute = 60_000;
    const shard = createShard({ actor: orderAlone, partition: 0, app: APP });
    shard.apply([placed('e-1', 'o-1', NOW)]); // payment timeout due NOW + 15 min
    // Appended at NOW + 1 min, claiming NOW + 16 min (the default skew allows 5 min; this claims 15):
    // refused as FUTURE_TIMESTAMP, so nothing expires.
    shard.apply([cancelled('e-2', 'o-2', NOW + 16 * minute, NOW + minute)]);
    expect(state(shard, 'o-1').status).toBe('placed');
    // Appended at NOW + 14 min claiming NOW + 16 min (within the skew): accepted, but timers only
    // move to the record's time, so o-1 (due at +15) is still not expired.
    shard.apply([cancelled('e-3', 'o-3', NOW + 16 * minute, NOW + 14 * minute)]);
    expect(state(shard, 'o-1').status).toBe('placed');
    // A record appended after the due time expires it, as event time says.
    shard.apply([cancelled('e-4', 'o-4', NOW + 16 * minute, NOW + 16 * minute)]);
    expect(state(shard, 'o-1').status).toBe('expired');
  });
});

describe('shard: undecodable bytes', () => {
  test('a value that is not UTF-8 is dead-lettered as INVALID_UTF8 with its original bytes, base64-encoded', () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const [r] = unpackBatch(packBatch('inventory_events', 0, [{ offset: '0', key: new TextEncoder().encode('A'), value: bytes, timestamp: String(NOW) }]));
    expect(r!.timestamp).toBe(NOW);
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.apply([r!]);
    const [dl] = deadLetters(shard);
    expect(dl!.headers![DLQ_HEADERS.code]).toBe('INVALID_UTF8');
    expect(dl!.headers![DLQ_HEADERS.valueEncoding]).toBe('base64');
    expect([...Buffer.from(dl!.value, 'base64')]).toEqual([...bytes]);
  });

  test('a dead letter whose value holds U+0000 is stored as base64 and its headers are cleaned', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    const r = record('inventory_events', 'A', 'x');
    r.value = '{"id":"e\u0000"}';
    r.headers = { 'x-note': 'a\u0000b', 'bad\u0000name': 'v' };
    shard.apply([r]);
    const [dl] = deadLetters(shard);
    expect(Buffer.from(dl!.value, 'base64').toString('utf8')).toBe('{"id":"e\u0000"}');
    expect(dl!.headers!['x-note']).toBe('a\\u0000b');
    expect(Object.keys(dl!.headers!).some((h) => h.includes('\u0000'))).toBe(false);
    expect(dl!.headers![DLQ_HEADERS.reason]!.includes('\u0000')).toBe(false);
  });
});

describe('shard: hostile inbox records and headers (review findings)', () => {
  const inbox = (headers: Record<string, string>, key: string, msg: unknown, from = { type: 'order', key: 'o-1' }): SourceRecord => ({
    topic: `${APP}.sku.inbox`, partition: 0, offset: offset++, key, headers,
    value: JSON.stringify({ from, msg }),
  });
  const reserve = { type: 'reserve', orderId: 'o-1', line: 0, qty: 1, cause: 'e-x', ts: NOW - 500 };

  test('an origin that is not a shard id, a key that is not an entity key, or a message with U+0000 is dead-lettered, and no position is stored for it', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.apply([
      inbox({ 'x-origin': 'order/0\u0000', 'x-seq': '1' }, 'A', reserve),
      inbox({ 'x-origin': 'x'.repeat(5000), 'x-seq': '1' }, 'A', reserve),
      inbox({ 'x-origin': 'order/0', 'x-seq': '1' }, 'A\u0000', reserve),
      inbox({ 'x-origin': 'order/0', 'x-seq': '2' }, 'A', { ...reserve, orderId: 'o\u0000' }),
    ]);
    const delta = shard.takeDelta();
    expect(delta.outbox.map((m) => m.headers?.[DLQ_HEADERS.code])).toEqual(['INVALID_ENVELOPE', 'INVALID_ENVELOPE', 'INVALID_DATA', 'INVALID_DATA']);
    expect(delta.inboxPositions).toEqual([{ origin: 'order/0', lastSeq: 2 }]);
    expect(delta.states).toEqual([]);
  });

  // A fraction or a time past the Date range was applied, then refused by the checkpoint's bigint
  // columns (a parked input's time, a history snapshot's) where isolation cannot pin it.
  test('a message whose ts is not whole epoch milliseconds is dead-lettered as INVALID_DATA, naming ts', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.apply([
      inbox({ 'x-origin': 'order/0', 'x-seq': '1' }, 'A', { ...reserve, ts: NOW + 0.5 }),
      inbox({ 'x-origin': 'order/0', 'x-seq': '2' }, 'A', { ...reserve, ts: 1e300 }),
      inbox({ 'x-origin': 'order/0', 'x-seq': '3' }, 'A', { ...reserve, ts: String(NOW) }),
    ]);
    const delta = shard.takeDelta();
    expect(delta.outbox.map((m) => [m.headers?.[DLQ_HEADERS.code], m.headers?.[DLQ_HEADERS.reason]])).toEqual(
      Array(3).fill(['INVALID_DATA', 'inbox value lacks key, msg or msg.ts (epoch milliseconds, a whole number)']),
    );
    expect(delta.states).toEqual([]);
  });

  test('a message whose sender is not an entity of its origin shard\'s type, or of no type the deployment runs, is dead-lettered (its answer could go nowhere)', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP, actorTypes: ['sku', 'order', 'user'] });
    shard.apply([
      inbox({ 'x-origin': 'order/0', 'x-seq': '1' }, 'A', reserve, { type: 'user', key: 'u-1' }),
      inbox({ 'x-origin': 'bogus/0', 'x-seq': '1' }, 'A', reserve, { type: 'bogus', key: 'b-1' }),
      inbox({ 'x-origin': 'order/0', 'x-seq': '2' }, 'A', reserve, { type: 'order', key: 'o 1' }),
      inbox({ 'x-origin': 'order/0', 'x-seq': '3' }, 'A', reserve),
    ]);
    const delta = shard.takeDelta();
    const rows = delta.outbox.filter((m) => m.topic !== 'alerts'); // the granted-or-not reserve may also alert
    expect(rows.map((m) => m.headers?.[DLQ_HEADERS.code] ?? `reply to ${m.topic} ${m.key}`)).toEqual(['INVALID_ENVELOPE', 'INVALID_ENVELOPE', 'INVALID_ENVELOPE', `reply to ${APP}.order.inbox o-1`]);
  });

  test('an actor sending to a type the deployment does not run is quarantined with the reason; nothing of that input leaves the shard', () => {
    const stray: ActorDefinition<{ n: number }> = {
      type: 'sku', sourceTopic: 'inventory_events', eventTypes: ['stock_received'], stateVersion: 1,
      initial: () => ({ n: 0 }),
      migrate: (s) => s as { n: number },
      handle: (s, input, ctx) => ({
        state: { n: s.n + 1 },
        effects: ctx.key === 'lost' ? [{ kind: 'send', to: { type: 'nowhere' as never, key: 'x' }, msg: { type: 'reserve', ts: 1_000 } as never }] : [],
      }),
    };
    const shard = createShard({ actor: stray, partition: 0, app: APP, actorTypes: ['sku', 'order', 'user'] });
    const stock = (key: string): SourceRecord => ({ topic: 'inventory_events', partition: 0, offset: offset++, key, headers: {}, value: JSON.stringify({ id: `e-${key}`, type: 'stock_received', v: 1, ts: NOW - 1000, data: { sku: key, qty: 1 } }) });
    shard.apply([stock('lost'), stock('fine')]);
    expect(shard.query('lost')).toEqual({ state: { n: 0 }, quarantine: "Error: sent a message to actor type 'nowhere', which this deployment does not run" });
    expect(shard.query('fine')).toEqual({ state: { n: 1 }, quarantine: null });
    const delta = shard.takeDelta();
    expect(delta.outbox.map((m) => m.headers?.[DLQ_HEADERS.code] ?? m.topic)).toEqual(['HANDLER_ERROR']);
    expect(delta.parked?.map((p) => [p.key, p.code])).toEqual([['lost', 'HANDLER_ERROR']]);
  });

  test('only a well-formed traceparent is carried into what an input causes', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    const good = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    shard.apply([
      { ...inbox({ 'x-origin': 'order/0', 'x-seq': '1', traceparent: 'x\u0000' }, 'A', reserve) },
      { ...inbox({ 'x-origin': 'order/0', 'x-seq': '2', traceparent: good }, 'B', { ...reserve, orderId: 'o-2' }, { type: 'order', key: 'o-2' }) },
    ]);
    const rows = shard.takeDelta().outbox;
    expect(rows.find((m) => m.key === 'o-1')!.headers).toBeUndefined();
    expect(rows.find((m) => m.key === 'o-2')!.headers).toEqual({ traceparent: good });
  });

  test('a retry whose ts the client re-stamped is still the same event', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    shard.apply([stock('e-1', 'A', 7, NOW - 5000), stock('e-1', 'A', 7, NOW - 1000)]);
    expect(state(shard, 'A').onHand).toBe(7);
  });

  test('a dead letter\'s key and headers are bounded and a cut never splits a surrogate pair', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    const r = record('inventory_events', `${'k'.repeat(2000)}😀`, 'not json');
    r.headers = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`h${i}`, `${'v'.repeat(1023)}😀`]));
    shard.apply([r]);
    const [dl] = deadLetters(shard);
    expect(dl!.key.length).toBe(1024);
    expect(dl!.headers![DLQ_HEADERS.originalKeyLength]).toBe('2002');
    expect(Object.keys(dl!.headers!).filter((h) => /^h\d+$/.test(h))).toHaveLength(32);
    for (const v of [dl!.key, ...Object.values(dl!.headers!)]) expect(v.isWellFormed()).toBe(true);
  });
});

describe('shard: dead-letter counts', () => {
  test('a delta counts its dead letters per source topic and code, as many as its DLQ rows, and the next delta starts from none', () => {
    const shard = createShard({ actor: skuActor, partition: 0, app: APP });
    const notJson: SourceRecord = { topic: 'inventory_events', partition: 0, offset: offset++, key: 'A', value: '{', headers: {} };
    shard.apply([notJson, { ...notJson, offset: offset++ }, stock('e-1', 'A', 1), record('inventory_events', 'A', { id: 'e-2', type: 'page_view', v: 1, ts: NOW - 1, data: {} })]);
    const delta = shard.takeDelta();
    const rows = delta.outbox.filter((m) => m.headers?.[DLQ_HEADERS.code]);
    expect(delta.deadLetters?.reduce((n, c) => n + c.count, 0)).toBe(rows.length);
    expect(delta.deadLetters?.find((c) => c.code === 'INVALID_JSON')).toEqual({ topic: 'inventory_events', code: 'INVALID_JSON', count: 2 });
    shard.apply([stock('e-3', 'A', 1)]);
    expect(shard.takeDelta().deadLetters).toBeUndefined();
  });
});
