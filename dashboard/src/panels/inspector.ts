/// <reference lib="dom" />
import type { Alert, EntityType } from '../../../schemas/alert.ts';
import { lookupEntity, type EntityLookup, type EntityView } from '../api.ts';
import { byTestId, h, replace, type Child } from '../dom.ts';
import { fmtDateTime } from '../format.ts';
import { jsonView } from '../json-view.ts';
import { recommendationsSection } from './recommendations.ts';

/**
 * The side drawer that explains one thing: an alert (its reasons, figures, trace and the entity's
 * current state) or an entity looked up by key. Every lookup goes through the query API, so it
 * shows what any client would get, including `stale` when the owner is unreachable.
 */
export function createInspector(root: HTMLElement, opts: { jaegerUrl: string | null; onClose: () => void }) {
  const title = byTestId(root, 'inspector-title');
  const body = byTestId(root, 'inspector-body');
  let generation = 0;

  const close = () => {
    root.hidden = true;
    generation++;
    opts.onClose();
  };
  byTestId(root, 'inspector-close').addEventListener('click', close);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !root.hidden) close();
  });

  const open = (heading: string, ...children: Child[]) => {
    generation++;
    title.textContent = heading;
    replace(body, ...children);
    root.hidden = false;
    body.scrollTop = 0;
  };

  const entitySection = (type: EntityType, key: string): HTMLElement => {
    const section = h('section', { class: 'entity', 'data-testid': 'entity-result', 'data-status': 'loading', 'data-entity-type': type, 'data-entity-key': key }, h('div', { class: 'muted' }, `Loading ${type} ${key}…`));
    const mine = generation;
    const load = () => {
      section.dataset.status = 'loading';
      void lookupEntity(type, key).then((r) => {
        if (mine === generation) renderLookup(section, type, key, r, load);
      });
    };
    load();
    return section;
  };

  /** A user's view also lists its recommendations (below the state, loaded on their own). */
  const withRecommendations = (type: EntityType, key: string, section: HTMLElement): HTMLElement[] => {
    if (type !== 'user') return [section];
    const mine = generation;
    return [section, recommendationsSection(key, () => mine === generation, (sku) => inspectEntity('sku', sku))];
  };

  const inspectEntity = (type: EntityType, key: string) => {
    open(`${type} · ${key}`);
    body.append(...withRecommendations(type, key, entitySection(type, key)));
  };

  const entityLink = (type: EntityType, key: string) =>
    h('button', { type: 'button', class: 'link mono', 'data-testid': 'entity-link', onclick: () => inspectEntity(type, key) }, `${type} ${key}`);

  return {
    inspectEntity,
    showAlert(a: Alert) {
      const { summary, traceId, ...figures } = a.details ?? { summary: '' };
      const traceHref = opts.jaegerUrl && typeof traceId === 'string' && traceId ? `${opts.jaegerUrl.replace(/\/+$/, '')}/trace/${encodeURIComponent(traceId)}` : null;
      open(
        sentence(a.type.replaceAll('_', ' ')),
        h(
          'section',
          { class: 'alert-detail', 'data-testid': 'alert-detail', 'data-alert-id': a.id },
          h('div', { class: 'row' }, h('span', { class: `badge sev-${a.severity}` }, a.severity), entityLink(a.entityType, a.entityKey), traceHref ? h('a', { class: 'trace-link', href: traceHref, target: '_blank', rel: 'noopener', 'data-testid': 'trace-link' }, 'Open trace ↗') : null),
          h('p', { class: 'summary', 'data-testid': 'alert-summary' }, String(summary ?? '')),
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'event time'), h('dd', {}, fmtDateTime(a.ts)),
            h('dt', {}, 'detected'), h('dd', {}, `${fmtDateTime(a.detectedAt)} (+${Math.max(0, a.detectedAt - a.ts).toLocaleString('en-US')} ms)`),
            h('dt', {}, 'alert id'), h('dd', { class: 'mono' }, a.id),
          ),
          h('h3', {}, `Caused by ${a.reasons.length} event${a.reasons.length === 1 ? '' : 's'}`),
          h('ul', { class: 'reasons mono', 'data-testid': 'alert-reasons' }, ...a.reasons.map((id) => h('li', {}, id))),
          Object.keys(figures).length ? h('h3', {}, 'Details') : null,
          Object.keys(figures).length ? h('dl', { class: 'facts', 'data-testid': 'alert-details' }, ...Object.entries(figures).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, detailValue(k, v, entityLink))])) : null,
        ),
        h('h3', {}, `Current state of ${a.entityType} ${a.entityKey}`),
      );
      // After open(): a lookup belongs to the drawer's current content and is dropped once it changes.
      body.append(...withRecommendations(a.entityType, a.entityKey, entitySection(a.entityType, a.entityKey)));
    },
    close,
  };
}

/** Ids that name another entity become links to it, so an analyst can walk from an alert to the order and the user. */
const LINKED_KEYS: Record<string, EntityType> = { userId: 'user', orderId: 'order', sku: 'sku' };

function detailValue(key: string, value: unknown, link: (type: EntityType, key: string) => HTMLElement): Child {
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

function renderLookup(section: HTMLElement, type: EntityType, key: string, r: EntityLookup, retry: () => void): void {
  section.dataset.status = r.kind;
  if (r.kind === 'not_found') {
    replace(
      section,
      h(
        'div',
        { class: 'notice', 'data-testid': 'entity-not-found' },
        h('b', {}, `No ${type} "${key}"`),
        h('p', {}, r.message),
        h('p', { class: 'muted' }, 'An entity exists once an event for its key has been processed. Keys are case-sensitive.'),
      ),
    );
    return;
  }
  if (r.kind === 'failed') {
    replace(
      section,
      h('div', { class: 'notice bad', 'data-testid': 'entity-error' }, h('b', {}, `Could not load ${type} "${key}"`), h('p', {}, r.message), h('button', { type: 'button', class: 'btn', onclick: retry }, 'Retry')),
    );
    return;
  }
  replace(section, ...entityView(r.entity));
}

function entityView(e: EntityView): Child[] {
  return [
    h(
      'div',
      { class: 'row entity-meta' },
      e.stale
        ? h('span', { class: 'badge sev-warning', 'data-testid': 'entity-stale', title: 'The owner did not answer; this is the last checkpointed snapshot' }, 'stale snapshot')
        : h('span', { class: 'badge live' }, 'live'),
      h('span', { class: 'muted' }, 'served by ', h('b', { 'data-testid': 'entity-served-by' }, String(e.servedBy ?? '–'))),
      e.updatedAt !== null && e.updatedAt !== undefined ? h('span', { class: 'muted' }, 'updated ', h('b', {}, fmtUpdated(e.updatedAt))) : null,
    ),
    summaryChips(e),
    jsonView(e.state, 'entity-state'),
  ];
}

/** The two or three fields an operator looks for first, per entity type. */
function summaryChips(e: EntityView): HTMLElement | null {
  const s = e.state as Record<string, unknown> | null;
  if (!s || typeof s !== 'object') return null;
  const chip = (label: string, value: unknown) => h('span', { class: 'chip', 'data-field': label }, h('span', { class: 'muted' }, label), ' ', h('b', {}, String(value)));
  if (e.type === 'order' && typeof s.status === 'string') {
    const lines = Array.isArray(s.lines) ? s.lines.length : 0;
    return h('div', { class: 'chips' }, chip('status', s.status), s.userId ? chip('user', s.userId) : null, chip('lines', lines));
  }
  if (e.type === 'sku' && typeof s.onHand === 'number' && typeof s.reserved === 'number') {
    return h('div', { class: 'chips' }, chip('available', s.onHand - s.reserved), chip('on hand', s.onHand), chip('reserved', s.reserved), typeof s.reorderPoint === 'number' ? chip('reorder point', s.reorderPoint) : null);
  }
  return null;
}

function isPrimitive(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function fmtUpdated(v: number | string): string {
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? fmtDateTime(t) : String(v);
}

