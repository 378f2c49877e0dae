/**
 * Contender "naive": the pipeline a user might write first. kafkajs consumes the three source
 * topics; per fetched batch it applies the SKU and user logic crudely in memory and upserts the
 * batch's effects into Postgres in ONE statement (SKU counters, order rows, user counters, alerts),
 * then kafkajs auto-commits the offsets. No actors, no exactly-once (a crash between the statement
 * and the offset commit applies a batch twice), no payment timeout (an unpaid order keeps its stock
 * reserved), order lines and velocity windows only in process memory (lost on restart).
 */
import { Kafka, logLevel } from 'kafkajs';
import postgres from 'postgres';
import { deadline, emit, latencyRecorder, processStartMs, readConfig, sourceTopicList, untilStopped } from './protocol.ts';

interface SkuDelta { sku: string; on_hand: number; reserved: number; reorder_point: number | null }
interface Envelope { id: string; type: string; ts: number; data: Record<string, any> }

const cfg = readConfig();
const sql = postgres(cfg.databaseUrl!, { max: 2, onnotice: () => {} });
await sql.unsafe(`
  create table if not exists naive_skus (sku text primary key, on_hand bigint not null, reserved bigint not null, reorder_point bigint, low_stock boolean not null);
  create table if not exists naive_orders (order_id text primary key, status text not null, lines jsonb not null);
  create table if not exists naive_users (user_id text primary key, attempts bigint not null, last_country text);
  create table if not exists naive_alerts (id bigserial primary key, type text not null, key text not null, ts bigint not null);
`);

const orders = new Map<string, { status: string; lines: { sku: string; qty: number }[] }>();
const velocity = new Map<string, number[]>();
const kafka = new Kafka({ clientId: `${cfg.groupId}-naive`, brokers: cfg.brokers, logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: cfg.groupId });
const latency = latencyRecorder();
let count = 0;
let firstAtMs = 0;
let statements = 0;
// A failing statement ends the run at once (kafkajs would retry the batch until the deadline).
const upsert = (q: Promise<unknown>) =>
  q.catch((e: Error) => {
    emit({ event: 'error', message: `upsert failed: ${e.message}` });
    process.exit(1);
  });
const timeout = deadline(cfg.timeoutMs, () => `${count}/${cfg.expect} records`);

await consumer.connect();
for (const topic of sourceTopicList(cfg)) await consumer.subscribe({ topic, fromBeginning: true });
let ready = false;
consumer.on(consumer.events.GROUP_JOIN, () => {
  if (!ready) emit({ event: 'ready', atMs: Date.now() });
  ready = true;
});
await new Promise<void>((resolve) => {
  void consumer.run({
    eachBatch: async ({ batch }) => {
      if (firstAtMs === 0) firstAtMs = Date.now();
      const skus = new Map<string, SkuDelta>();
      const orderRows = new Map<string, { order_id: string; status: string; lines: unknown }>();
      const users = new Map<string, { user_id: string; attempts: number; last_country: string | null }>();
      const alerts: { type: string; key: string; ts: number }[] = [];
      const sku = (id: string) => {
        let d = skus.get(id);
        if (!d) skus.set(id, (d = { sku: id, on_hand: 0, reserved: 0, reorder_point: null }));
        return d;
      };
      const user = (id: string) => {
        let u = users.get(id);
        if (!u) users.set(id, (u = { user_id: id, attempts: 0, last_country: null }));
        return u;
      };
      const setOrder = (id: string, o: { status: string; lines: { sku: string; qty: number }[] }) => {
        orders.set(id, o);
        orderRows.set(id, { order_id: id, status: o.status, lines: o.lines });
      };
      for (const m of batch.messages) {
        let e: Envelope;
        try {
          e = JSON.parse(m.value!.toString()) as Envelope;
        } catch {
          continue;
        }
        const d = e.data;
        switch (e.type) {
          case 'stock_received': sku(d.sku).on_hand += d.qty; break;
          case 'stock_adjusted': sku(d.sku).on_hand += d.delta; break;
          case 'reorder_point_set': sku(d.sku).reorder_point = d.reorderPoint; break;
          case 'order_placed': {
            const lines = (d.items as { sku: string; qty: number }[]).map((i) => ({ sku: i.sku, qty: i.qty }));
            for (const l of lines) sku(l.sku).reserved += l.qty;
            setOrder(d.orderId, { status: 'placed', lines });
            break;
          }
          case 'payment_authorized':
          case 'payment_declined': {
            const u = user(d.userId);
            u.attempts++;
            const w = (velocity.get(d.userId) ?? []).filter((t) => t > e.ts - 600_000);
            w.push(e.ts);
            velocity.set(d.userId, w);
            if (w.length === 5) alerts.push({ type: 'velocity', key: d.userId, ts: e.ts });
            const o = orders.get(d.orderId);
            if (o && e.type === 'payment_authorized' && o.status === 'placed') setOrder(d.orderId, { ...o, status: 'paid' });
            break;
          }
          case 'order_shipped': {
            const o = orders.get(d.orderId);
            if (!o || o.status !== 'paid') break;
            for (const l of o.lines) {
              sku(l.sku).reserved -= l.qty;
              sku(l.sku).on_hand -= l.qty;
            }
            setOrder(d.orderId, { ...o, status: 'shipped' });
            break;
          }
          case 'order_cancelled': {
            const o = orders.get(d.orderId);
            if (!o || (o.status !== 'placed' && o.status !== 'paid')) break;
            for (const l of o.lines) sku(l.sku).reserved -= l.qty;
            setOrder(d.orderId, { ...o, status: 'cancelled' });
            break;
          }
          case 'login_succeeded': user(d.userId).last_country = d.country; break;
          default: break;
        }
      }
      await upsert(sql`
        with s as (
          insert into naive_skus as t (sku, on_hand, reserved, reorder_point, low_stock)
          select sku, on_hand, reserved, reorder_point, coalesce(reorder_point, 0) > 0 and on_hand - reserved < reorder_point
          from json_to_recordset(${sql.json([...skus.values()] as never)}::json) as x(sku text, on_hand bigint, reserved bigint, reorder_point bigint)
          on conflict (sku) do update set
            on_hand = t.on_hand + excluded.on_hand,
            reserved = greatest(0, t.reserved + excluded.reserved),
            reorder_point = coalesce(excluded.reorder_point, t.reorder_point),
            low_stock = coalesce(excluded.reorder_point, t.reorder_point, 0) > 0
              and (t.on_hand + excluded.on_hand) - greatest(0, t.reserved + excluded.reserved) < coalesce(excluded.reorder_point, t.reorder_point, 0)
        ), o as (
          insert into naive_orders as t (order_id, status, lines)
          select order_id, status, lines from json_to_recordset(${sql.json([...orderRows.values()] as never)}::json) as x(order_id text, status text, lines jsonb)
          on conflict (order_id) do update set status = excluded.status
        ), u as (
          insert into naive_users as t (user_id, attempts, last_country)
          select user_id, attempts, last_country from json_to_recordset(${sql.json([...users.values()] as never)}::json) as x(user_id text, attempts bigint, last_country text)
          on conflict (user_id) do update set attempts = t.attempts + excluded.attempts, last_country = coalesce(excluded.last_country, t.last_country)
        ), a as (
          insert into naive_alerts (type, key, ts)
          select type, key, ts from json_to_recordset(${sql.json(alerts as never)}::json) as x(type text, key text, ts bigint)
        )
        select 1`);
      statements++;
      const now = Date.now();
      for (const m of batch.messages) latency.record(now - Number(m.timestamp));
      count += batch.messages.length;
      if (count >= cfg.expect) resolve();
    },
  });
});
const at = Date.now();
timeout.clear();
emit({
  event: 'done', records: count, startedAtMs: processStartMs(), firstAtMs, processedAtMs: at, durableAtMs: at,
  // The state is in Postgres when the batch's statement returns: event→state is event→durable.
  latency: { state: latency.summary(), durable: latency.summary() },
  extra: { statements },
});
await untilStopped();
await consumer.disconnect().catch(() => {});
await sql.end({ timeout: 5 });
process.exit(0);
