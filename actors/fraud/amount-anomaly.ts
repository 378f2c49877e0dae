import type { PaymentAttempted } from '../../sdk/core.ts';
import { formatMoney, fraudAlert, type RuleResult } from './rule.ts';

/**
 * `amount_anomaly` (docs/domain-rules.md): on an authorized attempt, amount > `factor` × the mean
 * of the user's earlier authorized amounts (at least one earlier) and amount > `minAmount`.
 * Severity warning. Once per triggering payment.
 */
export interface AmountAnomalyRule {
  factor: number;
  minAmount: number;
}

/** The user-state slice of this rule: a running count and sum, never the amounts themselves. */
export interface AmountAnomalyState {
  /** How many authorized payments the user has made (absent: none). */
  authCount?: number;
  /** Their total amount in hundredths (cents). Whole numbers add up the same in any order, so the
   * average does not depend on which order partition's payment arrived first; float sums do. */
  authCents?: number;
}

/**
 * Checks one authorized payment against the user's running average, then adds it to the average
 * (an anomalous payment is still one of the user's authorized payments).
 *
 * @example
 * // earlier payments averaged 200.00, this one is 2600.00:
 * checkAmountAnomaly({ authCount: 1, authCents: 20_000 }, payment, { factor: 5, minAmount: 500 }, 'u1').alert?.details.ratio; // 13
 */
export function checkAmountAnomaly(
  state: AmountAnomalyState,
  payment: PaymentAttempted,
  rule: AmountAnomalyRule,
  userId: string,
): RuleResult<AmountAnomalyState> {
  const count = state.authCount ?? 0;
  const cents = state.authCents ?? 0;
  const sum = cents / 100;
  const next = { authCount: count + 1, authCents: cents + Math.round(payment.amount * 100) };
  // amount > factor × sum / count, multiplied out so that an amount of exactly factor × the mean
  // is not turned into an alert by a division's rounding.
  const anomalous = count > 0 && payment.amount * count > rule.factor * sum && payment.amount > rule.minAmount;
  if (!anomalous) return { state: next };

  const average = sum / count;
  // Earlier payments of 0 (free orders) make any ratio infinite; JSON would turn it into null.
  const ratio = average > 0 ? payment.amount / average : null;
  const times = ratio === null ? 'far above' : `${ratio.toFixed(1)}x`;
  return {
    state: next,
    alert: fraudAlert({
      type: 'amount_anomaly',
      severity: 'warning',
      userId,
      causeId: payment.cause,
      ts: payment.ts,
      reasons: [payment.cause],
      summary:
        `payment of ${formatMoney(payment.amount)} is ${times} this user's average of ` +
        `${formatMoney(average)} (threshold: ${rule.factor}x and over ${rule.minAmount})`,
      details: {
        amount: payment.amount,
        average,
        ratio,
        earlierPayments: count,
        threshold: { factor: rule.factor, minAmount: rule.minAmount },
        orderId: payment.orderId,
      },
    }),
  };
}
