import type { DomainEvent } from '../schemas/index.ts';
import { ACCOUNT_FIELDS, ACCOUNT_FIELD_WEIGHTS, ACCOUNT_PAGES, CATEGORIES, SEARCH_TERMS } from './catalog.ts';
import { BACKGROUND_MAX_TOTAL_CENTS, buildOrder, checkout } from './orders.ts';
import { MINUTE, SECOND, draft, think, type Process, type Sim } from './sim.ts';
import type { Sku, User } from './world.ts';

/**
 * Background customer behaviour: a visit of a few minutes — maybe a login (rarely after a typo),
 * some browsing, items added to the cart, sometimes a checkout.
 *
 * Realistic customers do not trip the fraud rules, and neither may these, or the ground truth would
 * miss alerts the actors rightly raise. So, per user: one visit at a time; at least 10 minutes
 * between the last payment attempt of a visit and the next visit (≤ 2 attempts per window: no
 * velocity, no card testing); at most one failed login per 30 minutes (no account takeover); logins
 * and payments from home (no impossible travel); orders ≤ 500 (no amount anomaly).
 */
export function* customerSession(sim: Sim, user: User): Process {
  const { rng } = sim;
  user.busyUntil = Infinity; // until this visit decides when the user may come back
  const ip = user.ipPrefix + rng.int(2, 254);
  if (rng.chance(0.5)) {
    // The other half of visits come with a remembered session: no login event.
    if (rng.chance(0.06) && sim.now - user.lastFailAt >= 30 * MINUTE) {
      user.lastFailAt = sim.now;
      yield draft('login_failed', { userId: user.id, country: user.country, ip });
      yield rng.int(4 * SECOND, 25 * SECOND);
    }
    yield draft('login_succeeded', { userId: user.id, country: user.country, ip, deviceId: rng.pick(user.devices) });
    yield think(rng, 5 * SECOND);
  }

  const cart: { sku: Sku; qty: number }[] = [];
  const views = rng.int(1, 8);
  for (let i = 0; i < views; i++) {
    const view = pageView(sim, user);
    yield view.event;
    if (view.sku && rng.chance(0.22)) {
      yield think(rng, 8 * SECOND);
      const qty = rng.weighted(QTYS, QTY_WEIGHTS);
      cart.push({ sku: view.sku, qty });
      yield draft('cart_item_added', { userId: user.id, sku: view.sku.id, qty });
    }
    yield think(rng);
  }
  if (rng.chance(0.01)) {
    yield draft('account_updated', { userId: user.id, field: rng.weighted(ACCOUNT_FIELDS, ACCOUNT_FIELD_WEIGHTS) });
    yield think(rng);
  }

  let paid = false;
  if (cart.length > 0 && rng.chance(0.55)) {
    yield draft('page_viewed', { userId: user.id, path: '/cart' });
    yield think(rng, 10 * SECOND);
    const order = buildOrder(sim, user, cart, BACKGROUND_MAX_TOTAL_CENTS);
    if (order) {
      yield draft('page_viewed', { userId: user.id, path: '/checkout' });
      yield think(rng, 20 * SECOND);
      paid = yield* checkout(sim, order);
    }
  }
  // After a payment attempt the velocity window (10 min) must pass before the next visit.
  user.busyUntil = sim.now + (paid ? 10 * MINUTE + rng.int(SECOND, 5 * MINUTE) : rng.int(30 * SECOND, 5 * MINUTE));
}

/** A single page view of any user, busy or not: filler when every candidate user is mid-visit.
 * Page views feed no fraud rule, so overlapping a visit is harmless. */
export function* browseOnce(sim: Sim, user: User): Process {
  yield pageView(sim, user).event;
}

const QTYS = [1, 2, 3] as const;
const QTY_WEIGHTS = [80, 15, 5] as const;

function pageView(sim: Sim, user: User): { event: DomainEvent; sku?: Sku } {
  const { rng } = sim;
  const r = rng.float();
  if (r < 0.55) {
    const sku = sim.world.popularSku(rng);
    return { event: draft('page_viewed', { userId: user.id, path: `/products/${sku.id}` }), sku };
  }
  let path: string;
  if (r < 0.72) path = `/search?q=${rng.pick(SEARCH_TERMS)}`;
  else if (r < 0.85) path = `/category/${rng.pick(CATEGORIES)}`;
  else if (r < 0.94) path = '/';
  else path = rng.pick(ACCOUNT_PAGES);
  return { event: draft('page_viewed', { userId: user.id, path }) };
}
