import { describe, expect, test } from 'bun:test';
import { ConfigError, DEFAULT_CURRENCY, EVENT_TYPES, decodeEvent, keyOf, parseEvent, topicOf } from '../schemas/index.ts';
import { createGenerator, generateEvents } from './generator.ts';
import { toKafkaRecord } from './records.ts';

const sample = generateEvents({ seed: 7, count: 60_000, minPerPattern: 1 });

describe('createGenerator', () => {
  test('the same seed yields the identical stream; another seed a different one', () => {
    const again = generateEvents({ seed: 7, count: 60_000, minPerPattern: 1 });
    expect(JSON.stringify(again.events)).toBe(JSON.stringify(sample.events));
    expect(again.groundTruth).toEqual(sample.groundTruth);
    const other = generateEvents({ seed: 8, count: 5_000 });
    expect(JSON.stringify(other.events)).not.toBe(JSON.stringify(sample.events.slice(0, 5_000)));
  });

  test('every event passes decodeEvent under its own key, and parseEvent as JSON on its topic', () => {
    for (const event of sample.events) {
      const decoded = decodeEvent(event, keyOf(event));
      if (!decoded.ok) throw new Error(`${event.id} ${event.type}: ${decoded.error.message}`);
      const record = toKafkaRecord(event);
      expect(record.topic).toBe(topicOf(event.type));
      expect(parseEvent(record.value, record.key).ok).toBe(true);
    }
  });

  test('event time never goes backwards and ids are unique, deterministic and well-formed', () => {
    let last = -Infinity;
    const ids = new Set<string>();
    sample.events.forEach((e, i) => {
      expect(e.ts).toBeGreaterThanOrEqual(last);
      last = e.ts;
      expect(e.id).toBe(`e-7-${i}`);
      ids.add(e.id);
    });
    expect(ids.size).toBe(sample.events.length);
    const d = (t: string) => sample.events.find((e) => e.type === t)!.data as Record<string, string>;
    expect(d('login_succeeded').userId).toMatch(/^u-\d{6}$/);
    expect(d('order_placed').orderId).toMatch(/^o-7-\d{7}$/);
    expect(d('stock_received').sku).toMatch(/^sku-\d{4}$/);
  });

  test('the stream starts at startTs and runs at about eventsPerSecond of event time', () => {
    const { events } = generateEvents({ seed: 3, count: 50_000, eventsPerSecond: 100, startTs: 1_000_000 });
    expect(events[0]!.ts).toBe(1_000_000);
    const seconds = (events.at(-1)!.ts - events[0]!.ts) / 1000;
    expect(seconds).toBeGreaterThan(450);
    expect(seconds).toBeLessThanOrEqual(500);
  });

  test('opens with a stock count of every SKU: received before its reorder point is set', () => {
    const { events } = generateEvents({ seed: 1, skus: 20, count: 40 });
    for (let i = 0; i < 20; i++) {
      expect(events[2 * i]!.type).toBe('stock_received');
      expect(events[2 * i + 1]!.type).toBe('reorder_point_set');
    }
  });

  test('emits every event type, and about legacyOrderRate of order_placed as v1 that upcasts to USD', () => {
    const { events } = generateEvents({ seed: 2, count: 400_000, eventsPerSecond: 3, legacyOrderRate: 0.05 });
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
    const orders = events.filter((e) => e.type === 'order_placed');
    const legacy = orders.filter((e) => e.v === 1);
    expect(legacy.length / orders.length).toBeGreaterThan(0.035);
    expect(legacy.length / orders.length).toBeLessThan(0.065);
    for (const e of legacy) {
      expect('currency' in e.data).toBe(false);
      const decoded = decodeEvent(e);
      expect(decoded.ok && decoded.event.type === 'order_placed' && decoded.event.data.currency).toBe(DEFAULT_CURRENCY);
    }
  });

  test('stops after count; the iterator and next() agree; stats add up', () => {
    const gen = createGenerator({ seed: 4, count: 1_234 });
    let n = 0;
    for (const _ of gen) n++;
    expect(n).toBe(1_234);
    expect(gen.next()).toBeUndefined();
    const stats = gen.stats();
    expect(stats.events).toBe(1_234);
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    expect(sum(stats.byType)).toBe(1_234);
    expect(sum(stats.byTopic)).toBe(1_234);
  });

  test('a generator without count keeps going', () => {
    const gen = createGenerator({ seed: 4 });
    for (let i = 0; i < 100_000; i++) expect(gen.next()).toBeDefined();
  });

  test('rejects bad options with a ConfigError naming the field', () => {
    expect(() => createGenerator({ users: 0 })).toThrow(ConfigError);
    expect(() => createGenerator({ users: 0 })).toThrow(/\/users/);
    expect(() => createGenerator({ eventsPerSecond: 0 })).toThrow(/\/eventsPerSecond/);
    expect(() => createGenerator({ seed: 1.5 })).toThrow(/\/seed/);
    expect(() => createGenerator({ fraudrate: 3 } as never)).toThrow(/fraudrate/);
  });

  test('recordGroundTruth: false keeps no expected alerts but emits the same stream and counts them the same', () => {
    const opts = { seed: 9, count: 30_000, minPerPattern: 1, fraudRate: 50 };
    const kept = createGenerator(opts);
    const dropped = createGenerator({ ...opts, recordGroundTruth: false });
    for (let e = kept.next(); e !== undefined; e = kept.next()) expect(dropped.next()).toEqual(e);
    expect(dropped.next()).toBeUndefined();
    expect(kept.groundTruth().length).toBeGreaterThan(0);
    expect(dropped.groundTruth()).toEqual([]);
    expect(dropped.stats()).toEqual(kept.stats());
    const perPattern: Record<string, number> = {};
    for (const t of kept.groundTruth()) perPattern[t.pattern] = (perPattern[t.pattern] ?? 0) + 1;
    expect(Object.fromEntries(Object.entries(kept.stats().expectedAlerts).filter(([, n]) => n > 0))).toEqual(perPattern);
  });
});
