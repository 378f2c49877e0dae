import type { DomainEvent } from '../schemas/index.ts';
import { CUSTOMER_CANCEL_REASONS } from './catalog.ts';
import { commitLines, releaseLines } from './inventory.ts';
import type { Order, OrderLine } from './orders.ts';
import { HOUR, MINUTE, PAYMENT_TIMEOUT, draft, type Process, type Sim, type Step } from './sim.ts';

/**
 * What happens to an order after its checkout, as processes that outlive the customer's session:
 * fulfilment of a paid order (hours to days of event time), the expiry of an unpaid one, and the
 * cancellation of a fraudulent one by the shop's review (up to 45 minutes).
 *
 * Small state machines rather than generator functions, because they are the processes a running
 * generator holds by the thousand: every paid order has a fulfilment for ~13 hours of event time on
 * average (at 2,000 events/s ~10 new ones a second, ~450k held after a day and a half), and the
 * default fraud rate keeps thousands of reviews pending. A suspended generator keeps its whole
 * frame — the Sim, the Order and through it the customer (for fraud, a fresh User of its own);
 * these keep the order id, its lines and its total. Measured with their orders (100k of each, Bun):
 * a fulfilment 456 → 248 B, a fraud review of a fresh user 809 → 231 B (issue #17). They draw from
 * `sim.rng` at exactly the points, and in the order, that the generator functions did, so the
 * stream is unchanged.
 */

/**
 * Life of a paid order: usually shipped within hours and delivered within a day or two, sometimes
 * refunded afterwards; a few are cancelled before shipment.
 */
export function fulfil(sim: Sim, order: Order): Process {
  return new Fulfilment(sim, order.id, order.lines, order.totalCents);
}

/** An order nobody pays: the order actor's timer expires it and releases the stock. No event is
 * emitted. The mirror releases a minute after the timeout: the actor's timer only fires once its
 * partition's event time moves past it, and counting stock late is the safe side of the race. */
export function expireAfterTimeout(order: Order): Process {
  return new ReleaseLater(order.lines);
}

/** A paid order that the shop's fraud review cancels before it ships. */
export function cancelForFraudReview(sim: Sim, order: Order): Process {
  return new FraudReview(sim, order.id, order.lines);
}

/** Where a fulfilment is: the next resumption does what its name says. */
type Stage = 'start' | 'emit-cancel' | 'release-stock' | 'ship' | 'wait-for-delivery' | 'deliver' | 'maybe-refund' | 'refund' | 'done';

class Fulfilment implements Process {
  #stage: Stage = 'start';

  constructor(
    private readonly sim: Sim,
    private readonly orderId: string,
    private readonly lines: readonly OrderLine[],
    private readonly totalCents: number,
  ) {}

  next(): IteratorResult<Step, void> {
    const { rng } = this.sim;
    switch (this.#stage) {
      case 'start':
        if (rng.chance(0.03)) return this.#then('emit-cancel', clamp(rng.lognormal(20 * MINUTE, 1), 2 * MINUTE, 6 * HOUR));
        return this.#then('ship', clamp(rng.lognormal(50 * MINUTE, 0.8), 10 * MINUTE, 8 * HOUR));
      case 'emit-cancel':
        return this.#then('release-stock', draft('order_cancelled', { orderId: this.orderId, reason: rng.pick(CUSTOMER_CANCEL_REASONS) }));
      case 'release-stock':
        releaseLines(this.lines);
        return this.#done();
      case 'ship':
        commitLines(this.lines);
        return this.#then('wait-for-delivery', draft('order_shipped', { orderId: this.orderId }));
      case 'wait-for-delivery':
        return this.#then('deliver', clamp(rng.lognormal(8 * HOUR, 0.7), 1 * HOUR, 72 * HOUR));
      case 'deliver':
        return this.#then('maybe-refund', draft('order_delivered', { orderId: this.orderId }));
      case 'maybe-refund':
        if (!rng.chance(0.05)) return this.#done();
        return this.#then('refund', clamp(rng.lognormal(24 * HOUR, 1), 1 * HOUR, 14 * 24 * HOUR));
      case 'refund': {
        // A return of one line, or of everything.
        const line = rng.pick(this.lines);
        const cents = rng.chance(0.6) ? line.qty * line.unitPriceCents : this.totalCents;
        return this.#then('done', draft('refund_issued', { orderId: this.orderId, amount: cents / 100 }));
      }
      default:
        return this.#done();
    }
  }

  #then(stage: Stage, step: number | DomainEvent): IteratorResult<Step, void> {
    this.#stage = stage;
    return { done: false, value: step };
  }

  #done(): IteratorResult<Step, void> {
    this.#stage = 'done';
    return { done: true, value: undefined };
  }
}

/** Sleeps past the payment timeout, then releases the lines' reservations. */
class ReleaseLater implements Process {
  #slept = false;

  constructor(private readonly lines: readonly OrderLine[]) {}

  next(): IteratorResult<Step, void> {
    if (!this.#slept) {
      this.#slept = true;
      return { done: false, value: PAYMENT_TIMEOUT + MINUTE };
    }
    releaseLines(this.lines);
    return { done: true, value: undefined };
  }
}

/** Sleeps 5–45 minutes, cancels the order for fraud review, then releases its reservations. */
class FraudReview implements Process {
  #stage: 'start' | 'cancel' | 'release' | 'done' = 'start';

  constructor(
    private readonly sim: Sim,
    private readonly orderId: string,
    private readonly lines: readonly OrderLine[],
  ) {}

  next(): IteratorResult<Step, void> {
    switch (this.#stage) {
      case 'start':
        this.#stage = 'cancel';
        return { done: false, value: this.sim.rng.int(5 * MINUTE, 45 * MINUTE) };
      case 'cancel':
        this.#stage = 'release';
        return { done: false, value: draft('order_cancelled', { orderId: this.orderId, reason: 'fraud_review' }) };
      case 'release':
        releaseLines(this.lines);
        this.#stage = 'done';
        return { done: true, value: undefined };
      default:
        return { done: true, value: undefined };
    }
  }
}

function clamp(ms: number, min: number, max: number): number {
  return Math.round(Math.min(max, Math.max(min, ms)));
}
