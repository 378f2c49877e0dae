import type { Alert, EventOfType, PaymentAttempted } from '../../sdk/core.ts';
import { formatDuration, fraudAlert } from './rule.ts';

/**
 * `impossible_travel` (docs/domain-rules.md): on an authorized attempt, the most recent
 * login_succeeded with `ts` in `(now − windowMs, now]` has a country ≠ the payment's country.
 * Severity critical. Once per triggering payment.
 */
export interface ImpossibleTravelRule {
  windowMs: number;
}

/** The user-state slice of this rule: the most recent successful login, by event time. */
export interface LastLoginState {
  loginTs?: number;
  loginId?: string;
  loginCountry?: string;
}

/**
 * Remembers a successful login if it is the most recent one by event time (a login that arrives
 * late does not replace a later one).
 */
export function recordLogin(state: LastLoginState, login: EventOfType<'login_succeeded'>): LastLoginState {
  if (state.loginTs !== undefined && login.ts < state.loginTs) {
    return { loginTs: state.loginTs, loginId: state.loginId, loginCountry: state.loginCountry };
  }
  return { loginTs: login.ts, loginId: login.id, loginCountry: login.data.country };
}

/**
 * Checks one authorized payment against the most recent login; returns the alert, if any.
 * Only the most recent login is kept, so when it is later than the payment (the payment message
 * arrived late) the login that preceded the payment is unknown and the rule stays silent rather
 * than compare with the wrong login.
 *
 * @example
 * // login from US at 10:00, payment from FR at 10:14:
 * checkImpossibleTravel(state, payment, { windowMs: 3_600_000 }, 'u1')?.details.summary;
 * // 'payment from FR 14m after a login from US (window 60m)'
 */
export function checkImpossibleTravel(
  state: LastLoginState,
  payment: PaymentAttempted,
  rule: ImpossibleTravelRule,
  userId: string,
): Alert | undefined {
  const { loginTs, loginId, loginCountry } = state;
  if (loginTs === undefined || loginId === undefined || loginCountry === undefined) return undefined;
  if (payment.country === undefined || payment.country === loginCountry) return undefined;
  const gapMs = payment.ts - loginTs;
  if (gapMs < 0 || gapMs >= rule.windowMs) return undefined;

  return fraudAlert({
    type: 'impossible_travel',
    severity: 'critical',
    userId,
    causeId: payment.cause,
    ts: payment.ts,
    reasons: [loginId, payment.cause],
    summary:
      `payment from ${payment.country} ${formatDuration(gapMs)} after a login from ${loginCountry} ` +
      `(window ${formatDuration(rule.windowMs)})`,
    details: {
      loginCountry,
      paymentCountry: payment.country,
      countries: [loginCountry, payment.country],
      gapMs,
      windowMs: rule.windowMs,
      orderId: payment.orderId,
    },
  });
}
