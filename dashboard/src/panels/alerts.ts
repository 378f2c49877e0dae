/// <reference lib="dom" />
import { FRAUD_ALERT_TYPES, type Alert, type AlertType } from '../../../schemas/alert.ts';
import { SEVERITY_COLORS } from '../colors.ts';
import { byTestId, emptyState, h, replace } from '../dom.ts';
import { fmtAgo, fmtClock } from '../format.ts';

/** Alerts kept in the page; older ones drop off (the API keeps them all). */
const MAX_ALERTS = 200;

export type AlertFilter = 'all' | 'fraud' | 'inventory' | 'orders';

const FILTERS: Record<AlertFilter, (t: AlertType) => boolean> = {
  all: () => true,
  fraud: (t) => FRAUD_ALERT_TYPES.includes(t),
  inventory: (t) => t === 'low_stock' || t === 'oversell_prevented',
  orders: (t) => t === 'invalid_transition',
};

/**
 * The live alert feed: the newest alerts first, merged from the initial list and the SSE stream
 * (deduplicated by alert id, which is deterministic, so a reconnect or a replay never shows one twice).
 */
export function createAlertsPanel(root: HTMLElement, select: (alert: Alert) => void) {
  const list = byTestId(root, 'alert-list');
  const filterBar = byTestId(root, 'alert-filters');
  const byId = new Map<string, Alert>();
  let ordered: Alert[] = [];
  let filter: AlertFilter = 'all';
  let selectedId: string | undefined;
  /** An item to focus after the next render (the drawer closed and its opener had been re-rendered away). */
  let refocusId: string | undefined;
  let fresh = new Set<string>();
  let loaded = false;
  let scheduled = false;

  for (const button of filterBar.querySelectorAll<HTMLButtonElement>('button[data-filter]')) {
    button.addEventListener('click', () => {
      filter = button.dataset.filter as AlertFilter;
      render();
    });
  }

  const render = () => {
    scheduled = false;
    const now = Date.now();
    for (const button of filterBar.querySelectorAll<HTMLButtonElement>('button[data-filter]')) {
      const f = button.dataset.filter as AlertFilter;
      button.setAttribute('aria-pressed', String(f === filter));
      const count = button.querySelector('b');
      if (count) count.textContent = String(ordered.filter((a) => FILTERS[f](a.type)).length);
    }
    const shown = ordered.filter((a) => FILTERS[filter](a.type));
    // Every render rebuilds the items: keep a keyboard user on the item they were on.
    const active = document.activeElement;
    const focusId = refocusId ?? (active instanceof HTMLElement && list.contains(active) ? active.dataset.alertId : undefined);
    refocusId = undefined;
    if (shown.length === 0) {
      const text = !loaded ? 'waiting for events…' : ordered.length === 0 ? 'No alerts yet. Fraud and inventory alerts appear here the moment they are committed.' : 'No alert of this kind yet';
      replace(list, emptyState(text, 'alerts-empty'));
    } else {
      replace(list, ...shown.map((a) => alertItem(a, now, a.id === selectedId, fresh.has(a.id), () => {
        selectedId = a.id;
        render();
        select(a);
      })));
    }
    if (focusId !== undefined) list.querySelector<HTMLElement>(`[data-alert-id="${CSS.escape(focusId)}"]`)?.focus({ preventScroll: true });
    fresh = new Set();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };

  return {
    /** Adds alerts from any source; returns how many were new. */
    add(alerts: Alert[], live: boolean): number {
      let added = 0;
      for (const a of alerts) {
        if (!a || typeof a.id !== 'string' || byId.has(a.id)) continue;
        byId.set(a.id, a);
        if (live) fresh.add(a.id);
        added++;
      }
      if (added > 0) {
        ordered = [...byId.values()].sort((a, b) => b.detectedAt - a.detectedAt || b.ts - a.ts || (a.id < b.id ? 1 : -1));
        for (const old of ordered.splice(MAX_ALERTS)) byId.delete(old.id);
      }
      loaded = true;
      schedule();
      return added;
    },
    /** Marks the list as loaded even when it is empty, so the empty state stops saying "waiting". */
    markLoaded() {
      loaded = true;
      schedule();
    },
    /** Keeps "12s ago" honest between alerts. */
    tick(now: number) {
      for (const el of list.querySelectorAll<HTMLElement>('[data-detected-at]')) {
        el.textContent = fmtAgo(Number(el.dataset.detectedAt), now);
      }
    },
    /** The drawer closed; `refocus`: give the focus back to the item that was selected. */
    clearSelection(refocus = false) {
      if (refocus) refocusId = selectedId;
      selectedId = undefined;
      schedule();
    },
  };
}

function alertItem(a: Alert, now: number, selected: boolean, fresh: boolean, onClick: () => void): HTMLElement {
  const classes = ['alert-item', selected ? 'selected' : '', fresh ? 'fresh' : ''].filter(Boolean).join(' ');
  return h(
    'button',
    {
      type: 'button',
      class: classes,
      style: `--sev:${SEVERITY_COLORS[a.severity] ?? '#8b97a6'}`,
      'data-testid': 'alert-item',
      'data-alert-id': a.id,
      'data-alert-type': a.type,
      'data-entity-type': a.entityType,
      'data-entity-key': a.entityKey,
      onclick: onClick,
    },
    h(
      'div',
      { class: 'alert-head' },
      h('span', { class: `badge sev-${a.severity}` }, a.type.replaceAll('_', ' ')),
      h('span', { class: 'alert-entity mono' }, `${a.entityType} ${a.entityKey}`),
      h('span', { class: 'alert-time muted', title: fmtClock(a.detectedAt), 'data-detected-at': a.detectedAt }, fmtAgo(a.detectedAt, now)),
    ),
    h('div', { class: 'alert-summary' }, a.details?.summary ?? ''),
  );
}
