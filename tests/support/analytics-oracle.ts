import { expect } from 'bun:test';
import type postgres from 'postgres';
import { ordersReadModel } from '../../actors/analytics/order-analytics.ts';
import { skuStockReadModel } from '../../actors/analytics/sku-analytics.ts';
import { userRiskReadModel } from '../../actors/analytics/user-analytics.ts';
import { orderActor, type OrderState } from '../../actors/order.ts';
import { skuActor } from '../../actors/sku.ts';
import { userActor, type UserState } from '../../actors/user.ts';
import type { ReadModel } from '../../actors/projection.ts';
import { decodeEvent, type Alert, type DomainEvent } from '../../schemas/index.ts';
import { canonical, type Expected } from './oracle.ts';

/**
 * The analytics half of the oracle (issue #15). After a run, what the checkpoints wrote for
 * analysts must equal folds that share no code with the engine's write path:
 * - `sales_minute` orders placed and gross value per minute, country and currency: folded from
 *   the produced events themselves (first order_placed of each order, dedup by event id);
 * - its paid/cancelled/revenue/items, `sku_sales_minute` and the funnel's orders/paid: folded from
 *   the oracle's final order states (which the states check proves equal to the committed ones);
 * - the funnel's page views and carts: counted from the events;
 * - `alerts_minute`: counted from the committed alerts table;
 * - every read-model row equals its projection of the committed state (same transaction);
 * - each user's alert history equals its alerts in the alerts table.
 * A doubled or lost checkpoint share shows up as a count that differs.
 */
export async function expectAnalyticsEqualOracle(sql: postgres.Sql, events: readonly DomainEvent[], expected: Expected, committedNow: Expected): Promise<void> {
  const decoded = events.map((e) => {
    const d = decodeEvent(e);
    if (!d.ok) throw d.error;
    return d.event;
  });
  const orders = expected.states.get('order') as Map<string, OrderState>;
  expect(await salesFromDb(sql)).toEqual(salesFold(decoded, orders));
  expect(await funnelFromDb(sql)).toEqual(funnelFold(decoded, orders));
  expect(await skuSalesFromDb(sql)).toEqual(skuSalesFold(orders));
  expect(await alertsFromDb(sql)).toEqual(alertsFold(committedNow.alerts));
  await expectReadModel(sql, ordersReadModel, committedNow.states.get('order')!, orderActor.initial);
  await expectReadModel(sql, skuStockReadModel, committedNow.states.get('sku')!, skuActor.initial);
  await expectReadModel(sql, userRiskReadModel, committedNow.states.get('user')!, userActor.initial);
  expect(alertHistoryMismatches(committedNow)).toEqual([]);
}

type Table = Record<string, number[]>;

const minute = (ts: number) => new Date(Math.floor(ts / 60_000) * 60_000).toISOString();
const minor = (amount: number) => Math.round(amount * 100);

function add(t: Table, key: string, values: number[]): void {
  const row = (t[key] ??= values.map(() => 0));
  values.forEach((v, i) => (row[i]! += v));
}

function salesFold(events: readonly DomainEvent[], orders: ReadonlyMap<string, OrderState>): Table {
  const t: Table = {};
  const seenIds = new Set<string>();
  const placed = new Set<string>();
  for (const e of events) {
    if (seenIds.has(e.id)) continue;
    seenIds.add(e.id);
    if (e.type !== 'order_placed' || placed.has(e.data.orderId)) continue;
    placed.add(e.data.orderId);
    const gross = e.data.items.reduce((sum, i) => sum + i.qty * minor(i.unitPrice), 0);
    add(t, `${minute(e.ts)}|${e.data.country}|${e.data.currency}`, [1, 0, 0, gross, 0, 0]);
  }
  for (const s of orders.values()) {
    const items = s.lines.reduce((n, l) => n + l.qty, 0);
    if (s.authorizedAt !== undefined) add(t, `${minute(s.authorizedAt)}|${s.country}|${s.currency}`, [0, 1, 0, 0, s.total, items]);
    if (s.endedAt !== undefined) add(t, `${minute(s.endedAt)}|${s.country}|${s.currency}`, [0, 0, 1, 0, 0, 0]);
  }
  return t;
}

function funnelFold(events: readonly DomainEvent[], orders: ReadonlyMap<string, OrderState>): Table {
  const t: Table = {};
  const seenIds = new Set<string>();
  for (const e of events) {
    if (seenIds.has(e.id)) continue;
    seenIds.add(e.id);
    if (e.type === 'page_viewed') add(t, minute(e.ts), [1, 0, 0, 0]);
    if (e.type === 'cart_item_added') add(t, minute(e.ts), [0, 1, 0, 0]);
  }
  for (const s of orders.values()) {
    if (s.status !== 'new') add(t, minute(s.placedAt), [0, 0, 1, 0]);
    if (s.authorizedAt !== undefined) add(t, minute(s.authorizedAt), [0, 0, 0, 1]);
  }
  return t;
}

function skuSalesFold(orders: ReadonlyMap<string, OrderState>): Table {
  const t: Table = {};
  for (const s of orders.values()) {
    if (s.authorizedAt === undefined) continue;
    for (const l of s.lines) add(t, `${minute(s.authorizedAt)}|${l.sku}|${s.currency}`, [l.qty, l.qty * l.price]);
  }
  return t;
}

function alertsFold(alerts: readonly Alert[]): Table {
  const t: Table = {};
  for (const a of alerts) add(t, `${minute(a.ts)}|${a.type}`, [1]);
  return t;
}

async function tableFromDb(rows: Promise<Record<string, unknown>[]>, dims: string[], measures: string[]): Promise<Table> {
  const t: Table = {};
  for (const r of await rows) add(t, [(r.minute as Date).toISOString(), ...dims.map((d) => r[d] as string)].join('|'), measures.map((m) => Number(r[m])));
  return t;
}

const salesFromDb = (sql: postgres.Sql) =>
  tableFromDb(sql`select * from sales_minute`, ['country', 'currency'], ['orders_placed', 'orders_paid', 'orders_cancelled', 'gross_minor', 'revenue_minor', 'items']);
const funnelFromDb = (sql: postgres.Sql) => tableFromDb(sql`select * from funnel_minute`, [], ['page_views', 'carts', 'orders', 'paid']);
const skuSalesFromDb = (sql: postgres.Sql) => tableFromDb(sql`select * from sku_sales_minute`, ['sku', 'currency'], ['units', 'revenue_minor']);
const alertsFromDb = (sql: postgres.Sql) => tableFromDb(sql`select * from alerts_minute`, ['alert_type'], ['alerts']);

/**
 * Every committed state's projection is the row in its read-model table, and no row lacks a state.
 * An entity whose state is still its initial one may have no row (rows are written when a state
 * changes: a user who only browsed has none).
 */
async function expectReadModel(sql: postgres.Sql, model: ReadModel<any>, states: ReadonlyMap<string, unknown>, initial: (key: string) => unknown): Promise<void> {
  const key = model.columns[0]!.name;
  const cols = model.columns.map((c) => (c.type === 'timestamptz' ? `(extract(epoch from ${c.name}) * 1000)::float8 as ${c.name}` : c.type === 'bigint' ? `${c.name}::float8 as ${c.name}` : c.name));
  const rows = await sql.unsafe(`select ${cols.join(', ')} from ${model.table}`);
  const stored = new Map(rows.map((r) => [r[key] as string, canonical(model.columns.map((c) => r[c.name] ?? null))]));
  const want = new Map<string, string>();
  for (const [k, s] of states) {
    const row = model.row(k, s);
    if (row) want.set(k, canonical(row.map((v) => v ?? null)));
  }
  const untouched = (k: string) => !stored.has(k) && canonical(states.get(k)) === canonical(initial(k));
  const differ = [...want].filter(([k, v]) => stored.get(k) !== v && !untouched(k)).map(([k]) => k);
  const extra = [...stored.keys()].filter((k) => !want.has(k));
  if (differ.length) console.error(`${model.table} ${differ[0]}:\n  stored    ${stored.get(differ[0]!)}\n  projected ${want.get(differ[0]!)}`);
  expect({ table: model.table, differ: differ.slice(0, 5), extra: extra.slice(0, 5) }).toEqual({ table: model.table, differ: [], extra: [] });
}

/** Users whose recorded alert counts differ from their alerts in the alerts table. */
function alertHistoryMismatches(c: Expected): string[] {
  const counted = new Map<string, Record<string, number>>();
  for (const a of c.alerts) {
    if (a.entityType !== 'user') continue;
    const m = counted.get(a.entityKey) ?? {};
    m[a.type] = (m[a.type] ?? 0) + 1;
    counted.set(a.entityKey, m);
  }
  const out: string[] = [];
  for (const [key, s] of c.states.get('user')! as Map<string, UserState>) {
    if (canonical(s.alertCounts ?? {}) !== canonical(counted.get(key) ?? {})) out.push(key);
  }
  return out;
}
