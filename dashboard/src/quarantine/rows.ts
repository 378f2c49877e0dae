/// <reference lib="dom" />
import { h } from '../dom.ts';
import { fmtAgo, fmtCount, fmtDateTime } from '../format.ts';
import type { QuarantinedEntity } from './api.ts';
import type { Outcome } from './outcome.ts';

/** A release outcome kept for its entity (the entity may be gone from the list by then). */
export interface KeptOutcome extends Outcome {
  type: string;
  key: string;
}

/** What the table needs beyond the list: per-entity UI state (by `entityId`) and the actions. */
export interface TableView {
  outcomes: ReadonlyMap<string, KeptOutcome>;
  pending: ReadonlySet<string>;
  expanded: ReadonlySet<string>;
  release(e: QuarantinedEntity): void;
  toggle(id: string): void;
}

export function entityId(e: { type: string; key: string }): string {
  return `${e.type}/${e.key}`;
}

/**
 * The quarantined entities as a table: type, key, error (one clipped line; the full text in the
 * tooltip, or expanded in place by a click), since, parked inputs and a Release button. A release's
 * outcome is a line right under its row.
 */
export function quarantineTable(entities: readonly QuarantinedEntity[], view: TableView, now: number): HTMLElement {
  return h(
    'table',
    { class: 'q-table', 'data-testid': 'quarantine-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'q-type', scope: 'col' }, 'Type'),
        h('th', { class: 'q-key', scope: 'col' }, 'Key'),
        h('th', { class: 'q-err', scope: 'col' }, 'Error'),
        h('th', { class: 'q-since', scope: 'col' }, 'Since'),
        h('th', { class: 'q-parked num', scope: 'col', title: 'inputs parked, waiting for the release' }, 'Parked'),
        h('th', { class: 'q-action', scope: 'col' }, h('span', { class: 'sr-only' }, 'Action')),
      ),
    ),
    h('tbody', {}, ...entities.flatMap((e) => entityRows(e, view, now))),
  );
}

/** Outcomes of entities no longer listed (a release that worked): one line each, dismissable. */
export function outcomeNotes(outcomes: readonly KeptOutcome[], dismiss: (id: string) => void): HTMLElement[] {
  return outcomes.map((o) =>
    h(
      'div',
      { class: 'q-note', 'data-level': o.level },
      h('span', { class: 'q-note-entity mono' }, `${o.type} ${o.key}`),
      h('span', { class: 'q-note-text', ...outcomeAttrs(o) }, o.text),
      h('button', { type: 'button', class: 'icon small', 'aria-label': `Dismiss the outcome for ${o.type} ${o.key}`, onclick: () => dismiss(entityId(o)) }, '×'),
    ),
  );
}

/** Keeps each row's "since" current between list refreshes. */
export function tickSince(root: ParentNode, now: number): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-since]')) {
    const text = fmtAgo(Number(el.dataset.since), now);
    if (el.textContent !== text) el.textContent = text;
  }
}

function entityRows(e: QuarantinedEntity, view: TableView, now: number): HTMLElement[] {
  const id = entityId(e);
  const since = Date.parse(e.since);
  const pending = view.pending.has(id);
  const expanded = view.expanded.has(id);
  const outcome = view.outcomes.get(id);
  const row = h(
    'tr',
    { class: 'q-row', 'data-testid': 'quarantine-row', 'data-type': e.type, 'data-key': e.key, 'data-parked': e.parked },
    h('td', { class: 'mono muted' }, e.type),
    h('td', { class: 'q-cell-key mono', title: e.key }, e.key),
    h(
      'td',
      {},
      h(
        'button',
        { type: 'button', class: 'q-error mono', title: e.error, 'aria-expanded': String(expanded), 'aria-label': `Error: ${e.error}`, 'data-testid': 'quarantine-error', onclick: () => view.toggle(id) },
        e.error,
      ),
    ),
    h('td', { class: 'muted', title: Number.isNaN(since) ? e.since : fmtDateTime(since), 'data-since': Number.isNaN(since) ? null : since }, Number.isNaN(since) ? '–' : fmtAgo(since, now)),
    h('td', { class: 'num', 'data-testid': 'quarantine-parked' }, fmtCount(e.parked)),
    h(
      'td',
      { class: 'q-cell-action' },
      h(
        'button',
        {
          type: 'button',
          class: 'btn small',
          'data-testid': 'quarantine-release',
          'aria-label': `Release ${e.type} ${e.key}: apply its ${e.parked} parked input(s)`,
          'aria-busy': pending ? 'true' : null,
          disabled: pending,
          onclick: () => view.release(e),
        },
        pending ? 'Releasing…' : 'Release',
      ),
    ),
  );
  if (!outcome) return [row];
  return [row, h('tr', { class: 'q-outcome', 'data-level': outcome.level }, h('td', { colspan: 6 }, h('span', outcomeAttrs(outcome), outcome.text)))];
}

function outcomeAttrs(o: KeptOutcome): Record<string, string> {
  return { 'data-testid': 'quarantine-outcome', 'data-type': o.type, 'data-key': o.key, 'data-level': o.level };
}
