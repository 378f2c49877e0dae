/// <reference lib="dom" />
import type { Alert, EntityType } from '../../../schemas/alert.ts';
import { h, type Child } from '../dom.ts';
import { fmtDateTime } from '../format.ts';
import { jsonView } from '../json-view.ts';

/** An entity's name as a link to its view in the inspector (plain text for a type the query API does not serve). */
export type EntityLink = (type: EntityType, key: string) => Child;

/**
 * The alert itself, as the feed received it: severity, entity (a link to its view), summary,
 * event and detection time, id, and the figures behind the decision. Its "why" is
 * alert-why/section.ts, loaded apart.
 */
export function alertDetail(a: Alert, jaegerUrl: string | null, entityLink: EntityLink): HTMLElement {
  const { summary, traceId, ...figures } = a.details ?? { summary: '' };
  const traceHref = jaegerUrl && typeof traceId === 'string' && traceId ? `${jaegerUrl.replace(/\/+$/, '')}/trace/${encodeURIComponent(traceId)}` : null;
  const hasFigures = Object.keys(figures).length > 0;
  return h(
    'section',
    { class: 'alert-detail', 'data-testid': 'alert-detail', 'data-alert-id': a.id },
    h(
      'div',
      { class: 'row' },
      h('span', { class: `badge sev-${a.severity}`, 'data-testid': 'alert-severity' }, a.severity),
      entityLink(a.entityType, a.entityKey),
      traceHref ? h('a', { class: 'trace-link', href: traceHref, target: '_blank', rel: 'noopener', 'data-testid': 'trace-link' }, 'Open trace ↗') : null,
    ),
    h('p', { class: 'summary', 'data-testid': 'alert-summary' }, String(summary ?? '')),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'type'), h('dd', { class: 'mono', 'data-testid': 'alert-type' }, a.type),
      h('dt', {}, 'event time'), h('dd', { 'data-testid': 'alert-event-time' }, fmtDateTime(a.ts)),
      h('dt', {}, 'detected'), h('dd', { 'data-testid': 'alert-detected' }, `${fmtDateTime(a.detectedAt)} (+${Math.max(0, a.detectedAt - a.ts).toLocaleString('en-US')} ms)`),
      h('dt', {}, 'alert id'), h('dd', { class: 'mono' }, a.id),
    ),
    hasFigures ? h('h3', {}, 'Details') : null,
    hasFigures ? h('dl', { class: 'facts', 'data-testid': 'alert-details' }, ...Object.entries(figures).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, detailValue(k, v, entityLink))])) : null,
  );
}

/** Ids that name another entity become links to it, so an analyst can walk from an alert to the order and the user. */
const LINKED_KEYS: Record<string, EntityType> = { userId: 'user', orderId: 'order', sku: 'sku' };

function detailValue(key: string, value: unknown, link: EntityLink): Child {
  const type = LINKED_KEYS[key];
  if (type && typeof value === 'string') return link(type, value);
  if (Array.isArray(value) && value.every(isPrimitive)) return h('span', { class: 'mono' }, value.map(String).join(', '));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    // A small flat object (thresholds, a window) reads better on one line than as a JSON block.
    if (entries.length <= 4 && entries.every(([, v]) => isPrimitive(v))) return h('span', { class: 'mono' }, entries.map(([k, v]) => `${k}: ${String(v)}`).join(' · '));
    return jsonView(value);
  }
  return h('span', { class: 'mono' }, String(value));
}

function isPrimitive(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}
