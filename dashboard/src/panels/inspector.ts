/// <reference lib="dom" />
import type { Alert, EntityType } from '../../../schemas/alert.ts';
import { alertWhySection } from '../alert-why/section.ts';
import { ENTITY_TYPES, lookupEntity, type EntityLookup, type EntityView } from '../api.ts';
import { byTestId, h, replace, type Child } from '../dom.ts';
import { fmtDateTime } from '../format.ts';
import { jsonView } from '../json-view.ts';
import { alertDetail } from './alert-detail.ts';
import { recommendationsSection } from './recommendations.ts';

/**
 * The side drawer that explains one thing: an alert (its figures, trace, the events that caused
 * it as the log holds them, and the entity's current state) or an entity looked up by key. Every
 * lookup goes through the query API, so it shows what any client would get, including `stale`
 * when the owner is unreachable. Opening moves the focus into the drawer; Escape or × closes it
 * and gives the focus back (`onClose(focusLost)`: the opener is gone, its panel should refocus).
 */
export function createInspector(root: HTMLElement, opts: { jaegerUrl: string | null; onClose: (focusLost: boolean) => void }) {
  const title = byTestId(root, 'inspector-title');
  const body = byTestId(root, 'inspector-body');
  let generation = 0;
  let opener: HTMLElement | null = null;

  const close = () => {
    if (root.hidden) return;
    root.hidden = true;
    generation++;
    const back = opener;
    opener = null;
    if (back?.isConnected) back.focus();
    opts.onClose(!back?.isConnected);
  };
  byTestId(root, 'inspector-close').addEventListener('click', close);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !root.hidden) close();
  });

  const open = (heading: string, ...children: Child[]) => {
    generation++;
    // A link inside the drawer replaces its content: the focus still goes back to what first opened it.
    const active = document.activeElement;
    if (active instanceof HTMLElement && active !== document.body && !root.contains(active)) opener = active;
    title.textContent = heading;
    replace(body, ...children);
    root.hidden = false;
    body.scrollTop = 0;
    title.focus({ preventScroll: true });
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

  /** The query API serves the three entity types; another (an actor type a module adds) is plain text. */
  const entityLink = (type: EntityType, key: string): Child =>
    ENTITY_TYPES.includes(type)
      ? h('button', { type: 'button', class: 'link mono', 'data-testid': 'entity-link', 'data-entity-type': type, 'data-entity-key': key, onclick: () => inspectEntity(type, key) }, `${type} ${key}`)
      : h('span', { class: 'mono' }, `${type} ${key}`);

  return {
    inspectEntity,
    showAlert(a: Alert) {
      open(sentence(a.type.replaceAll('_', ' ')));
      // After open(): the why and the lookup belong to the drawer's current content, dropped once it changes.
      const mine = generation;
      body.append(
        alertDetail(a, opts.jaegerUrl, entityLink),
        alertWhySection(a, () => mine === generation, entityLink),
        h('h3', {}, `Current state of ${a.entityType} ${a.entityKey}`),
        ...withRecommendations(a.entityType, a.entityKey, entitySection(a.entityType, a.entityKey)),
      );
    },
    close,
  };
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

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function fmtUpdated(v: number | string): string {
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? fmtDateTime(t) : String(v);
}

