/// <reference lib="dom" />
import type { DashboardSnapshot, OrderFunnel } from '../../snapshot.ts';
import { byTestId, h, replace } from '../dom.ts';
import { fmtCount, fmtPercent } from '../format.ts';

const STAGES: (keyof OrderFunnel)[] = ['placed', 'reserved', 'paid', 'shipped', 'delivered'];
const OUTCOMES: { key: keyof OrderFunnel; hint: string }[] = [
  { key: 'rejected', hint: 'stock refused' },
  { key: 'expired', hint: 'no payment in time' },
  { key: 'cancelled', hint: 'cancelled before shipment' },
];

/** The order saga as a funnel: each stage's bar is relative to `placed`, with the step conversion beside it. */
export function createFunnelPanel(root: HTMLElement) {
  const body = byTestId(root, 'funnel-body');
  const empty = byTestId(root, 'funnel-empty');
  return {
    update(s: DashboardSnapshot) {
      const f = s.funnel;
      empty.hidden = f.placed > 0;
      body.hidden = f.placed === 0;
      const stages = STAGES.map((key, i) => {
        const value = f[key];
        const prev = i === 0 ? value : f[STAGES[i - 1]!];
        const width = f.placed > 0 ? Math.max(0.5, (value / f.placed) * 100) : 0;
        return h(
          'div',
          { class: 'funnel-stage' },
          h('span', { class: 'funnel-label' }, key),
          h('div', { class: 'funnel-track' }, h('div', { class: 'funnel-bar', style: `width:${width.toFixed(2)}%` })),
          h('b', { class: 'funnel-value', 'data-testid': `funnel-${key}`, 'data-value': value }, fmtCount(value)),
          h('span', { class: 'funnel-conv muted', title: i === 0 ? '' : `of ${STAGES[i - 1]}` }, i === 0 ? '' : fmtPercent(value, prev)),
        );
      });
      const outcomes = OUTCOMES.map(({ key, hint }) =>
        h(
          'div',
          { class: `funnel-outcome ${key}`, title: hint },
          h('span', { class: 'muted' }, key),
          h('b', { 'data-testid': `funnel-${key}`, 'data-value': f[key] }, fmtCount(f[key])),
          h('span', { class: 'muted' }, fmtPercent(f[key], f.placed)),
        ),
      );
      replace(body, h('div', { class: 'funnel-stages' }, ...stages), h('div', { class: 'funnel-outcomes' }, ...outcomes));
    },
  };
}
