// A built-in actor imports only what any module's actor can: the SDK.
import { ConfigError, PipelineError, unchanged, type ActorDefinition, type ActorInput, type Alert, type DomainEvent, type Effect, type PaymentAttempted, type Transition } from '../sdk/core.ts';
import {
  checkAccountTakeover,
  onLoginFailed,
  onLoginSucceeded,
  type AccountTakeoverRule,
  type AccountTakeoverState,
} from './fraud/account-takeover.ts';
import { checkAmountAnomaly, type AmountAnomalyRule, type AmountAnomalyState } from './fraud/amount-anomaly.ts';
import { checkCardTesting, expireCardTesting, type CardTestingRule, type CardTestingState } from './fraud/card-testing.ts';
import { checkImpossibleTravel, recordLogin, type ImpossibleTravelRule, type LastLoginState } from './fraud/impossible-travel.ts';
import { checkVelocity, type VelocityRule, type VelocityState } from './fraud/velocity.ts';
import { PURCHASED_CAP, RECENT_VIEWS_CAP, type OrderPaid } from './recommendations/protocol.ts';
import { withRecentSku, type RecentSkus } from './recommendations/recent-skus.ts';

/**
 * The user actor (docs/domain-rules.md "User fraud rules"): keyed by userId, fed by user_events and
 * by the order actors' `payment_attempted` messages, it runs the five fraud rules. Each rule lives
 * in actors/fraud/ with its own slice of the state; this module routes inputs and composes them.
 * It also keeps what recommendations need (docs/recommendations.md): the products viewed and the
 * SKUs bought (the order actor's `order_paid`), two short bounded lists.
 */

/** Thresholds of the five fraud rules. */
export interface FraudRules {
  velocity: VelocityRule;
  cardTesting: CardTestingRule;
  amountAnomaly: AmountAnomalyRule;
  impossibleTravel: ImpossibleTravelRule;
  accountTakeover: AccountTakeoverRule;
}

/** Overrides of some fields of some rules; the rest keep DEFAULT_FRAUD_RULES. */
export type FraudRuleOverrides = { [K in keyof FraudRules]?: Partial<FraudRules[K]> };

const MINUTE = 60_000;

/** The defaults of docs/domain-rules.md. */
export const DEFAULT_FRAUD_RULES: Readonly<FraudRules> = Object.freeze({
  velocity: Object.freeze({ attempts: 5, windowMs: 10 * MINUTE }),
  cardTesting: Object.freeze({ declines: 3, distinctCards: 3, windowMs: 10 * MINUTE }),
  amountAnomaly: Object.freeze({ factor: 5, minAmount: 500 }),
  impossibleTravel: Object.freeze({ windowMs: 60 * MINUTE }),
  accountTakeover: Object.freeze({ failures: 3, windowMs: 30 * MINUTE }),
});

/**
 * A user's fraud state: only bounded windows, counts and a few short strings, every field
 * `undefined` when empty (JSON omits it), so a million users fit in memory and the state is plain
 * JSON for the checkpoint. Never mutated: every input that changes it yields a new object.
 */
export type UserState = Readonly<VelocityState & CardTestingState & AmountAnomalyState & LastLoginState & AccountTakeoverState & AlertHistory & ShoppingHistory>;

/** What recommendations read (actors/recommendations/recent-skus.ts lists: `[sku, ts, …]`, newest first). */
export interface ShoppingHistory {
  /** SKUs of product pages viewed (`/products/<sku>`), at most RECENT_VIEWS_CAP. */
  recentViews?: RecentSkus;
  /** SKUs of paid orders, at most PURCHASED_CAP. */
  purchased?: RecentSkus;
}

export interface UserActorOptions {
  /** Keep the viewed and bought lists (default true); off, page views change nothing, as before. */
  recommendations?: boolean;
}

/** What the user's fraud rules have said so far (the `user_risk` read model shows it). */
export interface AlertHistory {
  /** Alerts raised per rule (alert type), ever. Five keys at most. */
  alertCounts?: Readonly<Record<string, number>>;
  lastAlertType?: string;
  lastAlertAt?: number;
}

/**
 * Creates the user actor type with the given thresholds (each rule given overrides the defaults
 * field by field). Throws ConfigError for a threshold that cannot work.
 *
 * @example
 * const strict = createUserActor({ velocity: { attempts: 3, windowMs: 5 * 60_000 } });
 */
export function createUserActor(rules: FraudRuleOverrides = {}, opts: UserActorOptions = {}): ActorDefinition<UserState> {
  const resolved = resolveRules(rules);
  const shopping = opts.recommendations !== false;
  return {
    type: 'user',
    sourceTopic: 'user_events',
    eventTypes: ['login_succeeded', 'login_failed', 'account_updated', 'page_viewed', 'cart_item_added'],
    // Payment facts and purchases, sent by orders on their own payment events (actors/order.ts).
    eventTimeSenders: ['order'],
    // v2 keeps the running sum of authorized amounts in cents (v1: a float sum); v3 adds the alert
    // history; v4 the viewed and bought lists.
    stateVersion: 4,
    initial: () => EMPTY,
    handle: (state, input, ctx) => handleUserInput(state, input, ctx.key, resolved, shopping),
    migrate: migrateUserState,
  };
}

/** The user actor with the default thresholds. */
export const userActor: ActorDefinition<UserState> = createUserActor();

// One shared, frozen state for every user nobody has seen do anything that matters yet (a user
// who only browses keeps it): actors never mutate their input, so sharing is safe and free.
const EMPTY: UserState = Object.freeze({});

function handleUserInput(state: UserState, input: ActorInput, userId: string, rules: FraudRules, shopping: boolean): Transition<UserState> {
  if (input.kind === 'event') {
    if (shopping && input.event.type === 'page_viewed') return handlePageView(state, input.event.data.path, input.event.ts);
    return handleUserEvent(state, input.event, userId, rules);
  }
  if (input.kind === 'message' && input.msg.type === 'payment_attempted') return handlePayment(state, input.msg, userId, rules);
  const msg = input.kind === 'message' ? (input.msg as unknown as OrderPaid) : undefined;
  if (shopping && msg?.type === 'order_paid') return handleOrderPaid(state, msg);
  // The user actor schedules no timers and answers no other message.
  return unchanged(state);
}

function handleUserEvent(state: UserState, event: DomainEvent, userId: string, rules: FraudRules): Transition<UserState> {
  switch (event.type) {
    case 'login_failed':
      return settle({ ...state, ...onLoginFailed(state, event, rules.accountTakeover) }, []);
    case 'login_succeeded':
      return settle({ ...state, ...recordLogin(state, event), ...onLoginSucceeded(state, event, rules.accountTakeover) }, []);
    case 'account_updated': {
      const takeover = checkAccountTakeover(state, event, rules.accountTakeover, userId);
      return settle({ ...state, ...takeover.state }, [takeover.alert]);
    }
    default:
      // page_viewed (without recommendations), cart_item_added: no fraud rule reads them. The same
      // state object comes back, so browsing neither copies nor grows anything.
      return unchanged(state);
  }
}

// Time is the payment's own event time (`msg.ts`, which the contract makes `ctx.now` too).
function handlePayment(state: UserState, attempt: PaymentAttempted, userId: string, rules: FraudRules): Transition<UserState> {
  const velocity = checkVelocity(state, attempt, rules.velocity, userId);
  // Every attempt passes through the velocity window, so its newest entry is the latest payment
  // time seen: the declines window is judged by it too, whatever order the payments arrived in.
  const clock = Math.max(attempt.ts, (velocity.state.attempts?.at(-2) as number | undefined) ?? attempt.ts);
  if (attempt.outcome === 'declined') {
    const cardTesting = checkCardTesting(state, attempt, rules.cardTesting, userId, clock);
    return settle({ ...state, ...velocity.state, ...cardTesting.state }, [velocity.alert, cardTesting.alert]);
  }
  const declines = expireCardTesting(state, clock, rules.cardTesting);
  const amount = checkAmountAnomaly(state, attempt, rules.amountAnomaly, userId);
  const travel = checkImpossibleTravel(state, attempt, rules.impossibleTravel, userId);
  return settle({ ...state, ...velocity.state, ...declines, ...amount.state }, [velocity.alert, amount.alert, travel]);
}

/** A product page (`/products/<sku>`) joins the viewed list; other pages change nothing. */
function handlePageView(state: UserState, path: string, ts: number): Transition<UserState> {
  const sku = productOf(path);
  if (sku === undefined) return unchanged(state);
  const recentViews = withRecentSku(state.recentViews, sku, ts, RECENT_VIEWS_CAP);
  return recentViews === state.recentViews ? unchanged(state) : { state: pack({ ...state, recentViews }), effects: [] };
}

/** The SKUs of a paid order join the bought list, at the time the order was paid. */
function handleOrderPaid(state: UserState, msg: OrderPaid): Transition<UserState> {
  let purchased = state.purchased;
  for (const sku of Array.isArray(msg.skus) ? msg.skus : []) {
    if (typeof sku === 'string' && typeof msg.ts === 'number') purchased = withRecentSku(purchased, sku, msg.ts, PURCHASED_CAP);
  }
  return purchased === state.purchased ? unchanged(state) : { state: pack({ ...state, purchased }), effects: [] };
}

const PRODUCT_PREFIX = '/products/';

/** `/products/<sku>` (optionally followed by `/…`, `?…` or `#…`) → the SKU; any other path → undefined. */
function productOf(path: unknown): string | undefined {
  if (typeof path !== 'string' || !path.startsWith(PRODUCT_PREFIX)) return undefined;
  let end = PRODUCT_PREFIX.length;
  while (end < path.length && path[end] !== '/' && path[end] !== '?' && path[end] !== '#') end++;
  const length = end - PRODUCT_PREFIX.length;
  return length >= 1 && length <= 128 ? path.slice(PRODUCT_PREFIX.length, end) : undefined;
}

function settle(state: UserState, alerts: (Alert | undefined)[]): Transition<UserState> {
  const effects: Effect[] = [];
  let s = state;
  for (const alert of alerts) {
    if (alert === undefined) continue;
    effects.push({ kind: 'alert', alert });
    s = withAlert(s, alert);
  }
  return { state: pack(s), effects };
}

function withAlert(s: UserState, a: Alert): UserState {
  const counts = { ...s.alertCounts, [a.type]: (s.alertCounts?.[a.type] ?? 0) + 1 };
  const latest = s.lastAlertAt === undefined || a.ts >= s.lastAlertAt;
  return { ...s, alertCounts: counts, ...(latest ? { lastAlertType: a.type, lastAlertAt: a.ts } : {}) };
}

/**
 * Rebuilds a state with every key in one fixed order, so all users share one object shape (one
 * hidden class, no per-object property table); absent fields are `undefined`, which JSON omits.
 * The mapped type makes the compiler reject a key added to a rule's slice but forgotten here.
 */
function pack(s: UserState): UserState {
  const packed: { [K in keyof Required<UserState>]: UserState[K] } = {
    attempts: s.attempts,
    declines: s.declines,
    cardTestingAlerted: s.cardTestingAlerted,
    authCount: s.authCount,
    authCents: s.authCents,
    loginTs: s.loginTs,
    loginId: s.loginId,
    loginCountry: s.loginCountry,
    countries: s.countries,
    devices: s.devices,
    failures: s.failures,
    suspect: s.suspect,
    alertCounts: s.alertCounts,
    lastAlertType: s.lastAlertType,
    lastAlertAt: s.lastAlertAt,
    recentViews: s.recentViews,
    purchased: s.purchased,
  };
  return packed;
}

/**
 * v2, v3 and v4 states are used as they are (v2 simply has no alert history yet, v2 and v3 no
 * viewed or bought lists: they start empty); v1 states (a float sum of authorized amounts) get it in cents.
 */
function migrateUserState(state: unknown, fromVersion: number): UserState {
  if (fromVersion !== 1 && fromVersion !== 2 && fromVersion !== 3 && fromVersion !== 4) {
    throw new PipelineError('UNSUPPORTED_VERSION', `user state version ${fromVersion} is not supported (supported: 1, 2, 3, 4)`);
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new PipelineError('UNSUPPORTED_VERSION', `user state (version ${fromVersion}) is not a JSON object`);
  }
  if (fromVersion !== 1) return state as UserState;
  // v1 → v2: the float sum of authorized amounts becomes whole cents.
  const { authSum, ...rest } = state as UserState & { authSum?: number };
  return pack({ ...rest, authCents: authSum === undefined ? undefined : Math.round(authSum * 100) });
}

function resolveRules(overrides: FraudRuleOverrides): FraudRules {
  const d = DEFAULT_FRAUD_RULES;
  const rules: FraudRules = {
    velocity: { ...d.velocity, ...overrides.velocity },
    cardTesting: { ...d.cardTesting, ...overrides.cardTesting },
    amountAnomaly: { ...d.amountAnomaly, ...overrides.amountAnomaly },
    impossibleTravel: { ...d.impossibleTravel, ...overrides.impossibleTravel },
    accountTakeover: { ...d.accountTakeover, ...overrides.accountTakeover },
  };
  const counts = ['attempts', 'declines', 'distinctCards', 'failures'];
  for (const [name, rule] of Object.entries(rules)) {
    for (const [field, value] of Object.entries(rule as Record<string, unknown>)) {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (field === 'minAmount' ? value >= 0 : value > 0) &&
        (!counts.includes(field) || Number.isInteger(value));
      const kind = counts.includes(field) ? 'positive integer' : field === 'minAmount' ? 'number ≥ 0' : 'positive number';
      if (!ok) throw new ConfigError(`fraud rule ${name}.${field} must be a ${kind}, got ${String(value)}`);
    }
  }
  return rules;
}
