import { createTestDriver } from '../../actors/test-driver.ts';
import { orderActor } from '../../actors/order.ts';
import { skuActor } from '../../actors/sku.ts';
import { userActor } from '../../actors/user.ts';
import { skuAffinity, type SkuAffinityState } from '../../actors/recommendations/sku-affinity.ts';
import { partitionOf } from '../../adapters/kafkajs/partitioner.ts';
import { decodeEvent, keyOf, topicOf, type Alert, type DomainEvent } from '../../schemas/index.ts';
import type postgres from 'postgres';

/**
 * The independent oracle: the pure test driver folding the same events. It shares only the actor
 * modules with the runtime — no Kafka, no Postgres, no shard code.
 */
export interface Expected {
  states: Map<string, Map<string, unknown>>;
  alerts: Alert[];
}

/** The actor types the oracle folds: the built-in ones and recommendations' sku_affinity (on by default). */
export const ORACLE_TYPES = ['sku', 'order', 'user', 'sku_affinity'] as const;

export function foldWithDriver(events: readonly DomainEvent[]): Expected {
  const driver = createTestDriver([skuActor, orderActor, userActor, skuAffinity], { recordHistory: false });
  // The generator emits events as they travel (some order_placed still v1); the runtime decodes
  // and upcasts each record, so the oracle folds the decoded form too.
  driver.pipe(events.map((e) => {
    const decoded = decodeEvent(e);
    if (!decoded.ok) throw decoded.error;
    return decoded.event;
  }));
  const states = new Map<string, Map<string, unknown>>();
  for (const t of ORACLE_TYPES) states.set(t, new Map(driver.states(t)));
  return { states, alerts: [...driver.alerts()] };
}

/**
 * `events` as the driver must see them to equal a run that merges in event time (engine/shard/
 * merge-key.ts): by event time made monotone per partition (its running maximum), then topic,
 * partition and offset — the offsets being the order `events` were produced in, partition by
 * partition. Stable, so events the order leaves tied keep their place.
 */
export function inLogOrder(events: readonly DomainEvent[], partitions: number): DomainEvent[] {
  const clocks = new Map<string, number>();
  const keyed = events.map((e, index) => {
    const topic = topicOf(e.type);
    const partition = partitionOf(keyOf(e), partitions);
    const tp = `${topic}:${partition}`;
    const at = Math.max(clocks.get(tp) ?? -Infinity, e.ts);
    clocks.set(tp, at);
    return { e, at, topic, partition, index };
  });
  keyed.sort((a, b) => a.at - b.at || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) || a.partition - b.partition || a.index - b.index);
  return keyed.map((k) => k.e);
}

/**
 * Closing events that push every transaction partition's event time two hours past the stream,
 * so payment timeouts fire in the runtime's per-shard clocks as in the driver's single clock.
 * Each is an order_cancelled of an order never placed: an invalid_transition on both sides.
 */
export function closingEvents(events: readonly DomainEvent[], partitions: number): DomainEvent[] {
  const last = events.reduce((m, e) => Math.max(m, e.ts), 0);
  const out: DomainEvent[] = [];
  for (let p = 0, i = 0; p < partitions; i++) {
    const orderId = `o-closing-${i}`;
    if (partitionOf(orderId, partitions) !== p) continue;
    out.push({ id: `e-closing-${p}`, type: 'order_cancelled', v: 1, ts: last + 2 * 3_600_000, data: { orderId, reason: 'closing' } });
    p++;
  }
  return out;
}

/** States and alerts as the runtime committed them to Postgres. */
export async function committed(sql: postgres.Sql): Promise<Expected> {
  const states = new Map<string, Map<string, unknown>>(ORACLE_TYPES.map((t) => [t, new Map()]));
  for (const r of await sql`select actor_type, key, state from actor_states`) states.get(r.actor_type)!.set(r.key, r.state);
  const alerts = (await sql`select body from alerts`).map((r) => r.body as Alert);
  return { states, alerts };
}

/**
 * Entities whose committed state differs from the oracle's (JSON equality), per actor type. With
 * `exact` (a run that merges user and sku_affinity inputs in event time), users keep their alert
 * history and sku_affinity states are compared whole: nothing is left to arrival order.
 */
export function stateDiffs(actual: Expected, expected: Expected, opts: { exact?: boolean } = {}): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [type, want] of expected.states) {
    const got = actual.states.get(type)!;
    const diffs: string[] = [];
    const comparable = type === 'user' && !opts.exact ? withoutAlertHistory : (x: unknown) => x;
    for (const [key, state] of want) {
      const same = type === 'sku_affinity' && !opts.exact ? sameAffinity(got.get(key), state) : canonical(comparable(got.get(key))) === canonical(comparable(state));
      if (!same) diffs.push(key);
    }
    for (const key of got.keys()) if (!want.has(key)) diffs.push(key);
    out[type] = diffs;
    if (diffs.length > 0) {
      const k = diffs[0]!;
      console.error(`${type} ${k}:\n  committed ${canonical(got.get(k))}\n  oracle    ${canonical(want.get(k))}`);
    }
  }
  return out;
}

/**
 * A user's state without its record of the alerts it raised: fraud alerts may shift under backlog
 * reordering (alertComparison reports them) and the record shifts with them; it is checked against
 * the committed alerts instead (analytics-oracle.ts), which it must match exactly.
 */
function withoutAlertHistory(state: unknown): unknown {
  if (!state || typeof state !== 'object') return state;
  const { alertCounts: _c, lastAlertType: _t, lastAlertAt: _a, ...rest } = state as Record<string, unknown>;
  return rest;
}

/**
 * sku_affinity states: bought-together messages reach a SKU from every order partition, in an
 * arrival order that differs between the driver and a backlog. Below its partner cap a state is a
 * function of the set of messages (exact counts): it must match exactly. A saturated one (more
 * distinct partners than the cap, in both, since that does not depend on order) is a space-saving
 * summary whose bottom entries depend on arrival order: its orders, units and partner count must
 * match, and its first partner must be one the oracle keeps too.
 */
function sameAffinity(got: unknown, want: unknown): boolean {
  const w = want as SkuAffinityState | undefined;
  const g = got as SkuAffinityState | undefined;
  if (!w?.saturated || !g) return canonical(got) === canonical(want);
  return g.saturated === true && g.orders === w.orders && g.units === w.units && g.partners.length === w.partners.length && w.partners.includes(g.partners[0]!);
}

/** JSON with object keys sorted: jsonb does not keep key order, and undefined fields vanish. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/**
 * Compares alerts. Order and SKU alerts, and every alert id's uniqueness, must match exactly.
 * User fraud alerts are judged on payment facts that reach a user from several order partitions,
 * in an arrival order that differs between the driver (immediate delivery) and a backlog being
 * consumed or replayed; until inbox messages are applied in event-time order (watermarks), a
 * fraud alert may fire on a different attempt or not at all. So for them: every raised alert must
 * be one the oracle raised for that user and rule, and the misses are reported, not hidden.
 */
export function alertComparison(actual: Expected, expected: Expected): { exactDiff: string[]; unexpectedFraud: string[]; missedFraud: string[]; duplicates: number } {
  const isFraud = (a: Alert) => a.entityType === 'user';
  const ids = (list: Alert[]) => new Set(list.map((a) => a.id));
  const exactA = ids(actual.alerts.filter((a) => !isFraud(a)));
  const exactE = ids(expected.alerts.filter((a) => !isFraud(a)));
  const exactDiff = [...[...exactA].filter((id) => !exactE.has(id)).map((id) => `+${id}`), ...[...exactE].filter((id) => !exactA.has(id)).map((id) => `-${id}`)];
  const pair = (a: Alert) => `${a.type}:${a.entityKey}`;
  const fraudE = new Set(expected.alerts.filter(isFraud).map(pair));
  const fraudA = new Set(actual.alerts.filter(isFraud).map(pair));
  return {
    exactDiff,
    unexpectedFraud: [...fraudA].filter((p) => !fraudE.has(p)),
    missedFraud: [...fraudE].filter((p) => !fraudA.has(p)),
    duplicates: actual.alerts.length - ids(actual.alerts).size,
  };
}
