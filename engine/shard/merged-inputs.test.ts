import { describe, expect, test } from 'bun:test';
import { orderActor } from '../../actors/order.ts';
import { userActor } from '../../actors/user.ts';
import { createTestDriver } from '../../actors/test-driver.ts';
import type { Alert } from '../../schemas/index.ts';
import { CLOCK_HEADER } from './merge-key.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './records.ts';
import { createShard, type Shard } from './shard.ts';

/**
 * A user's fraud rules hear payments from every order shard: merged in event-time order, the user
 * shard decides as the driver does, whatever order the order shards' messages arrive in.
 */
const APP = 'shop';
const ORDER_PARTITIONS = 3;
const ORIGINS = [...Array(ORDER_PARTITIONS).keys()].map((p) => `order/${p}`);
const T0 = 1_735_689_600_000;
const MINUTE = 60_000;

interface Ev {
  topic: 'user_events' | 'transaction_events';
  partition: number;
  offset: number;
  key: string;
  body: { id: string; type: string; v: number; ts: number; data: Record<string, unknown> };
}

/** Payments of three users spread over the order partitions (ties in time included), and their logins. */
function history(): Ev[] {
  const offsets = new Map<string, number>();
  const out: Ev[] = [];
  const add = (topic: Ev['topic'], partition: number, key: string, body: Ev['body']) => {
    const tp = `${topic}:${partition}`;
    const offset = offsets.get(tp) ?? 0;
    offsets.set(tp, offset + 1);
    out.push({ topic, partition, offset, key, body });
  };
  let n = 0;
  for (const user of ['u-1', 'u-2', 'u-3']) {
    add('user_events', 0, user, { id: `e-login-${user}`, type: 'login_succeeded', v: 1, ts: T0, data: { userId: user, country: 'DE', ip: '10.0.0.1', deviceId: 'd-1' } });
    for (let i = 0; i < 7; i++) {
      const orderId = `o-${user}-${i}`;
      const ts = T0 + MINUTE + Math.floor(i / 2) * 1000; // pairs of payments at the same millisecond
      const declined = i % 3 === 2;
      const data = { orderId, userId: user, amount: 40 + i, cardFingerprint: `card-${user}-${i % 4}`, ...(declined ? { reason: 'insufficient_funds' } : { country: i === 5 ? 'BR' : 'DE' }) };
      add('transaction_events', n++ % ORDER_PARTITIONS, orderId, { id: `e-pay-${user}-${i}`, type: declined ? 'payment_declined' : 'payment_authorized', v: 1, ts, data });
    }
    add('user_events', 0, user, { id: `e-login2-${user}`, type: 'login_succeeded', v: 1, ts: T0 + MINUTE + 1500, data: { userId: user, country: 'FR', ip: '10.0.0.2', deviceId: 'd-2' } });
  }
  return out;
}

/**
 * The driver's order (merge-key.ts): event time made monotone per partition (this history has
 * late events: each user's payments start earlier than the last user's ended), then topic,
 * partition, offset.
 */
function oracle(events: readonly Ev[]) {
  const clocks = new Map<string, number>();
  const at = new Map<Ev, number>();
  for (const e of [...events].sort((a, b) => a.offset - b.offset)) {
    const tp = `${e.topic}:${e.partition}`;
    clocks.set(tp, Math.max(clocks.get(tp) ?? 0, e.body.ts));
    at.set(e, clocks.get(tp)!);
  }
  const sorted = [...events].sort((a, b) => at.get(a)! - at.get(b)! || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) || a.partition - b.partition || a.offset - b.offset);
  const driver = createTestDriver([orderActor, userActor], { recordHistory: false });
  driver.pipe(sorted.map((e) => e.body) as never);
  return { states: new Map(driver.states('user')), alerts: driver.alerts().filter((a) => a.entityType === 'user') };
}

/** A clock record of `origin` on the user inbox: `value` is a root key, 'idle' or 'alive'. */
const clockRecord = (offset: number, origin: string, value: string): SourceRecord => ({ topic: `${APP}.user.inbox`, partition: 0, offset, key: 'clock', value: '{}', headers: { [ORIGIN_HEADER]: origin, [CLOCK_HEADER]: value } });

const record = (e: Ev): SourceRecord => ({ topic: e.topic, partition: e.partition, offset: e.offset, key: e.key, value: JSON.stringify(e.body), headers: {}, timestamp: e.body.ts });

/** Each order shard applies its partition; its outbox rows to users become that origin's messages, in sequence. */
function orderMessages(events: readonly Ev[]): Map<string, { key: string; value: string; headers: Record<string, string> }[]> {
  const out = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
  for (let p = 0; p < ORDER_PARTITIONS; p++) {
    const shard = createShard({ actor: orderActor, partition: p, app: APP, mergedReceivers: ['user'] });
    shard.apply(events.filter((e) => e.topic === 'transaction_events' && e.partition === p).map(record));
    const rows = shard.takeDelta().outbox.filter((r) => r.topic === `${APP}.user.inbox`);
    out.set(`order/${p}`, rows.map((r, i) => ({ key: r.key, value: r.value, headers: { ...r.headers, [ORIGIN_HEADER]: `order/${p}`, [SEQ_HEADER]: String(i + 1) } })));
  }
  return out;
}

/** The user shard fed its source and the inbox in the given arrival order, in batches of `batch`. */
function runUsers(events: readonly Ev[], arrival: (string | 'source')[], merge: boolean, batch: number): { shard: Shard; alerts: Alert[] } {
  const shard = createShard({ actor: userActor, partition: 0, app: APP, ...(merge ? { merge: { origins: ORIGINS } } : {}) });
  const feed = userFeed(events, arrival);
  // The end of the source partition: it is what lets the last messages through once it is read.
  // (Unmerged, it is left out: the inbox gate would make messages wait for the source instead.)
  if (merge) shard.noteSourceEnd(events.filter((e) => e.topic === 'user_events').length);
  const alerts: Alert[] = [];
  for (let i = 0; i < feed.length; i += batch) {
    expect(shard.apply(feed.slice(i, i + batch))).toBe(Math.min(batch, feed.length - i)); // every record taken
    alerts.push(...shard.takeDelta().alerts);
  }
  return { shard, alerts };
}

/** The user shard's records in arrival order: its source events and its inbox (messages, and each origin's last clock). */
function userFeed(events: readonly Ev[], arrival: (string | 'source')[]): SourceRecord[] {
  const source = events.filter((e) => e.topic === 'user_events').map(record);
  const messages = orderMessages(events);
  const feed: SourceRecord[] = [];
  let inboxOffset = 0;
  const next = new Map<string, number>();
  for (const stream of arrival) {
    if (stream === 'source') {
      feed.push(source.shift()!);
      continue;
    }
    const list = messages.get(stream)!;
    const i = next.get(stream) ?? 0;
    next.set(stream, i + 1);
    if (i < list.length) feed.push({ topic: `${APP}.user.inbox`, partition: 0, offset: inboxOffset++, ...list[i]! });
    // After its last message, the origin's partition is read to its end: its clock says idle.
    if (i === list.length - 1) feed.push({ topic: `${APP}.user.inbox`, partition: 0, offset: inboxOffset++, key: 'clock', value: '{}', headers: { [ORIGIN_HEADER]: stream, [CLOCK_HEADER]: 'idle' } });
  }
  return feed;
}

/** Arrival orders: each origin's messages whole, one after another, or dealt at random. */
function arrivals(events: readonly Ev[], kind: 'origins reversed' | 'source last' | 'random', seed = 1): (string | 'source')[] {
  const counts = orderMessages(events);
  const sourceCount = events.filter((e) => e.topic === 'user_events').length;
  const per = (s: string) => Array<string>(counts.get(s)!.length).fill(s);
  if (kind === 'origins reversed') return [...[...ORIGINS].reverse().flatMap(per), ...Array(sourceCount).fill('source')];
  if (kind === 'source last') return [...ORIGINS.flatMap(per), ...Array(sourceCount).fill('source')];
  const all = [...ORIGINS.flatMap(per), ...Array(sourceCount).fill('source')];
  let x = seed;
  for (let i = all.length - 1; i > 0; i--) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = x % (i + 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all;
}

const view = (alerts: readonly Alert[]) => alerts.map((a) => `${a.id} ${a.type} ${a.entityKey}`).sort();

describe('merged inputs', () => {
  const events = history();
  const want = oracle(events);

  test('the history raises fraud alerts that depend on the order of payments', () => {
    expect(want.alerts.length).toBeGreaterThan(0);
    // Without the merge, arrival orders far from event time decide differently: the tests below can fail.
    const differ = (['origins reversed', 'source last', 'random'] as const).filter((kind) => {
      const unmerged = runUsers(events, arrivals(events, kind), false, 5);
      return JSON.stringify(view(unmerged.alerts)) !== JSON.stringify(view(want.alerts));
    });
    expect(differ).toEqual(['origins reversed', 'source last', 'random']);
  });

  for (const kind of ['origins reversed', 'source last', 'random'] as const) {
    for (const batch of [1, 4, 1000]) {
      test(`arrival '${kind}' in batches of ${batch}: states and alerts equal the driver's`, () => {
        const { shard, alerts } = runUsers(events, arrivals(events, kind, batch), true, batch);
        expect(view(alerts)).toEqual(view(want.alerts));
        for (const [key, state] of want.states) expect((shard.query(key) as { state: unknown }).state).toEqual(state);
      });
    }
  }

  test('a restart from any checkpoint, reading again from its offsets, ends equal to the driver: nothing lost or applied twice', () => {
    const feed = userFeed(events, arrivals(events, 'random', 7));
    const sourceEnd = events.filter((e) => e.topic === 'user_events').length;
    for (let cut = 1; cut < feed.length; cut += 3) {
      const first = createShard({ actor: userActor, partition: 0, app: APP, merge: { origins: ORIGINS } });
      first.noteSourceEnd(sourceEnd);
      first.apply(feed.slice(0, cut));
      const delta = first.takeDelta();
      // The checkpoint: what the next owner restores (held inputs are in none of it).
      const offsets = new Map(delta.offsets.map((o) => [`${o.topic}:${o.partition}`, o.nextOffset]));
      const eventTimeMax = delta.offsets.find((o) => o.topic === 'user_events')?.eventTimeMax;
      const restore = {
        states: delta.states.map((x) => ({ key: x.key, stateVersion: x.stateVersion, state: x.state, recentIds: x.recentIds ?? null })),
        offsets,
        ...(eventTimeMax === undefined ? {} : { eventTimeMax }),
        inboxPositions: new Map(delta.inboxPositions.map((p) => [p.origin, p.lastSeq])),
        timers: [],
      };
      const second = createShard({ actor: userActor, partition: 0, app: APP, merge: { origins: ORIGINS }, restore });
      second.noteSourceEnd(sourceEnd);
      // The consumer fetches again from the stored offsets: some records twice, in a new interleaving.
      second.apply(feed.filter((r) => r.offset >= (offsets.get(`${r.topic}:${r.partition}`) ?? 0)));
      const alerts = [...delta.alerts, ...second.takeDelta().alerts];
      expect(view(alerts)).toEqual(view(want.alerts));
      for (const [key, state] of want.states) expect((second.query(key) as { state: unknown }).state).toEqual(state);
    }
  });

  test('a message keyed far ahead of its own record is applied on arrival instead of holding its origin back', () => {
    const shard = createShard({ actor: userActor, partition: 0, app: APP, merge: { origins: ORIGINS } });
    shard.noteSourceEnd(0);
    shard.apply(ORIGINS.map((o, offset) => ({ topic: `${APP}.user.inbox`, partition: 0, offset, key: 'clock', value: '{}', headers: { [ORIGIN_HEADER]: o, [CLOCK_HEADER]: 'idle' } })));
    const msg = { from: { type: 'order', key: 'o-1' }, msg: { type: 'payment_attempted', orderId: 'o-1', amount: 5, cardFingerprint: 'card-1', cause: 'e-1', ts: T0, outcome: 'declined' } };
    const forged = { topic: `${APP}.user.inbox`, partition: 0, offset: 10, key: 'u-9', value: JSON.stringify(msg), timestamp: T0, headers: { [ORIGIN_HEADER]: 'order/0', [SEQ_HEADER]: '1', 'x-at': `${T0 + 3_600_000}/0/0/transaction_events` } };
    shard.apply([forged]);
    expect(shard.query('u-9')).toBeDefined();
    // The origin's next message, keyed honestly, is not stuck behind it either.
    const next = { ...forged, offset: 11, key: 'u-8', headers: { ...forged.headers, [SEQ_HEADER]: '2', 'x-at': `${T0}/0/1/transaction_events` } };
    shard.apply([next]);
    expect(shard.query('u-8')).toBeDefined();
  });

  test('a clock from an origin not waited for is ignored; an unreadable one is dead-lettered', () => {
    const shard = createShard({ actor: userActor, partition: 0, app: APP, merge: { origins: ORIGINS } });
    const clock = (offset: number, origin: string, value: string): SourceRecord => ({ topic: `${APP}.user.inbox`, partition: 0, offset, key: 'clock-0', value: '{}', headers: { [ORIGIN_HEADER]: origin, [CLOCK_HEADER]: value } });
    shard.apply([clock(0, 'sku/1', 'idle'), clock(1, 'order/0', 'soon'), clock(2, 'order/1', 'idle')]);
    const delta = shard.takeDelta();
    expect(delta.outbox.map((r) => [r.topic, r.headers?.['x-dlq-code']])).toEqual([[`${APP}.user.inbox.dlq`, 'INVALID_ENVELOPE']]);
    expect(delta.offsets).toEqual([{ topic: `${APP}.user.inbox`, partition: 0, nextOffset: 3 }]);
  });

  test('an origin that beats alive is waited for: it promises nothing, and is not taken as gone', () => {
    let now = 0;
    const shard = createShard({ actor: userActor, partition: 0, app: APP, wallClock: () => now, merge: { origins: ORIGINS, maxWaitMs: 1000 } });
    shard.noteSourceEnd(1);
    shard.apply([record(events[0]!)]);
    now = 900;
    shard.apply(ORIGINS.map((o, i) => ({ topic: `${APP}.user.inbox`, partition: 0, offset: i, key: 'clock-0', value: '{}', headers: { [ORIGIN_HEADER]: o, [CLOCK_HEADER]: 'alive' } })));
    now = 1500;
    shard.apply([]);
    expect(shard.query('u-1')).toBeUndefined(); // still held: the origins are alive and have promised nothing
    expect(shard.counters.mergeWaitsTimedOut).toBe(0);
    now = 2000;
    shard.apply([]);
    expect(shard.query('u-1')).toBeDefined(); // silent for 1100 ms since
  });

  test('a shard that does not merge skips clock records: no dead letter, its offset moves on', () => {
    const shard = createShard({ actor: userActor, partition: 0, app: APP });
    shard.apply([{ topic: `${APP}.user.inbox`, partition: 0, offset: 4, key: 'clock-0', value: '{}', headers: { [ORIGIN_HEADER]: 'order/1', [CLOCK_HEADER]: 'idle' } }]);
    const delta = shard.takeDelta();
    expect(delta.outbox).toEqual([]);
    expect(delta.offsets).toEqual([{ topic: `${APP}.user.inbox`, partition: 0, nextOffset: 5 }]);
  });

  test('an input waits for an origin never heard from, until that origin is silent too long', () => {
    let now = 0;
    const shard = createShard({ actor: userActor, partition: 0, app: APP, wallClock: () => now, merge: { origins: ORIGINS, maxWaitMs: 1000 } });
    shard.noteSourceEnd(1);
    const login = record(events[0]!);
    shard.apply([login]);
    expect(shard.query('u-1')).toBeUndefined(); // held: no order shard has said anything yet
    expect(shard.takeDelta().offsets).toEqual([]);
    expect(shard.takeAppliedTimestamps!()).toEqual([]); // taken, not applied: event→state waits for it
    now = 1500;
    shard.apply([]);
    expect(shard.query('u-1')).toBeDefined();
    expect(shard.takeAppliedTimestamps!()).toEqual([login.timestamp!]);
    expect(shard.counters.mergeWaitsTimedOut).toBe(ORDER_PARTITIONS);
  });

  test("a restart keeps the source's running maximum of event time: an event late in its partition right after it is keyed as in one run", () => {
    const login = (offset: number, user: string, ts: number): SourceRecord => record({ topic: 'user_events', partition: 0, offset, key: user, body: { id: `e-${offset}`, type: 'login_succeeded', v: 1, ts, data: { userId: user, country: 'DE', ip: '10.0.0.1', deviceId: 'd-1' } } });
    const idle = (offset: number): SourceRecord[] => ORIGINS.map((o, i) => clockRecord(offset + i, o, 'idle'));
    const first = createShard({ actor: userActor, partition: 0, app: APP, merge: { origins: ORIGINS } });
    first.noteSourceEnd(2);
    first.apply([login(0, 'u-1', T0 + 10 * MINUTE), ...idle(0)]);
    const delta = first.takeDelta();
    const source = delta.offsets.find((o) => o.topic === 'user_events')!;
    expect(source).toEqual({ topic: 'user_events', partition: 0, nextOffset: 1, eventTimeMax: T0 + 10 * MINUTE });
    const restore = { states: [], offsets: new Map([['user_events:0', 1], [`${APP}.user.inbox:0`, ORDER_PARTITIONS]]), eventTimeMax: source.eventTimeMax!, inboxPositions: new Map(), timers: [] };
    const second = createShard({ actor: userActor, partition: 0, app: APP, merge: { origins: ORIGINS }, restore });
    second.noteSourceEnd(2);
    // The order shards promise nothing before 10:07; the late login (09:00) is keyed at 10:10, as
    // in a run without the restart, so it waits. Keyed by its own time it would go at once.
    const promise = (offset: number): SourceRecord[] => ORIGINS.map((o, i) => clockRecord(offset + i, o, `${T0 + 7 * MINUTE}/${i}/0/transaction_events`));
    second.apply([login(1, 'u-2', T0), ...promise(ORDER_PARTITIONS)]);
    expect(second.heldSources!()).toBe(1);
    expect(second.query('u-2')).toBeUndefined();
    second.apply(idle(2 * ORDER_PARTITIONS));
    expect(second.query('u-2')).toBeDefined();
    expect(second.takeDelta().offsets.find((o) => o.topic === 'user_events')).toEqual({ topic: 'user_events', partition: 0, nextOffset: 2, eventTimeMax: T0 + 10 * MINUTE });
  });

  test("an order shard restored with its running maximum keys a late event's messages as in one run", () => {
    const pay = (offset: number, orderId: string, ts: number): SourceRecord => record({ topic: 'transaction_events', partition: 0, offset, key: orderId, body: { id: `e-${orderId}`, type: 'payment_authorized', v: 1, ts, data: { orderId, userId: 'u-1', amount: 10, cardFingerprint: 'card-1', country: 'DE' } } });
    const keysOf = (delta: ReturnType<Shard['takeDelta']>) => delta.outbox.filter((r) => r.topic === `${APP}.user.inbox`).map((r) => r.headers?.['x-at']);
    const whole = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['user'] });
    whole.apply([pay(0, 'o-1', T0 + 10 * MINUTE), pay(1, 'o-2', T0)]);
    const oneRun = keysOf(whole.takeDelta());
    const first = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['user'] });
    first.apply([pay(0, 'o-1', T0 + 10 * MINUTE)]);
    const delta = first.takeDelta();
    const eventTimeMax = delta.offsets.find((o) => o.topic === 'transaction_events')!.eventTimeMax!;
    const second = createShard({ actor: orderActor, partition: 0, app: APP, mergedReceivers: ['user'], restore: { states: [], offsets: new Map([['transaction_events:0', 1]]), eventTimeMax, inboxPositions: new Map(), timers: [] } });
    second.apply([pay(1, 'o-2', T0)]);
    expect([...keysOf(delta), ...keysOf(second.takeDelta())]).toEqual(oneRun);
    expect(oneRun[1]).toBe(`${T0 + 10 * MINUTE}/0/1/transaction_events`);
  });

  test('a source end learned before a message was received is not taken as "nothing more": the message waits for a fresh end, then for the source events it shows', () => {
    const inbox = `${APP}.user.inbox`;
    const payment: SourceRecord = {
      topic: inbox, partition: 0, offset: 1, key: 'u-1', timestamp: T0 + 1000,
      value: JSON.stringify({ from: { type: 'order', key: 'o-1' }, msg: { type: 'payment_attempted', orderId: 'o-1', amount: 50, cardFingerprint: 'card-1', cause: 'e-pay', ts: T0 + 1000, outcome: 'authorized', country: 'BR' } }),
      headers: { [ORIGIN_HEADER]: 'order/0', [SEQ_HEADER]: '1', 'x-at': `${T0 + 1000}/0/0/transaction_events` },
    };
    const login = record({ topic: 'user_events', partition: 0, offset: 0, key: 'u-1', body: { id: 'e-login', type: 'login_succeeded', v: 1, ts: T0, data: { userId: 'u-1', country: 'DE', ip: '10.0.0.1', deviceId: 'd-1' } } });
    const run = (endLearnedAt: number) => {
      const shard = createShard({ actor: userActor, partition: 0, app: APP, merge: { origins: ['order/0'] } });
      shard.noteSourceEnd(0, endLearnedAt); // taken while its source was still empty
      shard.apply([clockRecord(0, 'order/0', 'idle'), payment], 2000); // received at 2000
      return shard;
    };
    // Learned after the message came: the source has nothing more before it, so it goes.
    const fresh = run(2000);
    expect(fresh.query('u-1')).toBeDefined();
    expect(fresh.takeEndWanted()).toBe(false);
    // Learned before: the login written just ahead of the payment may not have been fetched yet.
    const stale = run(1000);
    expect(stale.query('u-1')).toBeUndefined();
    expect(stale.takeEndWanted()).toBe(true);
    stale.noteSourceEnd(1, 2100); // measured again: the login is there
    stale.apply([], 2200);
    expect(stale.query('u-1')).toBeUndefined(); // now it waits for the source by its time
    expect(stale.takeEndWanted()).toBe(false);
    stale.apply([login], 2300);
    // Login (DE) then payment (BR) a second later, as the driver applies them: impossible travel.
    expect(stale.takeDelta().alerts.map((a) => a.type)).toEqual(['impossible_travel']);
  });

  test("a message passing late behind another origin's held one is not overtaken by its origin's next message: nothing is dropped as already applied", () => {
    const inbox = `${APP}.user.inbox`;
    const at = (ms: number, offset: number) => `${T0 + ms}/0/${offset}/transaction_events`;
    const payment = (offset: number, origin: string, seq: number, user: string, rootAt: string): SourceRecord => ({
      topic: inbox, partition: 0, offset, key: user, timestamp: T0,
      value: JSON.stringify({ from: { type: 'order', key: `o-${seq}` }, msg: { type: 'payment_attempted', orderId: `o-${origin}-${seq}`, amount: 5, cardFingerprint: 'card-1', cause: `e-${origin}-${seq}`, ts: T0, outcome: 'declined' } }),
      headers: { [ORIGIN_HEADER]: origin, [SEQ_HEADER]: String(seq), 'x-at': rootAt },
    });
    const login = (offset: number, user: string, ms: number): SourceRecord => record({ topic: 'user_events', partition: 0, offset, key: user, body: { id: `e-login-${offset}`, type: 'login_succeeded', v: 1, ts: T0 + ms, data: { userId: user, country: 'DE', ip: '10.0.0.1', deviceId: 'd-1' } } });
    const shard = createShard({ actor: userActor, partition: 0, app: APP, merge: { origins: ['order/0', 'order/1'] } });
    shard.noteSourceEnd(2);
    // order/0 is idle, order/1 has promised nothing before 0:00.100: the login at 0:00.080 goes.
    shard.apply([clockRecord(0, 'order/0', 'idle'), clockRecord(1, 'order/1', at(100, 0)), login(0, 'u-s', 80)]);
    expect(shard.query('u-s')).toBeDefined();
    // order/1's message at 0:00.200 waits for the source; order/0 then sends one keyed 0:00.010,
    // before what was released (its idle clock was no promise): it passes, applied on arrival (no
    // message of its origin is held before it). Its next message, at 0:00.150, must not be released
    // ahead of it; then order/0's relay publishes its clock behind them.
    shard.apply([payment(2, 'order/1', 1, 'u-h', at(200, 5)), payment(3, 'order/0', 1, 'u-a', at(10, 1)), payment(4, 'order/0', 2, 'u-b', at(150, 2)), clockRecord(5, 'order/0', 'idle')]);
    shard.apply([login(1, 'u-s', 300)]);
    const attempts = (user: string) => (shard.query(user) as { state: { attempts?: unknown[] } } | undefined)?.state.attempts?.length ?? 0;
    expect({ dropped: shard.counters.duplicatesDropped, a: attempts('u-a'), b: attempts('u-b'), h: attempts('u-h') }).toEqual({ dropped: 0, a: 2, b: 2, h: 2 });
    expect(shard.takeDelta().inboxPositions.sort((x, y) => x.origin.localeCompare(y.origin))).toEqual([{ origin: 'order/0', lastSeq: 2 }, { origin: 'order/1', lastSeq: 1 }]);
  });
});
