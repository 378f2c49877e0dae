import { createAlert, type Alert, type AlertType, type Severity } from '../../sdk/core.ts';

/**
 * What every fraud rule shares: its result shape, how it raises an alert on a user, and how it
 * words durations and amounts in a summary an analyst reads.
 */

/**
 * One rule's step: its slice of the user state (every key present, `undefined` when empty, so that
 * spreading it over the old state clears what the rule dropped) and the alert it raised, if any.
 */
export interface RuleResult<S> {
  state: S;
  alert?: Alert;
}

/** The facts behind one fraud alert; the id is `user/<userId>/<type>/<causeId>`. */
export interface FraudAlertSpec {
  type: AlertType;
  severity: Severity;
  userId: string;
  /** Id of the triggering event (for a payment, the payment event behind the message). */
  causeId: string;
  /** Event time of the triggering input. */
  ts: number;
  /** Ids of the events that satisfied the condition, oldest first. */
  reasons: string[];
  summary: string;
  details: Record<string, unknown>;
}

/**
 * Builds a user fraud alert with its deterministic id.
 *
 * @example
 * fraudAlert({ type: 'velocity', severity: 'warning', userId: 'u1', causeId: 'p5', ts: 0,
 *   reasons: ['p1', 'p2', 'p3', 'p4', 'p5'], summary: '…', details: { count: 5 } }).id;
 * // → 'user/u1/velocity/p5'
 */
export function fraudAlert(spec: FraudAlertSpec): Alert {
  return createAlert({
    type: spec.type,
    entityType: 'user',
    entityKey: spec.userId,
    severity: spec.severity,
    cause: spec.causeId,
    ts: spec.ts,
    reasons: spec.reasons,
    summary: spec.summary,
    details: spec.details,
  });
}

/**
 * A duration in minutes and seconds, the unit fraud windows are stated in.
 *
 * @example
 * formatDuration(252_000); // → '4m12s'
 * formatDuration(3_599_999); // → '59m59.999s'
 * formatDuration(3_600_000); // → '60m'
 */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  // Rounded to the millisecond so float noise never prints as 12.000000001s.
  const seconds = Math.round(ms - minutes * 60_000) / 1000;
  if (minutes === 0) return `${seconds}s`;
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}

/** An amount with two decimals, as a payment is shown to an analyst: `formatMoney(200)` → '200.00'. */
export function formatMoney(amount: number): string {
  return amount.toFixed(2);
}
