import type { Alert } from '../../schemas/index.ts';
import type { ActorDefinition, ActorInput } from '../actor.ts';
import { userActor, type UserState } from '../user.ts';

/**
 * Test helpers for the user actor and its fraud rules: builders of its inputs, and a tiny harness
 * that threads the state through `handle` and collects alerts. Tests only; deliberately independent
 * of actors/test-driver.ts so the rules are tested on `handle` alone.
 */

/** 2025-01-01T00:00:00Z, the start of every test's event time. */
export const T0 = 1_735_689_600_000;
export const SECOND = 1000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** A user driven input by input; every state is deep-frozen first, so a handler that mutates throws. */
export interface UserHarness {
  readonly state: UserState;
  readonly alerts: Alert[];
  /** Feeds inputs in order and returns the alerts they raised. */
  feed(...inputs: ActorInput[]): Alert[];
}

/** Starts user `key` at `from`, by default its initial state. */
export function harness(actor: ActorDefinition<UserState> = userActor, key = 'u1', from?: UserState): UserHarness {
  let state = from ?? actor.initial(key);
  const alerts: Alert[] = [];
  return {
    get state() {
      return state;
    },
    alerts,
    feed(...inputs) {
      const raised: Alert[] = [];
      for (const input of inputs) {
        deepFreeze(state);
        const next = actor.handle(state, input, { key, now: timeOf(input) });
        for (const effect of next.effects) {
          if (effect.kind !== 'alert') throw new Error(`the user actor emitted a ${effect.kind} effect`);
          raised.push(effect.alert);
        }
        state = next.state;
      }
      alerts.push(...raised);
      return raised;
    },
  };
}

export interface PaymentOptions {
  amount?: number;
  card?: string;
  country?: string;
  orderId?: string;
}

/** An authorized payment event `id` at `ts`, as the order actor forwards it. */
export function authorized(id: string, ts: number, o: PaymentOptions = {}): ActorInput {
  return payment(id, ts, 'authorized', { country: 'US', ...o });
}

/** A declined payment event `id` at `ts` (declines carry no country). */
export function declined(id: string, ts: number, o: PaymentOptions = {}): ActorInput {
  return payment(id, ts, 'declined', o);
}

export function loginSucceeded(id: string, ts: number, country = 'US', deviceId = 'd-1'): ActorInput {
  return { kind: 'event', event: { id, type: 'login_succeeded', v: 1, ts, data: { userId: 'u1', country, ip: '10.0.0.1', deviceId } } };
}

export function loginFailed(id: string, ts: number, country = 'US'): ActorInput {
  return { kind: 'event', event: { id, type: 'login_failed', v: 1, ts, data: { userId: 'u1', country, ip: '10.0.0.1' } } };
}

export function accountUpdated(id: string, ts: number, field: 'email' | 'password' | 'payment_method' | 'address'): ActorInput {
  return { kind: 'event', event: { id, type: 'account_updated', v: 1, ts, data: { userId: 'u1', field } } };
}

export function pageViewed(id: string, ts: number): ActorInput {
  return { kind: 'event', event: { id, type: 'page_viewed', v: 1, ts, data: { userId: 'u1', path: '/' } } };
}

export function cartItemAdded(id: string, ts: number): ActorInput {
  return { kind: 'event', event: { id, type: 'cart_item_added', v: 1, ts, data: { userId: 'u1', sku: 'A', qty: 1 } } };
}

function payment(id: string, ts: number, outcome: 'authorized' | 'declined', o: PaymentOptions): ActorInput {
  return {
    kind: 'message',
    from: { type: 'order', key: o.orderId ?? `o-${id}` },
    msg: {
      type: 'payment_attempted',
      orderId: o.orderId ?? `o-${id}`,
      outcome,
      amount: o.amount ?? 100,
      cardFingerprint: o.card ?? 'card-1',
      ...(o.country === undefined ? {} : { country: o.country }),
      cause: id,
      ts,
    },
  };
}

/** The event time of an input, the `now` of its handler call. */
export function timeOf(input: ActorInput): number {
  if (input.kind === 'event') return input.event.ts;
  if (input.kind === 'message') return input.msg.ts;
  return input.at;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
