import { HOME_COUNTRIES, HOME_COUNTRY_WEIGHTS } from './catalog.ts';
import type { ResolvedOptions } from './options.ts';
import { Rng, createZipf, type ZipfSampler } from './random.ts';

/** A simulated customer. Profile fields are fixed; the mutable ones keep background traffic clear
 * of the fraud rules (see `pickFreeUser`). */
export interface User {
  readonly id: string;
  readonly country: string;
  readonly currency: string;
  /** First three octets of the customer's home IPv4 address, with the trailing dot. */
  readonly ipPrefix: string;
  readonly devices: readonly string[];
  readonly cards: readonly string[];
  /** No new background session starts for this user before this event time. */
  busyUntil: number;
  /** Event time of this user's last background login_failed. */
  lastFailAt: number;
}

/** A SKU and the generator's mirror of its stock, kept so orders only ask for what is there. */
export interface Sku {
  readonly id: string;
  readonly priceCents: number;
  onHand: number;
  reserved: number;
  reorderPoint: number;
  restockPending: boolean;
}

/**
 * Average units ordered per emitted event, measured on the default mix (see generator tests'
 * stats). It sizes stock so that SKUs rarely run out at any event-time rate.
 */
const UNITS_PER_EVENT = 0.055;
/** Longest supplier lead time of a restock, in hours (restock.ts draws 10–40 min). */
const MAX_LEAD_HOURS = 40 / 60;
/** Stock fields are capped by the schemas at 1e6; stay well below. */
const MAX_STOCK = 250_000;

/**
 * The customers and catalogue, plus the inventory mirror. Users are created lazily from their index
 * with their own seeded stream, so a profile does not depend on the order users are first met and
 * ten million users cost nothing until they shop.
 */
export class World {
  readonly skus: Sku[];
  private readonly users: (User | undefined)[];
  private readonly userZipf: ZipfSampler;
  private readonly skuZipf: ZipfSampler;
  private freshUsers = 0;

  constructor(
    private readonly opts: ResolvedOptions,
    rng: Rng,
  ) {
    this.users = new Array<User | undefined>(opts.users);
    this.userZipf = createZipf(opts.users, opts.zipfExponent);
    this.skuZipf = createZipf(opts.skus, opts.zipfExponent);
    const unitsPerHour = opts.eventsPerSecond * 3600 * UNITS_PER_EVENT;
    this.skus = [];
    for (let i = 0; i < opts.skus; i++) {
      const demand = this.skuZipf.probability(i + 1) * unitsPerHour * MAX_LEAD_HOURS;
      const reorderPoint = Math.min(MAX_STOCK, Math.ceil(demand * 1.5) + 5);
      this.skus.push({
        id: skuId(i),
        priceCents: drawPriceCents(rng),
        onHand: 0,
        reserved: 0,
        reorderPoint,
        restockPending: false,
      });
    }
  }

  /** A background user by popularity who is not busy at `now`, or undefined when none is found
   * quickly (the caller then emits harmless browsing instead). */
  pickFreeUser(rng: Rng, now: number): User | undefined {
    // Zipf first: the popular users shop most. When they are all busy, fall back to uniform, which
    // flattens the head a little: the price of never overlapping one user's sessions.
    for (let i = 0; i < 8; i++) {
      const user = this.user(this.userZipf.sample(rng));
      if (user.busyUntil <= now) return user;
    }
    for (let i = 0; i < 8; i++) {
      const user = this.user(rng.int(0, this.opts.users - 1));
      if (user.busyUntil <= now) return user;
    }
    return undefined;
  }

  /** Any background user by popularity, busy or not. */
  anyUser(rng: Rng): User {
    return this.user(this.userZipf.sample(rng));
  }

  /** A user no background traffic touches, numbered after the background users. */
  freshUser(): User {
    return createUser(this.opts.seed, this.opts.users + this.freshUsers++);
  }

  /** How many fresh users fraud injection has created. */
  get freshUserCount(): number {
    return this.freshUsers;
  }

  /** A SKU by popularity. */
  popularSku(rng: Rng): Sku {
    return this.skus[this.skuZipf.sample(rng)]!;
  }

  /** Stock a restock brings: a few lead times' worth of demand. */
  restockQty(sku: Sku): number {
    return Math.min(MAX_STOCK, sku.reorderPoint * 3 + 20);
  }

  private user(index: number): User {
    return (this.users[index] ??= createUser(this.opts.seed, index));
  }
}

/** Units of a SKU that an order can still reserve. */
export function available(sku: Sku): number {
  return sku.onHand - sku.reserved;
}

/** `u-000123`: 1-based, zero-padded to six digits. */
export function userId(index: number): string {
  return `u-${String(index + 1).padStart(6, '0')}`;
}

/** `sku-0042`: 1-based, zero-padded to four digits. */
export function skuId(index: number): string {
  return `sku-${String(index + 1).padStart(4, '0')}`;
}

function createUser(seed: number, index: number): User {
  // One stream per user, derived from (seed, index): odd multipliers keep the mix a bijection.
  const rng = Rng.fromSeed((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0);
  const home = rng.weighted(HOME_COUNTRIES, HOME_COUNTRY_WEIGHTS);
  const devices = [`d-${rng.hex(10)}`];
  if (rng.chance(0.45)) devices.push(`d-${rng.hex(10)}`);
  const cards = [`fp-${rng.hex(16)}`];
  if (rng.chance(0.3)) cards.push(`fp-${rng.hex(16)}`);
  return {
    id: userId(index),
    country: home.country,
    currency: home.currency,
    ipPrefix: `${rng.pick(home.ipFirst)}.${rng.int(0, 255)}.${rng.int(0, 255)}.`,
    devices,
    cards,
    busyUntil: -Infinity,
    lastFailAt: -Infinity,
  };
}

function drawPriceCents(rng: Rng): number {
  // A few premium SKUs (electronics, furniture) over a log-normal body of everyday goods.
  const major = rng.chance(0.04) ? rng.between(250, 1500) : Math.min(240, Math.max(2, rng.lognormal(22, 0.8)));
  return Math.round(major) * 100 - 1; // x.99 pricing
}
