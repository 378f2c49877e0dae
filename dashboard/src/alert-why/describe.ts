import type { AlertCause, LogCoordinates } from './api.ts';

/**
 * What the inspector says about one cause, read out of the API's answer without trusting its
 * free-form parts (`event`, `from`, `message` are whatever the log held): a field of the wrong
 * shape is `null`, shown as "–", never a crash.
 */
export interface CauseView {
  id: string;
  /** The event's `type`, from its body on the source topic. */
  eventType: string | null;
  /** The event's `ts` (event time, epoch ms). */
  eventTime: number | null;
  /** The Kafka key of the event's record. */
  key: string | null;
  /** Where the event is; `null` when only the message that carried it was found. */
  at: LogCoordinates | null;
  event: unknown;
  /** The actor → actor message that carried the event's facts to the alerting entity. */
  via: { messageType: string | null; from: { type: string; key: string } | null; at: LogCoordinates; message: unknown } | null;
  /** The entity whose input the event was, when its message went in memory (no `via` to show). */
  handledBy: { type: string; key: string } | null;
}

/** Why a reason can be missing from the answer, in one line. */
export const UNRESOLVED_EXPLANATION = 'Not in the records read back: older than the scan, or no longer in the log (past retention).';

/**
 * @example
 * describeCause({ id: 'e1', record: { topic: 't', partition: 0, offset: 4, key: 'k', event: { type: 'x', ts: 1 } } })
 * // → { id: 'e1', eventType: 'x', eventTime: 1, key: 'k', at: { topic: 't', partition: 0, offset: 4 }, event: {…}, via: null, handledBy: null }
 */
export function describeCause(cause: AlertCause): CauseView {
  const record = cause.record;
  const event = record?.event as { type?: unknown; ts?: unknown } | undefined;
  return {
    id: cause.id,
    eventType: typeof event?.type === 'string' ? event.type : null,
    eventTime: typeof event?.ts === 'number' && Number.isFinite(event.ts) ? event.ts : null,
    key: typeof record?.key === 'string' ? record.key : null,
    at: record ? coordinatesOf(record) : null,
    event: record?.event,
    via: cause.via ? viaOf(cause.via) : null,
    handledBy: entityOf(cause.handledBy),
  };
}

function entityOf(e: unknown): { type: string; key: string } | null {
  const x = e as { type?: unknown; key?: unknown } | null | undefined;
  return typeof x?.type === 'string' && typeof x.key === 'string' ? { type: x.type, key: x.key } : null;
}

/** "transaction_events / 1 / 42": topic / partition / offset, the way Kafka tools name a record. */
export function coordinatesText(at: LogCoordinates): string {
  return `${at.topic} / ${at.partition} / ${at.offset}`;
}

/** "read back 1,234 records" (or nothing when the answer does not say). */
export function scannedText(scanned: number | undefined): string {
  if (typeof scanned !== 'number' || !Number.isFinite(scanned)) return '';
  return `read back ${scanned.toLocaleString('en-US')} record${scanned === 1 ? '' : 's'}`;
}

function viaOf(via: NonNullable<AlertCause['via']>): NonNullable<CauseView['via']> {
  const message = via.message as { type?: unknown } | null | undefined;
  return {
    messageType: typeof message?.type === 'string' ? message.type : null,
    from: entityOf(via.from),
    at: coordinatesOf(via),
    message: via.message,
  };
}

function coordinatesOf(c: LogCoordinates): LogCoordinates {
  const at: LogCoordinates = { topic: c.topic, partition: c.partition, offset: c.offset };
  if (typeof c.timestamp === 'number') at.timestamp = c.timestamp;
  return at;
}
