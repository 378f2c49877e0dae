import { describe, expect, test } from 'bun:test';
import { skuActor } from '../actors/sku.ts';
import { withoutUnstorable, refusedKeys } from './checkpoint-isolation.ts';
import { DLQ_HEADERS, type SourceRecord } from './shard/records.ts';
import type { Checkpoint } from '../store/index.ts';

const cp: Checkpoint = {
  shard: 'sku/0', epoch: 3,
  offsets: [{ topic: 'inventory_events', partition: 0, nextOffset: 10 }],
  states: [
    { actorType: 'sku', key: 'good', partition: 0, stateVersion: 2, state: { onHand: 1 } },
    { actorType: 'sku', key: 'bad', partition: 0, stateVersion: 2, state: { onHand: 2 } },
  ],
  outbox: [
    { topic: 'shop.order.inbox', key: 'o-1', value: 'g', from: 'good' },
    { topic: 'shop.order.inbox', key: 'o-2', value: 'b', from: 'bad' },
    { topic: 'inventory_events.dlq', key: 'x', value: 'poison', headers: { [DLQ_HEADERS.code]: 'INVALID_JSON', [DLQ_HEADERS.reason]: 'r', [DLQ_HEADERS.offset]: '4' } },
  ],
  alerts: [{ id: 'a-bad', type: 'low_stock', entityType: 'sku', entityKey: 'bad', severity: 'warning', ts: 1, detectedAt: 1, reasons: [], details: { summary: 's' } }],
  inboxPositions: [{ origin: 'order/1', lastSeq: 5 }],
  timersAdded: [{ actorType: 'sku', key: 'bad', dueAt: 1, seq: 1, timer: {} }],
  timersRemoved: [7],
  deadLetters: [{ topic: 'inventory_events', code: 'INVALID_JSON', count: 1 }],
};
const input: SourceRecord = { topic: 'inventory_events', partition: 0, offset: 8, key: 'bad', value: '{"id":"e-8"}', headers: {} };
const stocked: SourceRecord = { ...input, offset: 9, value: JSON.stringify({ id: 'e-9', type: 'stock_received', v: 1, ts: 5, data: { sku: 'bad', qty: 3 } }) };
const reserved: SourceRecord = {
  topic: 'shop.sku.inbox', partition: 0, offset: 2, key: 'bad', headers: {},
  value: JSON.stringify({ from: { type: 'order', key: 'o-1' }, msg: { type: 'reserve', orderId: 'o-1', line: 0, qty: 1, cause: 'e-o', ts: 6 } }),
};

describe('a checkpoint without the rows Postgres refused', () => {
  const found = [{ group: { entityKey: 'bad' }, error: '22P05 unsupported Unicode escape sequence' }, { group: { deadLetter: 2 }, error: '22021 bad' }];
  const out = withoutUnstorable(cp, found, [input], { actor: skuActor, partition: 0 });

  test('keeps every row of other entities, the offsets, positions and fired-timer removals', () => {
    expect(out.states.map((s) => s.key)).toEqual(['good']);
    expect(out.offsets).toEqual(cp.offsets);
    expect(out.inboxPositions).toEqual(cp.inboxPositions);
    expect(out.timersRemoved).toEqual([7]);
    expect(out.outbox[0]).toEqual(cp.outbox[0]!);
  });

  test('drops the refused entity\'s sends, alerts and new timers, and quarantines it with the reason and its initial state for a new row', () => {
    expect(out.outbox.some((m) => m.from === 'bad')).toBe(false);
    expect(out.alerts).toEqual([]);
    expect(out.timersAdded).toEqual([]);
    expect(out.quarantines).toEqual([
      { actorType: 'sku', key: 'bad', partition: 0, stateVersion: skuActor.stateVersion, initialState: skuActor.initial('bad'), reason: "UNSTORABLE: this entity's checkpoint cannot be stored: 22P05 unsupported Unicode escape sequence" },
    ]);
  });

  test('dead-letters the refused entity\'s inputs with code UNSTORABLE and its coordinates', () => {
    const dl = out.outbox.find((m) => m.headers?.[DLQ_HEADERS.code] === 'UNSTORABLE')!;
    expect(dl.topic).toBe('inventory_events.dlq');
    expect(dl.value).toBe('{"id":"e-8"}');
    expect(dl.headers![DLQ_HEADERS.offset]).toBe('8');
    expect(dl.headers![DLQ_HEADERS.reason]).toContain('22P05');
    // Counted for metrics beside the checkpoint's own dead letters.
    expect(out.deadLetters).toEqual([{ topic: 'inventory_events', code: 'INVALID_JSON', count: 1 }, { topic: 'inventory_events', code: 'UNSTORABLE', count: 1 }]);
  });

  test('parks the refused entity\'s inputs (events and messages) for its release; a record that no longer decodes stays in the DLQ only', () => {
    const parked = withoutUnstorable(cp, found, [input, stocked, reserved], { actor: skuActor, partition: 0 }).parked!;
    expect(parked.map((p) => [p.key, p.code, JSON.parse(p.input).kind, p.at, p.source])).toEqual([
      ['bad', 'UNSTORABLE', 'event', 5, { topic: 'inventory_events', partition: 0, offset: 9 }],
      ['bad', 'UNSTORABLE', 'message', 6, { topic: 'shop.sku.inbox', partition: 0, offset: 2 }],
    ]);
    expect(parked[0]!.reason).toContain('22P05');
  });

  test('replaces a refused dead letter by its coordinates and reason, value withheld', () => {
    const replaced = out.outbox[1]!;
    expect(replaced).toMatchObject({ topic: 'inventory_events.dlq', key: '', value: '' });
    expect(replaced.headers![DLQ_HEADERS.offset]).toBe('4');
    expect(replaced.headers![DLQ_HEADERS.reason]).toContain('value withheld');
  });

  test('an alert goes with the entity that raised it, not with the one it is about', () => {
    const about = (id: string, entityKey: string) => ({ ...cp.alerts[0]!, id, entityKey });
    const raised: Checkpoint = { ...cp, alerts: [about('bad-about-other', 'other'), about('good-about-bad', 'bad'), about('bad-about-bad', 'bad')], alertFrom: ['bad', 'good', 'bad'] };
    const kept = withoutUnstorable(raised, found, [], { actor: skuActor, partition: 0 });
    expect(kept.alerts.map((a) => a.id)).toEqual(['good-about-bad']);
    expect(kept.alertFrom).toEqual(['good']);
    expect(kept.quarantines!.map((q) => q.key)).toEqual(['bad']);
  });

  test('refusedKeys lists entities only', () => {
    expect(refusedKeys(found)).toEqual(['bad']);
  });
});
