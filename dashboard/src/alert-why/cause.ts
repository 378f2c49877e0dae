/// <reference lib="dom" />
import { h, type Child } from '../dom.ts';
import { fmtDateTime, fmtTimeMs } from '../format.ts';
import { jsonView } from '../json-view.ts';
import type { AlertCause, LogCoordinates } from './api.ts';
import { coordinatesText, describeCause, type CauseView } from './describe.ts';

/** Renders a link to an entity's view (the inspector's), or plain text for a type the query API does not serve. */
export type EntityLink = (type: string, key: string) => Child;

/**
 * One cause of an alert, as the log holds it: the event's type, time and key, where it is
 * (topic / partition / offset), its body, and, when its facts reached the alerting entity as an
 * actor → actor message, that message's place and sender (its body folded away).
 */
export function causeItem(cause: AlertCause, n: number, entityLink: EntityLink): HTMLElement {
  const c = describeCause(cause);
  return h(
    'li',
    {
      class: 'cause',
      'data-testid': 'alert-cause',
      'data-cause-id': c.id,
      'data-topic': c.at?.topic,
      'data-partition': c.at?.partition,
      'data-offset': c.at?.offset,
      'data-event-ts': c.eventTime ?? undefined,
      'data-via-topic': c.via?.at.topic,
      'data-via-partition': c.via?.at.partition,
      'data-via-offset': c.via?.at.offset,
      'data-via-from': c.via?.from ? `${c.via.from.type}:${c.via.from.key}` : undefined,
      'data-handled-by': c.handledBy ? `${c.handledBy.type}:${c.handledBy.key}` : undefined,
    },
    h(
      'div',
      { class: 'cause-head' },
      h('span', { class: 'cause-n', 'aria-hidden': 'true' }, String(n)),
      c.eventType !== null ? h('b', { class: 'mono', 'data-testid': 'cause-type' }, c.eventType) : h('span', { class: 'muted', 'data-testid': 'cause-type' }, 'event body not found'),
      h('span', { class: 'cause-time muted', title: 'event time' }, c.eventTime === null ? '' : fmtDateTime(c.eventTime)),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'event id'), h('dd', { class: 'mono' }, c.id),
      ...(c.at ? [h('dt', {}, 'key'), h('dd', { class: 'mono', 'data-testid': 'cause-key' }, c.key ?? '–')] : []),
      ...(c.at ? [h('dt', {}, 'topic / partition / offset'), h('dd', { 'data-testid': 'cause-coordinates' }, ...coordinates(c.at))] : []),
      ...(c.via ? [h('dt', {}, 'carried by'), h('dd', { 'data-testid': 'cause-via' }, ...carrier(c.via, entityLink))] : []),
      ...(c.via ? [h('dt', {}, 'message at'), h('dd', { 'data-testid': 'cause-via-coordinates' }, ...coordinates(c.via.at))] : []),
      // Without a `via`, the message went in memory (it is in no topic): say whose input the event was.
      ...(!c.via && c.handledBy
        ? [h('dt', {}, 'handled by'), h('dd', { 'data-testid': 'cause-handled-by' }, entityLink(c.handledBy.type, c.handledBy.key), h('span', { class: 'muted' }, ', its message handed over in memory'))]
        : []),
    ),
    c.at
      ? jsonView(c.event, 'cause-event')
      : h('p', { class: 'muted cause-note' }, "The event itself was not found on its sender's partition (older than the scan, or past retention); the message that carried it was."),
    c.via ? h('details', { class: 'cause-message' }, h('summary', {}, 'message body'), jsonView(c.via.message, 'cause-message')) : null,
  );
}

function coordinates(at: LogCoordinates): Child[] {
  return [
    h('span', { class: 'mono coord' }, coordinatesText(at)),
    // On a line of its own, the time of day only (the date is the event time's above; in full in the tooltip).
    at.timestamp === undefined ? null : h('span', { class: 'muted appended', title: `Kafka timestamp of the record: ${fmtDateTime(at.timestamp)}` }, `appended ${fmtTimeMs(at.timestamp)}`),
  ];
}

function carrier(via: NonNullable<CauseView['via']>, entityLink: EntityLink): Child[] {
  return [
    h('span', { class: 'mono' }, via.messageType ?? 'a message'),
    ' from ',
    via.from ? entityLink(via.from.type, via.from.key) : h('span', { class: 'muted' }, 'an unknown sender'),
  ];
}
