/**
 * An alert raised by an actor (ARCHITECTURE.md "Alert"). `id` is deterministic: the same input log
 * yields the same ids, so a replay never creates a second alert.
 */
export type AlertType =
  | 'velocity'
  | 'card_testing'
  | 'amount_anomaly'
  | 'impossible_travel'
  | 'account_takeover'
  | 'low_stock'
  | 'oversell_prevented'
  | 'invalid_transition'
  /** An alert type an actor module defines. */
  | (string & {});

export type EntityType = 'user' | 'order' | 'sku' | (string & {});
export type Severity = 'info' | 'warning' | 'critical';

export interface Alert {
  id: string;
  type: AlertType;
  entityType: EntityType;
  entityKey: string;
  severity: Severity;
  /** Event time of the input that raised it. */
  ts: number;
  /** When the runtime processed that input (wall clock); equals `ts` inside the pure test driver. */
  detectedAt: number;
  /** Ids of the events that caused it. */
  reasons: string[];
  /** Why, in words an analyst would accept, plus the figures behind the decision. */
  details: { summary: string } & Record<string, unknown>;
}

export const FRAUD_ALERT_TYPES: readonly AlertType[] = [
  'velocity',
  'card_testing',
  'amount_anomaly',
  'impossible_travel',
  'account_takeover',
];
