import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ActorDefinition } from '../actors/actor.ts';
import { orderActor } from '../actors/order.ts';
import { skuActor } from '../actors/sku.ts';
import { userActor } from '../actors/user.ts';
import { skuAffinity } from '../actors/recommendations/sku-affinity.ts';
import { startProcessor } from '../engine/processor.ts';
import { DLQ_HEADERS } from '../engine/shard/records.ts';
import { dlqTopicOf } from '../schemas/index.ts';
import { embeddedBackend, generated, realBackend, type HostileBackend } from './support/hostile-backend.ts';
import { alertComparison, closingEvents, committed, foldWithDriver, stateDiffs } from './support/oracle.ts';

/**
 * Issue 18, the engine's half: hostile records on the source topics (as a producer that bypasses
 * the HTTP API would write them), retried events, and a value only Postgres refuses. The partition
 * must keep flowing, the hostile records land in the DLQ with their reason, and every other
 * entity must equal the independent oracle (the pure driver folding the generated events alone).
 * Runs on a real broker + Postgres and on the embedded default. The HTTP half is in
 * tests/hostile-input-http.test.ts.
 */
const PARTITIONS = 3;
const POISON = 'sku-poison';
const RETRIED = 'sku-retry';
const PAST = 1_700_000_000_000;

/** The SKU actor, except that one entity's state picks up a U+0000 after its second event: valid in JavaScript, refused by Postgres. */
const poisonedSku: ActorDefinition<any> = {
  ...skuActor,
  handle(state, input, ctx) {
    const t = skuActor.handle(state, input, ctx);
    if (ctx.key === POISON && input.kind === 'event' && input.event.id === 'e-poison-2') return { ...t, state: { ...t.state, note: 'only Postgres refuses this: \u0000' } };
    return t;
  },
};

const stock = (id: string, sku: string, qty: number, ts = PAST) => JSON.stringify({ id, type: 'stock_received', v: 1, ts, data: { sku, qty } });

for (const make of [realBackend, embeddedBackend]) {
  describe(`hostile records on ${make === realBackend ? 'a real broker + Postgres' : 'the embedded default'}`, () => {
    let be: HostileBackend;
    beforeAll(async () => {
      be = await make();
    });
    afterAll(async () => {
      await be?.close();
    });

    test('a value only Postgres refuses, poison records and retries: the partition flows, nothing is lost or doubled, the rest equals the oracle', async () => {
      const events = generated(31, 8000);
      const all = [...events, ...closingEvents(events, PARTITIONS)];
      const half = Math.floor(events.length / 2);
      const lines: string[] = [];
      await be.produce(all.slice(0, half));
      await be.produceRaw([
        // Finding 1: ids Postgres cannot store (jsonb refuses \u0000 and lone surrogates), a newline that would break SSE
        { topic: 'inventory_events', key: 'sku-h1', value: stock('e\u0000nul', 'sku-h1', 1) },
        { topic: 'inventory_events', key: 'sku-h1', value: stock('e\ud800', 'sku-h1', 1) },
        { topic: 'inventory_events', key: 'sku-h1', value: stock('e\nnewline', 'sku-h1', 1) },
        { topic: 'inventory_events', key: 'sku-h1', value: `{"id":"raw NUL byte\u0000` },
        { topic: 'inventory_events', key: 'sku-h1', value: new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]) },
        // Finding 3: an event from the year 275760 must not fire every timer of its partition
        { topic: 'transaction_events', key: 'o-future', value: JSON.stringify({ id: 'e-future', type: 'order_cancelled', v: 1, ts: 8.64e15, data: { orderId: 'o-future', reason: 'x' } }) },
        // Finding 5: one event re-sent five times
        ...Array.from({ length: 5 }, () => ({ topic: 'inventory_events' as const, key: RETRIED, value: stock('e-retry', RETRIED, 7) })),
        // Defence in depth: an entity whose state only Postgres refuses
        { topic: 'inventory_events', key: POISON, value: stock('e-poison-1', POISON, 5) },
        { topic: 'inventory_events', key: POISON, value: stock('e-poison-2', POISON, 7) },
        { topic: 'inventory_events', key: POISON, value: stock('e-poison-3', POISON, 11) },
      ]);
      const proc = await startProcessor({ ...be.options('proc-a', [poisonedSku, orderActor, userActor, skuAffinity]), log: (l) => lines.push(l) });
      try {
        await be.settled();
        // The shard of the poisoned entity still takes input: later events, for it and for others, are all consumed.
        await be.produce(all.slice(half));
        await be.produceRaw([{ topic: 'inventory_events', key: POISON, value: stock('e-poison-4', POISON, 13) }]);
        await be.settled();
      } finally {
        await proc.stop();
      }

      const refusals = lines.filter((l) => l.includes('refused by Postgres'));
      expect(refusals).toHaveLength(1); // isolated once, never a retry loop
      expect(refusals[0]).toContain(POISON);

      // Everything else is exactly-once: equal to the oracle, which never saw a hostile record.
      const actual = await committed(be.sql);
      const poisonRow = actual.states.get('sku')!.get(POISON) as { onHand: number };
      const retried = actual.states.get('sku')!.get(RETRIED) as { onHand: number };
      actual.states.get('sku')!.delete(POISON);
      actual.states.get('sku')!.delete(RETRIED);
      const expected = foldWithDriver(all);
      const diffs = stateDiffs(actual, expected);
      expect({ sku: diffs.sku!.length, order: diffs.order!.length, user: diffs.user!.length, sku_affinity: diffs.sku_affinity!.length }).toEqual({ sku: 0, order: 0, user: 0, sku_affinity: 0 });
      const alerts = alertComparison(actual, expected);
      expect({ exactDiff: alerts.exactDiff, unexpectedFraud: alerts.unexpectedFraud, duplicates: alerts.duplicates }).toEqual({ exactDiff: [], unexpectedFraud: [], duplicates: 0 });

      expect(retried.onHand).toBe(7);

      const inventoryDlq = await be.readAll(dlqTopicOf(be.topics.source.inventory_events));
      const codes = (key: string) => inventoryDlq.filter((r) => r.key === key).map((r) => r.headers[DLQ_HEADERS.code]).sort();
      expect(codes('sku-h1')).toEqual(['INVALID_ENVELOPE', 'INVALID_ENVELOPE', 'INVALID_ENVELOPE', 'INVALID_JSON', 'INVALID_UTF8']);
      const rawNul = inventoryDlq.find((r) => r.headers[DLQ_HEADERS.code] === 'INVALID_JSON')!;
      expect(rawNul.headers[DLQ_HEADERS.valueEncoding]).toBe('base64');
      expect(Buffer.from(rawNul.value, 'base64').toString()).toBe('{"id":"raw NUL byte\u0000');
      const badUtf8 = inventoryDlq.find((r) => r.headers[DLQ_HEADERS.code] === 'INVALID_UTF8')!;
      expect([...Buffer.from(badUtf8.value, 'base64')]).toEqual([0x7b, 0xc3, 0x28, 0x7d]);

      const transactionDlq = await be.readAll(dlqTopicOf(be.topics.source.transaction_events));
      expect(transactionDlq.filter((r) => r.key === 'o-future').map((r) => r.headers[DLQ_HEADERS.code])).toEqual(['FUTURE_TIMESTAMP']);

      // The poisoned entity: quarantined at its last committed state; every one of its inputs is
      // either in that state or in the DLQ, exactly once.
      const [row] = await be.sql`select quarantine from actor_states where actor_type = 'sku' and key = ${POISON}`;
      expect(String(row!.quarantine)).toStartWith('UNSTORABLE: ');
      expect(String(row!.quarantine)).toContain('22P05');
      const dead = inventoryDlq.filter((r) => r.key === POISON);
      expect(dead.every((r) => ['UNSTORABLE', 'QUARANTINED'].includes(r.headers[DLQ_HEADERS.code]!))).toBe(true);
      const deadIds = dead.map((r) => (JSON.parse(r.value) as { id: string }).id);
      const appliedIds = poisonRow.onHand === 5 ? ['e-poison-1'] : [];
      expect(poisonRow.onHand === 0 || poisonRow.onHand === 5).toBe(true);
      expect([...appliedIds, ...deadIds].sort()).toEqual(['e-poison-1', 'e-poison-2', 'e-poison-3', 'e-poison-4']);
      expect(dead.find((r) => r.value.includes('e-poison-4'))!.headers[DLQ_HEADERS.code]).toBe('QUARANTINED');
    }, 300_000);
  });
}
