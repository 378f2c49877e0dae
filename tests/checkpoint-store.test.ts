import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createCheckpointStore, isDataError, type Checkpoint, type CheckpointStore } from '../store/checkpoint-store.ts';
import { CommittedOutbox, migrate, openPool, readPendingOutbox, type Sql } from '../store/index.ts';
import { useMigratedDatabase } from './support/migrated-database.ts';
import { ShardFenced } from '../store/shard-fenced.ts';
import { ensureProcessedEventsTable } from '../store/processed-events.ts';
import { AGGREGATE_TABLES, SALES_MINUTE } from '../actors/analytics/tables.ts';
import type { AggregateTable } from '../actors/projection.ts';
import type { ParkedInput } from '../engine/shard/parked.ts';
import { ordersReadModel } from '../actors/analytics/order-analytics.ts';
import { skuStockReadModel } from '../actors/analytics/sku-analytics.ts';
import { userRiskReadModel } from '../actors/analytics/user-analytics.ts';
import type { Alert } from '../schemas/index.ts';

/**
 * The checkpoint store against a real Postgres: atomicity, fencing of a stale owner, idempotent
 * alerts. Each test uses its own shard names, so they share one migrated database.
 */
const db = useMigratedDatabase();
let sql: Sql;
let store: CheckpointStore;

beforeAll(() => {
  sql = db.sql;
  store = createCheckpointStore(sql);
});

test('a fresh database gets every migration, in order', () => {
  expect(db.applied).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

const alert = (id: string): Alert => ({
  id, type: 'low_stock', entityType: 'sku', entityKey: 'sku-1', severity: 'warning', ts: 1, detectedAt: 2,
  reasons: ['e-1'], details: { summary: 'available 3 fell below reorder point 5' },
});

function checkpoint(shard: string, epoch: number, n: number, extra: Partial<Checkpoint> = {}): Checkpoint {
  return {
    shard, epoch,
    offsets: [{ topic: 'inventory_events', partition: 0, nextOffset: n }],
    states: [{ actorType: 'sku', key: 'sku-1', partition: 0, stateVersion: 2, state: { onHand: n } }],
    outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [],
    ...extra,
  };
}

describe('checkpoint store', () => {
  test('migrations are idempotent', async () => {
    expect(await migrate(sql)).toEqual([]);
  });

  test('a commit lands states, offsets, outbox, alerts, inbox positions and timers together', async () => {
    const epoch = await store.acquire('sku/0', 'proc-a', 'http://127.0.0.1:1');
    expect(epoch).toBe(1);
    await store.commit(checkpoint('sku/0', epoch, 7, {
      outbox: [{ topic: 'app.order.inbox', key: 'o-1', value: '{"type":"reservation_result"}', headers: { seq: '1' } }],
      alerts: [alert('sku/sku-1/low_stock/e-1')],
      inboxPositions: [{ origin: 'order/3', lastSeq: 41 }],
      timersAdded: [{ actorType: 'order', key: 'o-1', dueAt: 900_000, seq: 1, timer: { type: 'payment_timeout', cause: 'e-9' } }],
    }));
    const snap = await store.load('sku/0', 'sku', 0);
    expect(snap.states.map(({ stateJson, ...s }) => ({ ...s, state: JSON.parse(stateJson) }))).toEqual([{ key: 'sku-1', stateVersion: 2, state: { onHand: 7 }, quarantine: null }]);
    expect([...snap.offsets]).toEqual([['inventory_events:0', 7]]);
    expect([...snap.inboxPositions]).toEqual([['order/3', 41]]);
    expect(snap.timers).toEqual([{ actorType: 'order', key: 'o-1', dueAt: 900_000, seq: 1, timer: { type: 'payment_timeout', cause: 'e-9' } }]);
    const [out] = await sql`select topic, key, value, headers from outbox where shard = 'sku/0'`;
    expect(out).toEqual({ topic: 'app.order.inbox', key: 'o-1', value: '{"type":"reservation_result"}', headers: { seq: '1' } });
  });

  test("a source partition's running maximum of event time lands with its offset; a checkpoint without one keeps it", async () => {
    const epoch = await store.acquire('sku/7', 'proc-a', 'http://127.0.0.1:1');
    const offsets = (n: number, eventTimeMax?: number): Checkpoint['offsets'] => [
      { topic: 'inventory_events', partition: 7, nextOffset: n, ...(eventTimeMax === undefined ? {} : { eventTimeMax }) },
      { topic: 'app.sku.inbox', partition: 7, nextOffset: n * 2 },
    ];
    expect((await store.load('sku/7', 'sku', 7)).eventTimes).toEqual(new Map());
    await store.commit(checkpoint('sku/7', epoch, 3, { offsets: offsets(3, 1_735_689_600_123) }));
    expect((await store.load('sku/7', 'sku', 7)).eventTimes).toEqual(new Map([['inventory_events:7', 1_735_689_600_123]]));
    await store.commit(checkpoint('sku/7', epoch, 4, { offsets: offsets(4) }));
    const snap = await store.load('sku/7', 'sku', 7);
    expect(snap.eventTimes).toEqual(new Map([['inventory_events:7', 1_735_689_600_123]])); // the inbox row has none
    expect(snap.offsets.get('inventory_events:7')).toBe(4);
  });

  test('a replayed alert is stored once', async () => {
    const epoch = await store.acquire('sku/1', 'proc-a');
    await store.commit(checkpoint('sku/1', epoch, 1, { alerts: [alert('sku/sku-9/low_stock/e-5')] }));
    await store.commit(checkpoint('sku/1', epoch, 2, { alerts: [alert('sku/sku-9/low_stock/e-5')] }));
    const [row] = await sql`select count(*)::int as n from alerts where id = 'sku/sku-9/low_stock/e-5'`;
    expect(row!.n).toBe(1);
  });

  test('the committed outbox rows of a group commit are kept by the seqs Postgres drew, each row its own; a fenced commit keeps none', async () => {
    const committed = new CommittedOutbox();
    const keeping = createCheckpointStore(sql, { committedOutbox: committed });
    const shards = ['order/co-1', 'order/co-2'];
    const epochs = await Promise.all(shards.map((s) => keeping.acquire(s, 'proc-a')));
    const outboxOf = (shard: string) => ['a', 'b', 'c'].map((v, i) => ({ topic: 'app.sku.inbox', key: `${shard}-${v}`, value: `{"n":${i},"from":"${shard}"}`, headers: i === 1 ? { traceparent: `tp-${shard}` } : undefined }));
    await keeping.commitGroup!(shards.map((shard, i) => ({ ...checkpoint(shard, epochs[i]!, 1, { states: [] }), offsets: [], outbox: outboxOf(shard) })));
    const stored = await sql`select shard, seq, topic, key, value, headers from outbox where shard = any(${shards}) order by seq`;
    expect(stored).toHaveLength(6);
    expect(committed.size).toBe(6);
    for (const r of stored) {
      expect(committed.get(r.shard as string, Number(r.seq))).toEqual({ shard: r.shard, seq: Number(r.seq), topic: r.topic, key: r.key, value: r.value, headers: r.headers });
    }
    // A commit fenced by a newer owner lands nothing, and nothing of it is kept.
    await keeping.acquire('order/co-1', 'proc-b');
    await expect(keeping.commit({ ...checkpoint('order/co-1', epochs[0]!, 2, { states: [] }), outbox: outboxOf('order/co-1') })).rejects.toBeInstanceOf(ShardFenced);
    expect(committed.size).toBe(6);
  });

  test('a pending row gone between the seqs and the read-back ends its shard\'s rows there, and the shard is read again', async () => {
    const committed = new CommittedOutbox();
    const keeping = createCheckpointStore(sql, { committedOutbox: committed });
    const shard = 'order/gone-1';
    const epoch = await store.acquire(shard, 'proc-a');
    // The second row was committed by a store that does not keep it (as an earlier incarnation's would be), the others by this one.
    await keeping.commit({ ...checkpoint(shard, epoch, 1, { states: [] }), offsets: [], outbox: [{ topic: 't', key: 'k', value: 'kept-0' }] });
    await store.commit({ ...checkpoint(shard, epoch, 2, { states: [] }), offsets: [], outbox: [{ topic: 't', key: 'k', value: 'earlier' }] });
    await keeping.commit({ ...checkpoint(shard, epoch, 3, { states: [] }), offsets: [], outbox: [{ topic: 't', key: 'k', value: 'kept-1' }, { topic: 't', key: 'k', value: 'kept-2' }] });
    // Another process publishes and deletes the earlier row between the two reads.
    const racing = ((strings: TemplateStringsArray, ...values: unknown[]) => {
      const text = strings.join('');
      if (!text.includes('value, headers from outbox where seq = any')) return (sql as any)(strings, ...values);
      return sql`delete from outbox where shard = ${shard} and value = 'earlier'`.then(() => (sql as any)(strings, ...values));
    }) as unknown as Sql;
    const raced = await readPendingOutbox(racing, [shard], 100, undefined, committed);
    // The row before the gone one goes out; nothing after it does, though their contents are in memory.
    expect(raced.rows.map((r) => r.value)).toEqual(['kept-0']);
    expect([...raced.filled]).toEqual([shard]);
    const again = await readPendingOutbox(sql, [shard], 100, new Map([[shard, raced.rows[0]!.seq]]), committed);
    expect(again.rows.map((r) => r.value)).toEqual(['kept-1', 'kept-2']);
    expect(again.filled.size).toBe(0);
  });

  test('a stale owner is fenced and none of its checkpoint lands', async () => {
    const zombieEpoch = await store.acquire('sku/2', 'proc-a');
    await store.commit(checkpoint('sku/2', zombieEpoch, 10));
    const newEpoch = await store.acquire('sku/2', 'proc-b');
    expect(newEpoch).toBe(zombieEpoch + 1);

    const stale = store.commit(checkpoint('sku/2', zombieEpoch, 99, {
      outbox: [{ topic: 't', key: 'k', value: 'stale' }],
      alerts: [alert('stale-alert')],
    }));
    await expect(stale).rejects.toBeInstanceOf(ShardFenced);
    expect(await stale.catch((e: ShardFenced) => ({ shard: e.shard, epoch: e.epoch, current: e.currentEpoch }))).toEqual({ shard: 'sku/2', epoch: zombieEpoch, current: newEpoch });

    const snap = await store.load('sku/2', 'sku', 0);
    expect([...snap.offsets]).toEqual([['inventory_events:0', 10]]);
    const [counts] = await sql`select
      (select count(*)::int from outbox where value = 'stale') as outbox,
      (select count(*)::int from alerts where id = 'stale-alert') as alerts`;
    expect(counts).toEqual({ outbox: 0, alerts: 0 });
    await store.commit(checkpoint('sku/2', newEpoch, 11));
    expect([...(await store.load('sku/2', 'sku', 0)).offsets]).toEqual([['inventory_events:0', 11]]);
  });

  test('a stale owner whose checkpoint Postgres would also refuse is told it is fenced, not given a data error', async () => {
    // The writes are pipelined behind the fence's row lock, so they run before the epoch is read;
    // a data error reported instead would make the stale owner quarantine entities it no longer owns.
    const zombieEpoch = await store.acquire('sku/3', 'proc-a');
    await store.acquire('sku/3', 'proc-b');
    const refused = checkpoint('sku/3', zombieEpoch, 5, { states: [{ actorType: 'sku', key: 'sku-nul', partition: 0, stateVersion: 2, state: { note: 'x\u0000y' } }] });
    const error = await store.commit(refused).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardFenced);
    expect(isDataError(error)).toBe(false);
    const [row] = await sql`select count(*)::int as n from actor_states where key = 'sku-nul'`;
    expect(row!.n).toBe(0);
  });

  test("a receiver's checkpoint deletes exactly the rows of other shards' outboxes it consumed in memory, and a fenced one deletes none", async () => {
    const origin = await store.acquire('order/21', 'proc-a');
    const rows = ['m1', 'm2', 'm3'].map((value) => ({ topic: 'app.sku.inbox', key: 'sku-21', value }));
    await store.commit(checkpoint('order/21', origin, 1, { states: [], outbox: rows }));
    const seqs = (await sql`select seq from outbox where shard = 'order/21' order by seq`).map((r) => Number(r.seq));
    expect(seqs).toHaveLength(3);
    const stale = await store.acquire('sku/21', 'proc-a');
    const receiver = await store.acquire('sku/21', 'proc-b');
    const consumed = [{ origin: 'order/21', seq: seqs[0]! }, { origin: 'order/21', seq: seqs[2]! }];
    await expect(store.commit(checkpoint('sku/21', stale, 1, { consumedOutbox: consumed }))).rejects.toBeInstanceOf(ShardFenced);
    expect((await sql`select value from outbox where shard = 'order/21' order by seq`).map((r) => r.value)).toEqual(['m1', 'm2', 'm3']);
    await store.commit(checkpoint('sku/21', receiver, 1, { consumedOutbox: consumed, inboxPositions: [{ origin: 'order/21', lastSeq: seqs[2]! }] }));
    expect((await sql`select value from outbox where shard = 'order/21' order by seq`).map((r) => r.value)).toEqual(['m2']);
  });

  test('statements are pipelined in order: a timer added and fired in one checkpoint ends removed', async () => {
    const epoch = await store.acquire('order/9', 'proc-a');
    await store.commit(checkpoint('order/9', epoch, 1, {
      timersAdded: [{ actorType: 'order', key: 'o-9', dueAt: 5, seq: 77, timer: { type: 'payment_timeout' } }],
      timersRemoved: [77],
    }));
    expect((await store.load('order/9', 'order', 0)).timers).toEqual([]);
  });

  // BEGIN, the fence, the writes and COMMIT go out together: a commit that failed half-way must
  // leave its connection out of any transaction, or the next commit on it would join the aborted
  // one.
  test('after a refused and a fenced commit, the next commit on the same connection lands', async () => {
    const one = openPool(db.url, { max: 1 });
    try {
      const s = createCheckpointStore(one);
      const stale = await s.acquire('sku/one-0', 'proc-a');
      const epoch = await s.acquire('sku/one-0', 'proc-b');
      await expect(s.commit(checkpoint('sku/one-0', stale, 1))).rejects.toBeInstanceOf(ShardFenced);
      const refused = checkpoint('sku/one-0', epoch, 2, { states: [{ actorType: 'sku', key: 'sku-one-nul', partition: 0, stateVersion: 2, state: { note: 'x\u0000y' } }] });
      expect(isDataError(await s.commit(refused).catch((e: unknown) => e))).toBe(true);
      await s.commit(checkpoint('sku/one-0', epoch, 3));
      expect([...(await s.load('sku/one-0', 'sku', 0)).offsets]).toEqual([['inventory_events:0', 3]]);
      // A write outside a commit still works on the connection.
      expect(await s.acquire('sku/one-0', 'proc-c')).toBe(epoch + 1);
    } finally {
      await one.end({ timeout: 5 });
    }
  });

  test('a commit for a shard never acquired is refused', async () => {
    await expect(store.commit(checkpoint('sku/404', 1, 1))).rejects.toBeInstanceOf(ShardFenced);
  });

  test('thousands of states go in one batched commit', async () => {
    const epoch = await store.acquire('user/5', 'proc-a');
    const states = Array.from({ length: 5000 }, (_, i) => ({
      actorType: 'user', key: `u-${i}`, partition: 5, stateVersion: 1, state: { logins: i },
    }));
    await store.commit({ ...checkpoint('user/5', epoch, 1), states });
    const snap = await store.load('user/5', 'user', 5);
    expect(snap.states.length).toBe(5000);
    expect(JSON.parse(snap.states.find((s) => s.key === 'u-4999')!.stateJson)).toEqual({ logins: 4999 });
  });

  test('a state rewritten by the next checkpoint mostly stays on its page (an in-place update, no new index entries)', async () => {
    // On full pages (fillfactor 100) the new versions go to other pages: all 300 rows moved when measured.
    const epoch = await store.acquire('user/6', 'proc-a');
    const states = (round: number) => Array.from({ length: 300 }, (_, i) => ({
      actorType: 'user', key: `hot-${i}`, partition: 6, stateVersion: 1, state: { round, pad: 'x'.repeat(400) },
    }));
    const pages = async () => new Map((await sql`select key, (ctid::text::point)[0]::int as page from actor_states where actor_type = 'user' and partition = 6`)
      .map((r) => [r.key as string, r.page as number]));
    await store.commit({ ...checkpoint('user/6', epoch, 1), states: states(1) });
    const before = await pages();
    await store.commit({ ...checkpoint('user/6', epoch, 2), states: states(2) });
    const after = await pages();
    const moved = [...before].filter(([key, page]) => after.get(key) !== page).length;
    expect(after.size).toBe(300);
    expect(moved).toBeLessThan(150);
  });

  test('states and outbox headers with quotes, backslashes, control and astral characters come back exactly', async () => {
    // Both travel as JSON text inside the statement's JSON rows (escaped twice) and are cast to
    // jsonb by Postgres: what is restored and relayed must be what was committed.
    const epoch = await store.acquire('user/77', 'proc-a');
    const tricky = 'quote " backslash \\ slash / tab \t newline \n \u0001 \u001f \u2028 \u2029 emoji 🦊 accents é ñ 中文';
    const state = {
      [tricky]: tricky,
      '': [tricky, '\\"', '\\u0041', '{"not": "json"}'],
      numbers: [0, -1, 1.5, 0.30000000000000004, 1e21, 9007199254740991, -2.5e-7],
      flags: [true, false, null],
      nested: { a: { b: { c: [[], {}, [{ d: tricky }]] } } },
    };
    const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-note': tricky };
    // Several states in one statement, each with line breaks inside: every one lands on its own key.
    const others = ['u-a', 'u-b\n', 'u-c'].map((key, i) => ({ actorType: 'user', key, partition: 77, stateVersion: 1, state: { key, i, text: `${tricky}\n${i}` } }));
    await store.commit(checkpoint('user/77', epoch, 1, {
      states: [others[0]!, { actorType: 'user', key: 'u-"77\\', partition: 77, stateVersion: 1, state }, others[1]!, others[2]!],
      outbox: [{ topic: 'app.user.inbox', key: 'u-"77\\', value: JSON.stringify(state), headers }],
    }));
    const snap = await store.load('user/77', 'user', 77);
    expect(snap.states.map((s) => s.key).sort()).toEqual(['u-"77\\', 'u-a', 'u-b\n', 'u-c']);
    const stateOf = (key: string) => JSON.parse(snap.states.find((s) => s.key === key)!.stateJson);
    expect(stateOf('u-"77\\')).toEqual(state);
    for (const o of others) expect(stateOf(o.key)).toEqual(o.state);
    const [row] = await sql`select value, headers from outbox where shard = 'user/77'`;
    expect(row!.headers).toEqual(headers);
    expect(JSON.parse(row!.value as string)).toEqual(state);
  });

  test("outbox values that cannot travel as lines (a dead letter's raw value with line breaks, an empty one) land exactly and in order beside ones that can", async () => {
    // Message values travel one per line beside the rows (store/json-rows.ts textLines); these
    // go inside the rows instead. A line that is itself '-' (the placeholder) must not be confused.
    const epoch = await store.acquire('sku/lines', 'proc-a');
    const values = ['{"a":1}', 'raw\nline\r\nbreaks\n', '', '{"b":"x\\ny"}', '-', '\n', '{"c":[1,2]}'];
    await store.commit(checkpoint('sku/lines', epoch, 1, {
      outbox: values.map((value, i) => ({ topic: 'inventory_events.dlq', key: `k${i}`, value })),
    }));
    const rows = await sql`select key, value from outbox where shard = 'sku/lines' order by seq`;
    expect(rows.map((r) => [r.key, r.value])).toEqual(values.map((v, i) => [`k${i}`, v]));
    // One row alone, that cannot be a line: its placeholder is the only line.
    await store.commit(checkpoint('sku/lines', epoch, 2, { states: [], outbox: [{ topic: 'inventory_events.dlq', key: 'alone', value: '' }] }));
    expect((await sql`select value from outbox where shard = 'sku/lines' and key = 'alone'`).map((r) => r.value)).toEqual(['']);
  });

  test('a value JSON cannot encode fails the commit as a data error before its statement is sent: nothing lands, no connection is left in a transaction, and isolation names the entity', async () => {
    const epoch = await store.acquire('user/79', 'proc-a');
    const state = (n: number) => ({ actorType: 'user', key: 'u-json', partition: 79, stateVersion: 1, state: { n } });
    // The states statement goes out first; the alert after it cannot be encoded.
    const bad = checkpoint('user/79', epoch, 1, {
      states: [state(1)],
      alerts: [{ ...alert('user/u-json/odd/e-1'), entityType: 'user', entityKey: 'u-json', details: { summary: 'odd', big: 1n } as never }],
    });
    const error = await store.commit(bad).catch((e: unknown) => e);
    expect(isDataError(error)).toBe(true);
    expect((error as Error).message).toBe('alert user/u-json/odd/e-1 cannot be encoded as JSON (JSON.stringify cannot serialize BigInt.)');
    expect((await sql`select key from actor_states where key = 'u-json'`).length).toBe(0);
    const open = await sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`;
    expect(open[0]!.n).toBe(0);
    expect(await store.findUnstorable(bad)).toEqual([{ group: { entityKey: 'u-json' }, error: '22000 alert user/u-json/odd/e-1 cannot be encoded as JSON (JSON.stringify cannot serialize BigInt.)' }]);
    await store.commit(checkpoint('user/79', epoch, 2, { states: [state(2)] }));
    expect((await sql`select state from actor_states where key = 'u-json'`).map((r) => r.state)).toEqual([{ n: 2 }]);
  });

  test('a lazy load above its threshold reads only the states of entities with a pending timer; the other keys come after', async () => {
    const epoch = await store.acquire('order/7', 'proc-a');
    const states = ['o-a', 'o-b', 'o-c'].map((key) => ({ actorType: 'order', key, partition: 7, stateVersion: 1, state: { key } }));
    await store.commit({
      ...checkpoint('order/7', epoch, 1), states,
      timersAdded: [{ actorType: 'order', key: 'o-b', dueAt: 5, seq: 1, timer: { type: 'payment_timeout' } }],
    });
    const lazy = await store.load('order/7', 'order', 7, { lazyAbove: 2 });
    expect(lazy.states.map((s) => s.key)).toEqual(['o-b']);
    expect(lazy.storedUnknown).toBe(true);
    expect(lazy.stored).toBeUndefined();
    expect((await store.storedKeys('order/7', 'order', 7)).sort()).toEqual(['o-a', 'o-c']);
    expect(lazy.timers.map((t) => t.key)).toEqual(['o-b']);
    // At or below the threshold every state is read, as without the option.
    const eager = await store.load('order/7', 'order', 7, { lazyAbove: 3 });
    expect(eager.states.map((s) => s.key).sort()).toEqual(['o-a', 'o-b', 'o-c']);
    expect(eager.stored).toBeUndefined();
    expect(eager.storedUnknown).toBeUndefined();
  });
});

describe('checkpoint store: rows Postgres refuses (issue 18)', () => {
  const poisonState = { actorType: 'sku', key: 'sku-bad', partition: 0, stateVersion: 2, state: { note: 'x\u0000y' } };

  test('a state Postgres refuses fails the commit with a data error, and findUnstorable names that entity only', async () => {
    const epoch = await store.acquire('sku/iso-1', 'proc-a');
    const cp = checkpoint('sku/iso-1', epoch, 3, {
      states: [{ actorType: 'sku', key: 'sku-ok', partition: 0, stateVersion: 2, state: { onHand: 3 } }, poisonState],
      outbox: [
        { topic: 'app.order.inbox', key: 'o-1', value: '{"from":"sku-ok"}', from: 'sku-ok' },
        { topic: 'app.order.inbox', key: 'o-2', value: '{"from":"sku-bad"}', from: 'sku-bad' },
      ],
    });
    const error = await store.commit(cp).then(() => undefined, (e: unknown) => e);
    expect(isDataError(error)).toBe(true);
    const found = await store.findUnstorable(cp);
    expect(found.map((f) => f.group)).toEqual([{ entityKey: 'sku-bad' }]);
    expect(found[0]!.error).toMatch(/^22P05 /); // untranslatable character: \u0000 in jsonb
    // The probe left nothing behind.
    expect(await sql`select key from actor_states where key in ('sku-ok', 'sku-bad')`).toHaveLength(0);
    expect(await sql`select 1 from outbox where shard = 'sku/iso-1'`).toHaveLength(0);
  });

  test('a refused alert is found under the entity that raised it, not the one it is about', async () => {
    const epoch = await store.acquire('sku/iso-5', 'proc-a');
    const cp = checkpoint('sku/iso-5', epoch, 3, {
      states: [{ actorType: 'sku', key: 'sku-raiser', partition: 0, stateVersion: 2, state: { onHand: 3 } }],
      alerts: [{ ...alert('sku/sku-raiser/odd'), entityType: 'user', entityKey: 'u-innocent', details: { summary: 'bad \u0000 byte' } }],
      alertFrom: ['sku-raiser'],
    });
    const error = await store.commit(cp).then(() => undefined, (e: unknown) => e);
    expect(isDataError(error)).toBe(true);
    const found = await store.findUnstorable(cp);
    expect(found.map((f) => f.group)).toEqual([{ entityKey: 'sku-raiser' }]);
  });

  test('a state that is not JSON at all (undefined) is a data error of that entity only, as a refused one is', async () => {
    const epoch = await store.acquire('sku/iso-4', 'proc-a');
    const cp = checkpoint('sku/iso-4', epoch, 3, {
      states: [
        { actorType: 'sku', key: 'sku-ok4', partition: 0, stateVersion: 2, state: { onHand: 3 } },
        { actorType: 'sku', key: 'sku-undef', partition: 0, stateVersion: 2, state: undefined },
        { actorType: 'sku', key: 'sku-ok5', partition: 0, stateVersion: 2, state: { onHand: 5 } },
      ],
    });
    const error = await store.commit(cp).then(() => undefined, (e: unknown) => e);
    expect(isDataError(error)).toBe(true);
    const found = await store.findUnstorable(cp);
    expect(found.map((f) => f.group)).toEqual([{ entityKey: 'sku-undef' }]);
    expect(await sql`select key from actor_states where key in ('sku-ok4', 'sku-undef', 'sku-ok5')`).toHaveLength(0);
  });

  test('a refused dead letter (by outbox index) and a timer out of bigint range are found too', async () => {
    const epoch = await store.acquire('sku/iso-2', 'proc-a');
    const cp = checkpoint('sku/iso-2', epoch, 1, {
      states: [],
      outbox: [{ topic: 'inventory_events.dlq', key: 'k', value: 'v\u0000' }],
      timersAdded: [{ actorType: 'order', key: 'o-far', dueAt: 1e20, seq: 1, timer: {} }],
    });
    const found = await store.findUnstorable(cp);
    const groups = found.map((f) => f.group);
    expect(groups).toHaveLength(2);
    expect(groups).toContainEqual({ entityKey: 'o-far' });
    expect(groups).toContainEqual({ deadLetter: 0 });
  });

  test('an outbox value with a lone surrogate is refused as a data error and found by its index, not stored altered', async () => {
    // Sent as a line, postgres.js would have written it as U+FFFD and it would have landed changed
    // (found by review); it goes escaped in its JSON row, which Postgres refuses.
    const epoch = await store.acquire('sku/iso-6', 'proc-a');
    const cp = checkpoint('sku/iso-6', epoch, 1, {
      states: [],
      outbox: [
        { topic: 'inventory_events.dlq', key: 'ok', value: '{"fine":true}' },
        { topic: 'inventory_events.dlq', key: 'odd', value: 'a\ud800b' },
      ],
    });
    const error = await store.commit(cp).then(() => undefined, (e: unknown) => e);
    expect(isDataError(error)).toBe(true);
    expect((await store.findUnstorable(cp)).map((f) => f.group)).toEqual([{ deadLetter: 1 }]);
    expect(await sql`select key from outbox where shard = 'sku/iso-6'`).toHaveLength(0);
  });

  test('quarantines mark an entity without touching its committed state; its fired timers stay pending', async () => {
    const epoch = await store.acquire('order/iso-3', 'proc-a');
    await store.commit(checkpoint('order/iso-3', epoch, 1, {
      states: [{ actorType: 'order', key: 'o-q', partition: 0, stateVersion: 1, state: { status: 'placed' } }],
      timersAdded: [{ actorType: 'order', key: 'o-q', dueAt: 5, seq: 1, timer: { t: 1 } }, { actorType: 'order', key: 'o-other', dueAt: 5, seq: 2, timer: { t: 2 } }],
    }));
    await store.commit(checkpoint('order/iso-3', epoch, 2, {
      states: [],
      timersRemoved: [1, 2],
      quarantines: [
        { actorType: 'order', key: 'o-q', partition: 0, stateVersion: 1, initialState: { status: 'new' }, reason: 'UNSTORABLE: test' },
        { actorType: 'order', key: 'o-new', partition: 0, stateVersion: 1, initialState: { status: 'new' }, reason: 'UNSTORABLE: test' },
      ],
    }));
    const rows = await store.loadStates('order', ['o-q', 'o-new']);
    expect(rows.map((r) => [r.key, r.state, r.quarantine]).sort()).toEqual([
      ['o-new', { status: 'new' }, 'UNSTORABLE: test'],
      ['o-q', { status: 'placed' }, 'UNSTORABLE: test'],
    ]);
    expect((await sql`select key from timers where shard = 'order/iso-3'`).map((r) => r.key)).toEqual(['o-q']);
  });

  test('the dedup window of an entity is checkpointed with its state', async () => {
    const epoch = await store.acquire('sku/iso-4', 'proc-a');
    await store.commit(checkpoint('sku/iso-4', epoch, 1, {
      states: [{ actorType: 'sku', key: 'sku-ids', partition: 4, stateVersion: 2, state: {}, recentIds: 'e-1\ne-2' }],
    }));
    const snap = await store.load('sku/iso-4', 'sku', 4);
    expect(snap.states.find((s) => s.key === 'sku-ids')!.recentIds).toBe('e-1\ne-2');
  });
});

describe('checkpoint store: read models and aggregates (issue 15)', () => {
  const M = Date.UTC(2026, 11, 2, 10, 0); // a minute boundary

  test('read-model rows are upserted with typed columns, aggregates added per shard and summed by the view, in the checkpoint', async () => {
    const row = (status: string, paidAt: number | null) => ['o-1', 'u-1', status, 3, 4500, 'EUR', 'DE', M, paidAt, null, null, null];
    const sales = (values: number[]) => ({
      table: SALES_MINUTE,
      rows: [{ minute: M, dims: ['DE', 'EUR'], values }],
    });
    const a = await store.acquire('order/rm-0', 'proc-a');
    const b = await store.acquire('order/rm-1', 'proc-a');
    await store.commit(checkpoint('order/rm-0', a, 1, { readModel: { table: 'orders', columns: ordersReadModel.columns, rows: [row('placed', null)] }, aggregates: [sales([1, 0, 0, 4500, 0, 0])] }));
    await store.commit(checkpoint('order/rm-0', a, 2, { readModel: { table: 'orders', columns: ordersReadModel.columns, rows: [row('paid', M + 30_000)] }, aggregates: [sales([0, 1, 0, 0, 4500, 3])] }));
    await store.commit(checkpoint('order/rm-1', b, 1, { aggregates: [sales([2, 0, 1, 100, 0, 0])] }));

    const [o] = await sql`select order_id, status, item_count, total_minor, paid_at, cancelled_at from orders where order_id = 'o-1'`;
    expect(o).toEqual({ order_id: 'o-1', status: 'paid', item_count: 3, total_minor: '4500', paid_at: new Date(M + 30_000), cancelled_at: null });
    const [s] = await sql`select orders_placed::int, orders_paid::int, orders_cancelled::int, gross_minor::int, revenue_minor::int, items::int
      from sales_minute where minute = ${new Date(M)} and country = 'DE' and currency = 'EUR'`;
    expect(s).toEqual({ orders_placed: 3, orders_paid: 1, orders_cancelled: 1, gross_minor: 4600, revenue_minor: 4500, items: 3 });
    const parts = await sql`select shard from sales_minute_part where minute = ${new Date(M)} order by shard`;
    expect(parts.map((p) => p.shard)).toEqual(['order/rm-0', 'order/rm-1']);
  });

  // 10^17 minor units is the largest order the schemas accept: 93 of them in one minute pass 2^63.
  // As bigint arithmetic that failed the whole checkpoint (no row of it alone: isolation found
  // nothing, the partition stopped), and the view's sum failed the analyst's query.
  test('a minute whose sums pass what a bigint holds stays at the bound, in a shard\'s rows and in the view', async () => {
    const big = (n: number) => ({ table: SALES_MINUTE, rows: [{ minute: M + 60_000, dims: ['DE', 'EUR'], values: [n, 0, 0, n * 1e17, 0, 0] }] });
    const a = await store.acquire('order/big-0', 'proc-a');
    const b = await store.acquire('order/big-1', 'proc-a');
    await store.commit(checkpoint('order/big-0', a, 1, { aggregates: [big(60)] }));
    await store.commit(checkpoint('order/big-0', a, 2, { aggregates: [big(60)] })); // 1.2e19 in one shard's row
    await store.commit(checkpoint('order/big-1', b, 1, { aggregates: [big(90)] })); // 9e18 in the other's
    const parts = await sql`select shard, orders_placed::int as n, gross_minor::text as gross from sales_minute_part where minute = ${new Date(M + 60_000)} order by shard`;
    expect([...parts]).toEqual([{ shard: 'order/big-0', n: 120, gross: '9223372036854775807' }, { shard: 'order/big-1', n: 90, gross: '9000000000000000000' }]);
    const [v] = await sql`select orders_placed::int as n, gross_minor::text as gross from sales_minute where minute = ${new Date(M + 60_000)}`;
    expect(v).toEqual({ n: 210, gross: '9223372036854775807' });
  });

  test('every built-in read model writes its typed columns (text, int, bigint, boolean, timestamptz, nulls)', async () => {
    const e = await store.acquire('sku/rm-3', 'proc-a');
    const sku = skuStockReadModel.row('sku-rm', { onHand: 9, reserved: 4, reorderPoint: 6, lowStock: true })!;
    const user = userRiskReadModel.row('u-rm', { alertCounts: { velocity: 2 }, lastAlertType: 'velocity', lastAlertAt: M, loginCountry: 'BR', authCount: 3, authCents: 12_345 })!;
    const fresh = userRiskReadModel.row('u-new', {})!;
    await store.commit(checkpoint('sku/rm-3', e, 1, { readModel: { table: 'sku_stock', columns: skuStockReadModel.columns, rows: [sku] } }));
    await store.commit(checkpoint('sku/rm-3', e, 2, { readModel: { table: 'user_risk', columns: userRiskReadModel.columns, rows: [user, fresh] } }));
    expect([...await sql`select sku, on_hand::int, reserved::int, available::int, reorder_point::int, low_stock from sku_stock where sku = 'sku-rm'`])
      .toEqual([{ sku: 'sku-rm', on_hand: 9, reserved: 4, available: 5, reorder_point: 6, low_stock: true }]);
    expect([...await sql`select user_id, alerts_velocity, alerts_card_testing, last_alert_type, last_alert_at, last_login_country, payments_count, payments_sum_minor::int
      from user_risk where user_id in ('u-rm', 'u-new') order by user_id`]).toEqual([
      { user_id: 'u-new', alerts_velocity: 0, alerts_card_testing: 0, last_alert_type: null, last_alert_at: null, last_login_country: null, payments_count: 0, payments_sum_minor: 0 },
      { user_id: 'u-rm', alerts_velocity: 2, alerts_card_testing: 0, last_alert_type: 'velocity', last_alert_at: new Date(M), last_login_country: 'BR', payments_count: 3, payments_sum_minor: 12_345 },
    ]);
  });

  test('a read-model row equal to the stored one is not written again; a changed one is, and a missing one is inserted', async () => {
    const e = await store.acquire('user/rm-4', 'proc-a');
    const browsed = userRiskReadModel.row('u-same', { recentViews: ['sku-1', M] } as never)!;
    const version = async (id: string) => (await sql`select xmin::text as x, updated_at from user_risk where user_id = ${id}`)[0];
    const rows = (r: (readonly unknown[])[]) => ({ readModel: { table: 'user_risk', columns: userRiskReadModel.columns, rows: r as never } });
    await store.commit(checkpoint('user/rm-4', e, 1, rows([browsed])));
    const first = await version('u-same');
    // The state changed again (another product page), its row did not; a second user's row is new.
    const other = userRiskReadModel.row('u-other', { loginCountry: 'PT' })!;
    await store.commit(checkpoint('user/rm-4', e, 2, rows([browsed, other])));
    expect(await version('u-same')).toEqual(first); // the same tuple: not rewritten
    expect(await version('u-other')).toBeDefined();
    const changed = userRiskReadModel.row('u-same', { loginCountry: 'BR' })!;
    await store.commit(checkpoint('user/rm-4', e, 3, rows([changed])));
    const after = await version('u-same');
    expect(after!.x).not.toBe(first!.x);
    expect((await sql`select last_login_country from user_risk where user_id = 'u-same'`)[0]).toEqual({ last_login_country: 'BR' });
  });

  test('a fenced checkpoint adds nothing to the aggregates', async () => {
    const stale = await store.acquire('order/rm-2', 'proc-a');
    await store.acquire('order/rm-2', 'proc-b');
    const cp = checkpoint('order/rm-2', stale, 1, { aggregates: [{ table: SALES_MINUTE, rows: [{ minute: M + 60_000, dims: ['FR', 'EUR'], values: [1, 0, 0, 1, 0, 0] }] }] });
    await expect(store.commit(cp)).rejects.toBeInstanceOf(ShardFenced);
    const [n] = await sql`select count(*)::int as n from sales_minute_part where shard = 'order/rm-2'`;
    expect(n!.n).toBe(0);
  });
});

// With `sql.begin`, a fenced commit was rolled back as soon as its fence row was read. A statement
// its writes started only after an earlier one answered (the second aggregate table, or the second
// released entity's delete, when those went one after another) then went out after the ROLLBACK,
// outside any transaction, and landed on its own: a broker test double-counted a per-minute alert
// aggregate that way. Here the first such statement waits on a row another transaction holds, so
// the fence is read before it answers, as happens under load. On a pool of one
// connection whose statements are prepared already (so they go out pipelined, not described
// first), whatever a straggler sends is done before the checks read.
describe('checkpoint store: a fenced commit leaves nothing behind, not even statements started late', () => {
  async function fencedWhileRowLocked(shard: string, lockRow: string, cp: Partial<Checkpoint>, warmUp: (store: CheckpointStore) => Promise<void>, check: (one: Sql) => Promise<void>): Promise<void> {
    const one = openPool(db.url, { max: 1 });
    try {
      const fencedStore = createCheckpointStore(one);
      await warmUp(fencedStore);
      const stale = await fencedStore.acquire(shard, 'proc-a');
      await fencedStore.acquire(shard, 'proc-b');
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = sql.begin(async (tx) => {
        await tx.unsafe(`${lockRow} for update`);
        locked();
        await released;
      });
      await isLocked;
      const commit = fencedStore.commit(checkpoint(shard, stale, 1, cp));
      commit.catch(() => {});
      await new Promise((r) => setTimeout(r, 300)); // the fence is read meanwhile; the locked statement waits
      release();
      await holder;
      await expect(commit).rejects.toBeInstanceOf(ShardFenced);
      await check(one);
    } finally {
      await one.end({ timeout: 5 });
    }
  }

  test('no aggregate table is added to, not even one written after another answered', async () => {
    const shard = 'user/late-0';
    const minute = Date.UTC(2026, 11, 2, 10, 2);
    const [first, ...later] = AGGREGATE_TABLES;
    const cell = (t: AggregateTable) => ({ minute, dims: t.dimensions.map(() => 'x'), values: t.measures.map(() => 1) });
    const aggregates = AGGREGATE_TABLES.map((t) => ({ table: t, rows: [cell(t)] }));
    await sql.unsafe(`insert into ${first!.table}_part (minute, ${[...first!.dimensions, 'shard', ...first!.measures].join(', ')})
      values (to_timestamp(${minute} / 1000.0), ${first!.dimensions.map(() => `'x'`).join(', ')}, '${shard}', ${first!.measures.map(() => '7').join(', ')})`);
    const sum = async (one: Sql, t: AggregateTable) => Number((await one.unsafe(`select coalesce(sum(${t.measures[0]}), 0)::int as n from ${t.table}_part where shard = '${shard}'`))[0]!.n);
    await fencedWhileRowLocked(
      shard,
      `select 1 from ${first!.table}_part where shard = '${shard}'`,
      { aggregates },
      async (s) => s.commit(checkpoint('user/late-1', await s.acquire('user/late-1', 'proc-a'), 1, { aggregates })),
      async (one) => {
        expect(await sum(one, first!)).toBe(7);
        expect(await Promise.all(later.map((t) => sum(one, t)))).toEqual(later.map(() => 0));
      },
    );
  });

  test("no released entity's parked inputs are deleted, not even one deleted after another answered", async () => {
    const parked = (key: string): ParkedInput => ({ actorType: 'sku', key, partition: 0, code: 'QUARANTINED', reason: 'held', input: '{}', at: 1 });
    const keys = ['sku-late-a', 'sku-late-b', 'sku-late-c'];
    const releasedAll = keys.map((key) => ({ actorType: 'sku', key, throughSeq: Number.MAX_SAFE_INTEGER }));
    const remaining = async (one: Sql) => (await one`select key from parked_inputs where key = any(${keys}) order by key`).map((r) => r.key as string);
    await fencedWhileRowLocked(
      'sku/late-2',
      `select 1 from parked_inputs where key = '${keys[0]}'`,
      { released: releasedAll },
      async (s) => {
        const epoch = await s.acquire('sku/late-3', 'proc-a');
        await s.commit(checkpoint('sku/late-3', epoch, 1, { parked: [...keys, 'sku-late-z'].map(parked) }));
        await s.commit(checkpoint('sku/late-3', epoch, 2, { released: [{ actorType: 'sku', key: 'sku-late-z', throughSeq: Number.MAX_SAFE_INTEGER }, { actorType: 'sku', key: 'sku-late-y', throughSeq: 0 }] }));
      },
      async (one) => expect(await remaining(one)).toEqual(keys),
    );
  });
});

describe('checkpoint store: the processed-events table (opt-in)', () => {
  test('events land with their checkpoint, once per record, never from a fenced owner', async () => {
    await ensureProcessedEventsTable(sql, 'events_seen');
    await ensureProcessedEventsTable(sql, 'events_seen'); // idempotent
    const withTable = createCheckpointStore(sql, { processedEventsTable: 'events_seen' });
    const ev = (offset: number, id: string) => ({ topic: 'user_events', partition: 0, offset, id, type: 'page_viewed', key: 'u-1', ts: Date.UTC(2026, 0, 1), json: JSON.stringify({ id, type: 'page_viewed' }) });
    const epoch = await withTable.acquire('user/pe-0', 'proc-a');
    await withTable.commit(checkpoint('user/pe-0', epoch, 2, { processed: [ev(0, 'e-1'), ev(1, 'e-2')] }));
    await withTable.commit(checkpoint('user/pe-0', epoch, 3, { processed: [ev(1, 'e-2'), ev(2, 'e-3')] })); // e-2 replayed
    await withTable.acquire('user/pe-0', 'proc-b');
    await expect(withTable.commit(checkpoint('user/pe-0', epoch, 4, { processed: [ev(3, 'e-4')] }))).rejects.toBeInstanceOf(ShardFenced);
    const rows = await sql`select "offset"::int, event_id, event_type, ts, event->>'id' as json_id from events_seen order by "offset"`;
    expect(rows.map((r) => [r.offset, r.event_id, r.json_id])).toEqual([[0, 'e-1', 'e-1'], [1, 'e-2', 'e-2'], [2, 'e-3', 'e-3']]);
    expect(rows[0]!.ts).toEqual(new Date(Date.UTC(2026, 0, 1)));
  });

  test('a table name that is not a plain identifier is refused', async () => {
    await expect(ensureProcessedEventsTable(sql, 'events; drop table alerts')).rejects.toThrow('must be a lower-case identifier');
  });
});

describe('checkpoint store: several shards in one transaction (group commit)', () => {
  /** What a shard's commits left in every table a checkpoint writes, to compare a group with separate commits. */
  async function written(shard: string, keys: readonly string[]) {
    return {
      states: await sql`select key, state, partition from actor_states where actor_type = 'sku' and key = any(${keys as string[]}::text[]) order by key`,
      offsets: await sql`select topic, partition, next_offset from input_offsets where shard = ${shard} order by topic, partition`,
      outbox: (await sql`select topic, key, value, headers from outbox where shard = ${shard} order by seq`).map((r) => ({ ...r })),
      positions: await sql`select origin, last_seq from inbox_positions where shard = ${shard} order by origin`,
      timers: await sql`select key, due_at, seq from timers where shard = ${shard} order by seq`,
      aggregates: await sql`select minute, shard, orders_placed from sales_minute_part where shard = ${shard} order by minute`,
    };
  }

  /** A checkpoint that writes every table, for shard `s` of partition `p`, `n`-th of its shard. */
  function full(shard: string, epoch: number, p: number, n: number): Checkpoint {
    const M = Date.UTC(2026, 0, 1, 10, 0);
    return checkpoint(shard, epoch, n, {
      offsets: [{ topic: 'inventory_events', partition: p, nextOffset: n }, { topic: 'app.sku.inbox', partition: p, nextOffset: n * 2 }],
      states: [{ actorType: 'sku', key: `${shard}-k${n}`, partition: p, stateVersion: 2, state: { onHand: n, note: 'quote " and backslash \\ kept' } }],
      outbox: [1, 2, 3].map((i) => ({ topic: 'app.order.inbox', key: `o-${i}`, value: `{"i":${i},"from":"${shard}"}`, headers: { traceparent: `t-${i}` } })),
      inboxPositions: [{ origin: 'order/0', lastSeq: 10 * n }],
      timersAdded: [{ actorType: 'sku', key: `${shard}-k${n}`, dueAt: M + n, seq: n, timer: { kind: 'check' } }],
      aggregates: [{ table: SALES_MINUTE, rows: [{ minute: M, dims: ['DE', 'EUR'], values: [n, 0, 0, 0, 0, 0] }] }],
    });
  }

  test('a group lands for each shard exactly what its own commits would', async () => {
    const shards = ['sku/g1-0', 'sku/g1-1', 'sku/g2-0', 'sku/g2-1'];
    const epochs = await Promise.all(shards.map((s) => store.acquire(s, 'proc-a')));
    // g1-*: two rounds of group commits; g2-*: the same checkpoints committed one by one (on other
    // partitions, as input offsets are kept per topic partition).
    for (const n of [1, 2]) {
      await store.commitGroup!([full(shards[0]!, epochs[0]!, 0, n), full(shards[1]!, epochs[1]!, 1, n)]);
      await store.commit(full(shards[2]!, epochs[2]!, 2, n));
      await store.commit(full(shards[3]!, epochs[3]!, 3, n));
    }
    for (const [g, alone] of [[shards[0]!, shards[2]!], [shards[1]!, shards[3]!]] as const) {
      const a = await written(g, [`${g}-k1`, `${g}-k2`]);
      const b = await written(alone, [`${alone}-k1`, `${alone}-k2`]);
      // The same rows but for the shard's name and partition.
      const same = (x: unknown, from: string) => JSON.parse(JSON.stringify(x).replaceAll(from, 'S').replace(/"partition":\d+/g, '"partition":0'));
      expect(same(a, g)).toEqual(same(b, alone));
      expect(a.offsets.length).toBe(2);
      expect(a.states.length).toBe(2);
      expect(a.outbox.map((r) => JSON.parse(r.value as string).i)).toEqual([1, 2, 3, 1, 2, 3]);
    }
  });

  test('one stale epoch in a group: ShardFenced names it and nothing of the group lands', async () => {
    const a = await store.acquire('sku/gf-0', 'proc-a');
    const b = await store.acquire('sku/gf-1', 'proc-a');
    await store.acquire('sku/gf-1', 'proc-b'); // a newer owner of gf-1
    const refused = store.commitGroup!([full('sku/gf-0', a, 0, 1), full('sku/gf-1', b, 1, 1)]);
    await expect(refused).rejects.toBeInstanceOf(ShardFenced);
    await expect(refused).rejects.toMatchObject({ shard: 'sku/gf-1', epoch: b, currentEpoch: b + 1 });
    for (const shard of ['sku/gf-0', 'sku/gf-1']) {
      const w = await written(shard, [`${shard}-k1`]);
      expect([w.states, w.offsets, w.outbox, w.positions, w.timers, w.aggregates].map((rows) => rows.length)).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });

  test('a row Postgres refuses in one shard fails the whole group with a data error; nothing lands', async () => {
    const a = await store.acquire('sku/gd-0', 'proc-a');
    const b = await store.acquire('sku/gd-1', 'proc-a');
    const bad = full('sku/gd-1', b, 1, 1);
    bad.states[0]!.state = { note: 'nul \u0000 inside' };
    const e = await store.commitGroup!([full('sku/gd-0', a, 0, 1), bad]).catch((x) => x);
    expect(isDataError(e)).toBe(true);
    expect((await written('sku/gd-0', ['sku/gd-0-k1'])).states.length).toBe(0);
  });
});
