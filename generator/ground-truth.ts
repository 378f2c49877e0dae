import type { Severity } from '../schemas/index.ts';

/** The five injected fraud patterns; each is named after the user rule it must trip. */
export type FraudPattern = 'velocity' | 'card_testing' | 'amount_anomaly' | 'impossible_travel' | 'account_takeover';

/** In the order injection cycles through them. */
export const FRAUD_PATTERNS: readonly FraudPattern[] = [
  'velocity',
  'card_testing',
  'amount_anomaly',
  'impossible_travel',
  'account_takeover',
];

/** Severity of each rule's alert (docs/domain-rules.md, "User fraud rules"). */
export const PATTERN_SEVERITY: Readonly<Record<FraudPattern, Severity>> = {
  velocity: 'warning',
  card_testing: 'critical',
  amount_anomaly: 'warning',
  impossible_travel: 'critical',
  account_takeover: 'critical',
};

/**
 * An alert the user actor must raise for an injected pattern. Only patterns whose trigger event was
 * actually emitted are reported, so a stream cut short never expects an alert it could not cause.
 */
export interface ExpectedAlert {
  pattern: FraudPattern;
  /** The alert type; equal to `pattern` (each pattern targets exactly one rule). */
  type: FraudPattern;
  severity: Severity;
  entityType: 'user';
  entityKey: string;
  /** The event at which the rule's condition first holds: the alert's `ts` is this event's ts. */
  triggerEventId: string;
  /** `user/<userId>/<rule>/<triggerEventId>`, the deterministic id of docs/domain-rules.md. */
  expectedAlertId: string;
  /** Event time of the pattern's first event. */
  fromTs: number;
  /** Event time of the trigger event. */
  toTs: number;
}

/** The alert id the user actor derives for `rule` fired by event `eventId` of user `userKey`. */
export function expectedAlertId(userKey: string, rule: FraudPattern, eventId: string): string {
  return `user/${userKey}/${rule}/${eventId}`;
}
