/// <reference lib="dom" />
import type { Alert } from '../../../schemas/alert.ts';
import { h, replace, type Child } from '../dom.ts';
import { fetchAlertWhy, type AlertWhy, type AlertWhyLookup } from './api.ts';
import { causeItem, type EntityLink } from './cause.ts';
import { scannedText, UNRESOLVED_EXPLANATION } from './describe.ts';

/**
 * The inspector's "Why" for an alert: what `GET /v1/alerts/:id` reads back from the log for its
 * `reasons`, one cause per reason in their order, then the reasons it could not find, and the
 * trace. Until the answer comes (the scan can take a few seconds) the reason ids are listed as the
 * alert names them. `data-status` says which state it shows: loading, ok, empty, unavailable,
 * not_found or error.
 *
 * @param isCurrent false once the drawer shows something else: a late answer is then dropped.
 */
export function alertWhySection(alert: Alert, isCurrent: () => boolean, entityLink: EntityLink): HTMLElement {
  const section = h('section', { class: 'why', 'data-testid': 'alert-why', 'data-alert-id': alert.id, 'aria-labelledby': 'alert-why-title', 'aria-busy': 'true' });
  const load = () => {
    section.dataset.status = 'loading';
    section.setAttribute('aria-busy', 'true');
    replace(section, heading(), h('p', { class: 'muted', 'data-testid': 'why-loading' }, `Reading ${count(alert.reasons.length, 'reason event')} back from the log…`), reasonList(alert.reasons));
    void fetchAlertWhy(alert.id).then((r) => {
      if (isCurrent()) render(section, alert, r, load, entityLink);
    });
  };
  load();
  return section;
}

function render(section: HTMLElement, alert: Alert, r: AlertWhyLookup, retry: () => void, entityLink: EntityLink): void {
  section.removeAttribute('aria-busy');
  if (r.kind === 'not_found') {
    section.dataset.status = 'not_found';
    replace(section, heading(), h('div', { class: 'notice', 'data-testid': 'why-error' }, h('b', {}, 'The API does not know this alert'), h('p', {}, r.message), h('p', { class: 'muted' }, 'Only committed alerts can be explained.')), reasonList(alert.reasons));
    return;
  }
  if (r.kind === 'failed') {
    section.dataset.status = 'error';
    replace(
      section,
      heading(),
      h('div', { class: 'notice bad', 'data-testid': 'why-error' }, h('b', {}, 'Could not read the causes back'), h('p', {}, r.message), h('button', { type: 'button', class: 'btn', onclick: retry }, 'Retry')),
      reasonList(alert.reasons),
    );
    return;
  }
  const why = r.why;
  if (why.causes === null) {
    section.dataset.status = 'unavailable';
    replace(section, heading(), h('div', { class: 'notice', 'data-testid': 'why-unavailable' }, h('b', {}, 'This instance cannot read the log back'), why.note ? h('p', {}, why.note) : null), reasonList(why.unresolved));
    return;
  }
  if (why.causes.length === 0 && why.unresolved.length === 0) {
    section.dataset.status = 'empty';
    replace(section, heading(), h('p', { class: 'muted', 'data-testid': 'why-empty' }, 'This alert names no reason events.'));
    return;
  }
  section.dataset.status = 'ok';
  replace(
    section,
    heading(),
    meta(why),
    why.causes.length ? h('ol', { class: 'causes', 'data-testid': 'alert-causes' }, ...why.causes.map((c, i) => causeItem(c, i + 1, entityLink))) : null,
    why.unresolved.length ? unresolved(why.unresolved) : null,
  );
}

function heading(): HTMLElement {
  return h('h3', { id: 'alert-why-title' }, 'Why');
}

/** "5 of 5 reasons found · read back 1,234 records · trace ↗". */
function meta(why: AlertWhy): HTMLElement {
  const found = why.causes?.length ?? 0;
  const total = found + why.unresolved.length;
  const scanned = scannedText(why.scanned);
  return h('div', { class: 'row why-meta' }, h('span', { 'data-testid': 'why-found' }, `${found} of ${count(total, 'reason')} found in the log`), scanned ? h('span', { class: 'muted' }, scanned) : null, trace(why.trace));
}

function trace(t: AlertWhy['trace']): Child {
  if (!t) return null;
  if (t.url) return h('a', { class: 'trace-link', href: t.url, target: '_blank', rel: 'noopener', 'data-testid': 'why-trace', title: `trace ${t.traceId}` }, 'Trace of the first cause ↗');
  return h('span', { class: 'muted', 'data-testid': 'why-trace' }, 'trace ', h('span', { class: 'mono' }, t.traceId));
}

function unresolved(ids: string[]): HTMLElement {
  return h(
    'div',
    { class: 'notice why-unresolved', 'data-testid': 'why-unresolved' },
    h('b', {}, `${count(ids.length, 'reason')} not found`),
    h('ul', { class: 'reasons mono' }, ...ids.map((id) => h('li', { 'data-testid': 'unresolved-reason' }, id))),
    h('p', { class: 'muted' }, UNRESOLVED_EXPLANATION),
  );
}

/** The reason ids as the alert names them: what the drawer shows until (or unless) the log answers. */
function reasonList(ids: string[]): HTMLElement {
  return h('ul', { class: 'reasons mono', 'data-testid': 'alert-reasons' }, ...ids.map((id) => h('li', {}, id)));
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
