import type { Alert, AlertType, EntityType, Severity } from '../schemas/index.ts';

/** What an actor knows when it raises an alert; `createAlert` derives the id and the timestamps. */
export interface AlertSpec {
  type: AlertType;
  entityType: EntityType;
  entityKey: string;
  severity: Severity;
  /** The id suffix that makes the alert unique per cause (an event id, or `alertCauseOfLine`). */
  cause: string;
  /** Event time of the input that raised it (`ctx.now`). */
  ts: number;
  reasons: string[];
  summary: string;
  /** The figures behind the decision, shown beside the summary. */
  details?: Record<string, unknown>;
}

/**
 * Builds an alert with its deterministic id `<entityType>/<entityKey>/<type>/<cause>`, so a replay
 * of the same input log yields the same id and never a second alert. `detectedAt` is event time
 * here; the runtime restamps it with its wall clock.
 *
 * @example
 * createAlert({ type: 'low_stock', entityType: 'sku', entityKey: 'A', severity: 'warning',
 *   cause: 'e-7', ts: 1000, reasons: ['e-7'], summary: 'available 4 fell below the reorder point 5' });
 * // → id 'sku/A/low_stock/e-7'
 */
export function createAlert(spec: AlertSpec): Alert {
  return {
    id: alertId(spec.entityType, spec.entityKey, spec.type, spec.cause),
    type: spec.type,
    entityType: spec.entityType,
    entityKey: spec.entityKey,
    severity: spec.severity,
    ts: spec.ts,
    detectedAt: spec.ts,
    reasons: spec.reasons,
    details: { summary: spec.summary, ...spec.details },
  };
}

/** The deterministic alert id of docs/domain-rules.md: `<entityType>/<entityKey>/<type>/<cause>`. */
export function alertId(entityType: EntityType, entityKey: string, type: AlertType, cause: string): string {
  return `${entityType}/${entityKey}/${type}/${cause}`;
}

/**
 * The alert cause of an order-line message: its `cause` event id plus `#<line>`, because one
 * order_placed fans out to one message per line and each may raise its own alert.
 */
export function alertCauseOfLine(msg: { cause: string; line: number }): string {
  return `${msg.cause}#${msg.line}`;
}
