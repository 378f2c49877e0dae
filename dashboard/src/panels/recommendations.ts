/// <reference lib="dom" />
import { fetchRecommendations, type RecommendationsLookup, type RecommendedSku } from '../api.ts';
import { h, replace } from '../dom.ts';

/**
 * The user view's recommendations (docs/recommendations.md): what GET /v1/users/:id/recommendations
 * answers, one row per SKU with why (bought with which SKU, viewed, trending) and its score. A SKU
 * opens in the inspector. Shown for unknown users too: they get the trending SKUs.
 */
export function recommendationsSection(userId: string, isCurrent: () => boolean, inspectSku: (sku: string) => void): HTMLElement {
  const section = h('section', { class: 'recs', 'data-testid': 'recommendations', 'data-status': 'loading' }, h('h3', {}, 'Recommendations'), h('div', { class: 'muted' }, 'Loading…'));
  void fetchRecommendations(userId).then((r) => {
    if (isCurrent()) render(section, r, inspectSku);
  });
  return section;
}

function render(section: HTMLElement, r: RecommendationsLookup, inspectSku: (sku: string) => void): void {
  section.dataset.status = r.kind;
  if (r.kind === 'failed') {
    replace(section, h('h3', {}, 'Recommendations'), h('div', { class: 'notice bad', 'data-testid': 'recommendations-error' }, r.message));
    return;
  }
  const heading = h('h3', {}, 'Recommendations ', r.stale ? h('span', { class: 'badge sev-warning', title: 'Some states came from the last checkpointed snapshot' }, 'stale') : null);
  if (r.items.length === 0) {
    replace(section, heading, h('div', { class: 'muted', 'data-testid': 'recommendations-empty' }, 'Nothing to recommend yet: no purchases, views or sales in the last hour.'));
    return;
  }
  replace(
    section,
    heading,
    h(
      'table',
      { class: 'q-table recs-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'SKU'), h('th', {}, 'why'), h('th', { class: 'num' }, 'score'))),
      h('tbody', {}, ...r.items.map((item) => row(item, inspectSku))),
    ),
  );
}

function row(item: RecommendedSku, inspectSku: (sku: string) => void): HTMLElement {
  return h(
    'tr',
    { 'data-testid': 'recommendation', 'data-sku': item.sku, 'data-reason': item.reason },
    h('td', {}, h('button', { type: 'button', class: 'link mono', onclick: () => inspectSku(item.sku) }, item.sku)),
    h('td', {}, reasonText(item.reason, inspectSku)),
    h('td', { class: 'num mono' }, formatScore(item)),
  );
}

/** `bought_with:<sku>` names the SKU it was bought with (a link); the others read as words. */
function reasonText(reason: string, inspectSku: (sku: string) => void): HTMLElement | string {
  if (reason.startsWith('bought_with:')) {
    const sku = reason.slice('bought_with:'.length);
    return h('span', {}, 'bought with ', h('button', { type: 'button', class: 'link mono', onclick: () => inspectSku(sku) }, sku));
  }
  return reason === 'viewed' ? 'viewed recently' : reason === 'trending' ? 'trending (last hour)' : reason;
}

function formatScore(item: RecommendedSku): string {
  if (item.reason.startsWith('bought_with:')) return `${item.score}×`;
  if (item.reason === 'trending') return `${item.score} sold`;
  return item.score.toFixed(1);
}
