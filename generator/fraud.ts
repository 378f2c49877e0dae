import { FOREIGN_COUNTRIES, TESTING_DECLINES } from './catalog.ts';
import type { FraudPattern } from './ground-truth.ts';
import { cancelForFraudReview, expireAfterTimeout, fulfil } from './order-life.ts';
import { authorize, buildOrder, decline, placeOrder, type Order } from './orders.ts';
import { MINUTE, SECOND, Trigger, draft, think, type Process, type Sim } from './sim.ts';
import { available, type Sku, type User } from './world.ts';

/**
 * The injected fraud patterns. Each runs on a fresh user that no background traffic touches, so
 * patterns never mix with each other or with ordinary behaviour, and each trips exactly its own
 * rule of docs/domain-rules.md: the event yielded as a `Trigger` is the one at which the rule's
 * condition first holds, and the figures are chosen so no other rule fires on the way.
 *
 * @example sim.spawn(fraudPattern(sim, 'card_testing'));
 */
export function fraudPattern(sim: Sim, pattern: FraudPattern): Process {
  switch (pattern) {
    case 'velocity':
      return velocity(sim);
    case 'card_testing':
      return cardTesting(sim);
    case 'amount_anomaly':
      return amountAnomaly(sim);
    case 'impossible_travel':
      return impossibleTravel(sim);
    case 'account_takeover':
      return accountTakeover(sim);
  }
}

/** A bot buying fast: 5–7 orders of one user, each paid seconds after placing, attempts 23–82 s
 * apart, so attempt #5 lands < 6 min after #1 (≥ 5 in 10 min). One card, amounts ≤ 150. */
function* velocity(sim: Sim): Process {
  const { rng } = sim;
  const user = sim.world.freshUser();
  const from = sim.now;
  yield homeLogin(sim, user);
  yield rng.int(20 * SECOND, 90 * SECOND);
  const card = user.cards[0]!;
  const attempts = rng.int(5, 7);
  for (let i = 0; i < attempts; i++) {
    const order = smallOrder(sim, user, 150_00);
    if (!order) return;
    yield placeOrder(sim, order);
    yield rng.int(3 * SECOND, 12 * SECOND);
    // One soft decline with the same card adds realism without making it card testing.
    const declined = i === 1 && rng.chance(0.5);
    const attempt = declined ? decline(order, card, 'insufficient_funds') : authorize(order, card);
    yield i === 4 ? new Trigger(attempt, 'velocity', user.id, from) : attempt;
    sim.spawn(declined ? expireAfterTimeout(order) : cancelForFraudReview(sim, order));
    yield rng.int(20 * SECOND, 70 * SECOND);
  }
}

/** Stolen card numbers tried on one small order: 3–4 declines, each with a new card, 8–45 s apart.
 * At most 4 attempts, so velocity stays quiet. The order is never paid and expires. */
function* cardTesting(sim: Sim): Process {
  const { rng } = sim;
  const user = sim.world.freshUser();
  const from = sim.now;
  yield homeLogin(sim, user);
  yield think(rng, 20 * SECOND);
  const order = smallOrder(sim, user, 40_00);
  if (!order) return;
  yield placeOrder(sim, order);
  yield rng.int(5 * SECOND, 20 * SECOND);
  const tries = rng.int(3, 4);
  for (let i = 0; i < tries; i++) {
    const attempt = decline(order, `fp-${rng.hex(16)}`, rng.pick(TESTING_DECLINES));
    yield i === 2 ? new Trigger(attempt, 'card_testing', user.id, from) : attempt;
    yield rng.int(8 * SECOND, 45 * SECOND);
  }
  sim.spawn(expireAfterTimeout(order));
}

/** A customer with 2–3 small authorized purchases (≤ 90 each), then one authorized purchase of
 * 1.3–3× max(500, 5 × their average). 3–4 attempts in all: no velocity. */
function* amountAnomaly(sim: Sim): Process {
  const { rng } = sim;
  const user = sim.world.freshUser();
  const from = sim.now;
  const card = user.cards[0]!;
  yield homeLogin(sim, user);
  yield think(rng, 20 * SECOND);
  const history = rng.int(2, 3);
  let paidCents = 0;
  for (let i = 0; i < history; i++) {
    const order = smallOrder(sim, user, 90_00);
    if (!order) return;
    yield placeOrder(sim, order);
    yield rng.int(5 * SECOND, 20 * SECOND);
    yield authorize(order, card);
    paidCents += order.totalCents;
    sim.spawn(fulfil(sim, order));
    yield rng.int(40 * SECOND, 2 * MINUTE);
  }
  const thresholdCents = Math.max(500_00, (5 * paidCents) / history);
  const big = premiumOrder(sim, user, Math.round(thresholdCents * rng.between(1.3, 3)));
  if (!big) return;
  yield placeOrder(sim, big);
  yield rng.int(10 * SECOND, 30 * SECOND);
  yield new Trigger(authorize(big, card), 'amount_anomaly', user.id, from);
  sim.spawn(cancelForFraudReview(sim, big));
}

/** A login at home, then 2–40 minutes later a payment authorized abroad (< 60 min: the rule's
 * window). The only payment of this user: no other rule can fire. */
function* impossibleTravel(sim: Sim): Process {
  const { rng } = sim;
  const user = sim.world.freshUser();
  const from = sim.now;
  yield homeLogin(sim, user);
  yield rng.int(2 * MINUTE, 40 * MINUTE);
  const abroad = rng.pick(FOREIGN_COUNTRIES);
  const order = smallOrder(sim, user, 300_00, abroad);
  if (!order) return;
  yield placeOrder(sim, order);
  yield rng.int(5 * SECOND, 30 * SECOND);
  yield new Trigger(authorize(order, user.cards[0]!, abroad), 'impossible_travel', user.id, from);
  sim.spawn(cancelForFraudReview(sim, order));
}

/** The owner logs in from home; later 3–6 failed logins from abroad (within 4 min), a successful
 * one from that country on a new device, and within 9 minutes the email or payment method changes
 * (sometimes after the password). A second sensitive change follows at times: still one alert. */
function* accountTakeover(sim: Sim): Process {
  const { rng } = sim;
  const user = sim.world.freshUser();
  const from = sim.now;
  yield homeLogin(sim, user);
  yield think(rng, 10 * SECOND);
  yield draft('page_viewed', { userId: user.id, path: '/account' });
  yield rng.int(2 * MINUTE, 20 * MINUTE);
  const country = rng.pick(FOREIGN_COUNTRIES);
  const ip = `${rng.int(100, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(2, 254)}`;
  const fails = rng.int(3, 6);
  for (let i = 0; i < fails; i++) {
    yield draft('login_failed', { userId: user.id, country, ip });
    yield rng.int(3 * SECOND, 40 * SECOND);
  }
  yield draft('login_succeeded', { userId: user.id, country, ip, deviceId: `d-${rng.hex(10)}` });
  yield rng.int(30 * SECOND, 8 * MINUTE);
  if (rng.chance(0.5)) {
    yield draft('account_updated', { userId: user.id, field: 'password' });
    yield rng.int(10 * SECOND, 60 * SECOND);
  }
  const first = rng.chance(0.5) ? 'email' : 'payment_method';
  yield new Trigger(draft('account_updated', { userId: user.id, field: first }), 'account_takeover', user.id, from);
  if (rng.chance(0.5)) {
    yield rng.int(10 * SECOND, 90 * SECOND);
    yield draft('account_updated', { userId: user.id, field: first === 'email' ? 'payment_method' : 'email' });
  }
}

function homeLogin(sim: Sim, user: User) {
  const ip = user.ipPrefix + sim.rng.int(2, 254);
  return draft('login_succeeded', { userId: user.id, country: user.country, ip, deviceId: user.devices[0]! });
}

/** One or two popular items, qty 1, under `maxCents`; a few tries in case the first picks do not fit. */
function smallOrder(sim: Sim, user: User, maxCents: number, country?: string): Order | undefined {
  for (let tries = 0; tries < 20; tries++) {
    const wanted = [{ sku: sim.world.popularSku(sim.rng), qty: 1 }];
    if (sim.rng.chance(0.3)) wanted.push({ sku: sim.world.popularSku(sim.rng), qty: 1 });
    const order = buildOrder(sim, user, wanted, maxCents, country);
    if (order) return order;
  }
  return undefined;
}

/** An order of the most expensive SKUs in stock whose total exceeds `minCents`. */
function premiumOrder(sim: Sim, user: User, minCents: number): Order | undefined {
  const top = mostExpensive(sim.world.skus);
  const start = sim.rng.int(0, top.length - 1);
  const wanted: { sku: Sku; qty: number }[] = [];
  let total = 0;
  for (let i = 0; i < top.length && wanted.length < 5 && total <= minCents; i++) {
    const sku = top[(start + i) % top.length]!;
    const qty = Math.min(available(sku), Math.floor((minCents - total) / sku.priceCents) + 1);
    if (qty <= 0) continue;
    wanted.push({ sku, qty });
    total += qty * sku.priceCents;
  }
  const order = buildOrder(sim, user, wanted, Infinity);
  return order && order.totalCents > minCents ? order : undefined;
}

const topCache = new WeakMap<readonly Sku[], Sku[]>();

function mostExpensive(skus: readonly Sku[]): Sku[] {
  let top = topCache.get(skus);
  if (!top) {
    top = [...skus].sort((a, b) => b.priceCents - a.priceCents).slice(0, 25);
    topCache.set(skus, top);
  }
  return top;
}
