import type { DomainEvent } from '../../schemas/index.ts';

/**
 * A reference reading of docs/domain-rules.md for the generator's tests: replays a stream in `ts`
 * order and reports the fraud alerts the user rules raise, the order transitions that would be
 * invalid, and the reservations the SKU rules would refuse. Written from the rules page, not from
 * the generator, so that the ground truth is checked against the contract. Simplification: stock
 * replies are immediate (the generator emits in ts order, so no reply can be overtaken).
 */
export interface OracleReport {
  alerts: { id: string; type: string; userId: string; eventId: string; ts: number }[];
  invalidTransitions: { orderId: string; eventId: string; type: string; status: string }[];
  refusedReservations: { orderId: string; sku: string; eventId: string }[];
}

const MIN = 60_000;
const VELOCITY = { n: 5, window: 10 * MIN };
const CARD_TESTING = { n: 3, cards: 3, window: 10 * MIN };
const TRAVEL_WINDOW = 60 * MIN;
const TAKEOVER = { failures: 3, window: 30 * MIN };
const PAYMENT_TIMEOUT = 15 * MIN;

type Status = 'new' | 'reserved' | 'rejected' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'expired';

interface OrderState {
  status: Status;
  lines: { sku: string; qty: number }[];
}

interface UserState {
  attempts: number[];
  velocityArmed: boolean;
  declines: { ts: number; card: string }[];
  cardTestingArmed: boolean;
  authorizedCount: number;
  authorizedSum: number;
  lastLogin?: { ts: number; country: string };
  countries: Set<string>;
  devices: Set<string>;
  failures: number[];
  suspiciousLoginTs?: number;
}

/** Replays `events` (in stream order) through the reference rules. */
export function replay(events: Iterable<DomainEvent>): OracleReport {
  const report: OracleReport = { alerts: [], invalidTransitions: [], refusedReservations: [] };
  const orders = new Map<string, OrderState>();
  const users = new Map<string, UserState>();
  const stock = new Map<string, { onHand: number; reserved: number }>();
  // Timers are armed in ts order with a fixed delay, so a FIFO queue is already sorted by due time.
  const timers: { at: number; orderId: string }[] = [];
  let timerHead = 0;

  const skuOf = (sku: string) => stock.get(sku) ?? stock.set(sku, { onHand: 0, reserved: 0 }).get(sku)!;
  const userOf = (id: string) => users.get(id) ?? users.set(id, newUser()).get(id)!;
  const release = (o: OrderState) => o.lines.forEach((l) => (skuOf(l.sku).reserved -= l.qty));
  const alert = (type: string, userId: string, e: DomainEvent) =>
    report.alerts.push({ id: `user/${userId}/${type}/${e.id}`, type, userId, eventId: e.id, ts: e.ts });
  const invalid = (e: DomainEvent, orderId: string, o: OrderState) =>
    report.invalidTransitions.push({ orderId, eventId: e.id, type: e.type, status: o.status });

  for (const e of events) {
    // A timer due at `at` fires before any input with ts > at.
    while (timerHead < timers.length && timers[timerHead]!.at < e.ts) {
      const o = orders.get(timers[timerHead++]!.orderId)!;
      if (o.status === 'reserved') {
        o.status = 'expired';
        release(o);
      }
    }
    const d = e.data as Record<string, any>;
    switch (e.type) {
      case 'stock_received':
        skuOf(d.sku).onHand += d.qty;
        break;
      case 'stock_adjusted':
        skuOf(d.sku).onHand += d.delta;
        break;
      case 'order_placed': {
        const o: OrderState = { status: 'reserved', lines: [] };
        if (orders.has(d.orderId)) {
          invalid(e, d.orderId, orders.get(d.orderId)!);
          break;
        }
        orders.set(d.orderId, o);
        for (const item of d.items as { sku: string; qty: number }[]) {
          const s = skuOf(item.sku);
          if (s.onHand - s.reserved >= item.qty) {
            s.reserved += item.qty;
            o.lines.push({ sku: item.sku, qty: item.qty });
          } else {
            report.refusedReservations.push({ orderId: d.orderId, sku: item.sku, eventId: e.id });
            o.status = 'rejected';
          }
        }
        if (o.status === 'rejected') release(o);
        timers.push({ at: e.ts + PAYMENT_TIMEOUT, orderId: d.orderId });
        break;
      }
      case 'payment_authorized':
      case 'payment_declined': {
        const o = orders.get(d.orderId) ?? { status: 'new' as Status, lines: [] };
        if (e.type === 'payment_authorized' && o.status === 'reserved') o.status = 'paid';
        else if (o.status !== 'reserved') invalid(e, d.orderId, o);
        paymentAttempt(userOf(d.userId), d.userId, e, alert);
        break;
      }
      case 'order_shipped':
      case 'order_delivered':
      case 'order_cancelled':
      case 'refund_issued': {
        const o = orders.get(d.orderId) ?? { status: 'new' as Status, lines: [] };
        const next = orderTransition(e.type, o.status);
        if (!next) {
          invalid(e, d.orderId, o);
          break;
        }
        if (e.type === 'order_shipped') o.lines.forEach((l) => ((skuOf(l.sku).reserved -= l.qty), (skuOf(l.sku).onHand -= l.qty)));
        if (e.type === 'order_cancelled') release(o);
        o.status = next;
        break;
      }
      case 'login_failed':
        userOf(d.userId).failures.push(e.ts);
        break;
      case 'login_succeeded': {
        const u = userOf(d.userId);
        const isNew = !u.countries.has(d.country) || !u.devices.has(d.deviceId);
        u.failures = u.failures.filter((t) => e.ts - t < TAKEOVER.window);
        const recentFailures = u.failures.length;
        if (isNew && recentFailures >= TAKEOVER.failures) u.suspiciousLoginTs = e.ts;
        u.countries.add(d.country);
        u.devices.add(d.deviceId);
        u.lastLogin = { ts: e.ts, country: d.country };
        break;
      }
      case 'account_updated': {
        const u = userOf(d.userId);
        if ((d.field === 'email' || d.field === 'payment_method') && u.suspiciousLoginTs !== undefined) {
          if (e.ts - u.suspiciousLoginTs < TAKEOVER.window) alert('account_takeover', d.userId, e);
          u.suspiciousLoginTs = undefined;
        }
        break;
      }
      default:
        break;
    }
  }
  return report;
}

function paymentAttempt(u: UserState, userId: string, e: DomainEvent, alert: (t: string, u: string, e: DomainEvent) => void): void {
  const d = e.data as Record<string, any>;
  u.attempts = u.attempts.filter((t) => e.ts - t < VELOCITY.window);
  if (u.attempts.length < VELOCITY.n) u.velocityArmed = true;
  u.attempts.push(e.ts);
  if (u.attempts.length >= VELOCITY.n && u.velocityArmed) {
    u.velocityArmed = false;
    alert('velocity', userId, e);
  }
  u.declines = u.declines.filter((x) => e.ts - x.ts < CARD_TESTING.window);
  const testing = () => u.declines.length >= CARD_TESTING.n && new Set(u.declines.map((x) => x.card)).size >= CARD_TESTING.cards;
  if (!testing()) u.cardTestingArmed = true;
  if (e.type === 'payment_declined') {
    u.declines.push({ ts: e.ts, card: d.cardFingerprint });
    if (testing() && u.cardTestingArmed) {
      u.cardTestingArmed = false;
      alert('card_testing', userId, e);
    }
    return;
  }
  if (u.authorizedCount > 0 && d.amount > 5 * (u.authorizedSum / u.authorizedCount) && d.amount > 500) {
    alert('amount_anomaly', userId, e);
  }
  u.authorizedCount++;
  u.authorizedSum += d.amount;
  if (u.lastLogin && e.ts - u.lastLogin.ts < TRAVEL_WINDOW && u.lastLogin.country !== d.country) {
    alert('impossible_travel', userId, e);
  }
}

function orderTransition(type: DomainEvent['type'], status: Status): Status | undefined {
  switch (type) {
    case 'order_shipped':
      return status === 'paid' ? 'shipped' : undefined;
    case 'order_delivered':
      return status === 'shipped' ? 'delivered' : undefined;
    case 'order_cancelled':
      return status === 'reserved' || status === 'paid' ? 'cancelled' : undefined;
    case 'refund_issued':
      return status === 'delivered' ? 'delivered' : undefined;
    default:
      return undefined;
  }
}

function newUser(): UserState {
  return {
    attempts: [],
    velocityArmed: true,
    declines: [],
    cardTestingArmed: true,
    authorizedCount: 0,
    authorizedSum: 0,
    countries: new Set(),
    devices: new Set(),
    failures: [],
  };
}
