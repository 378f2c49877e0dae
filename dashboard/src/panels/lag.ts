/// <reference lib="dom" />
import type { DashboardSnapshot, PartitionLag } from '../../snapshot.ts';
import { byTestId, emptyState, h, replace } from '../dom.ts';
import { fmtCount, shortTopic } from '../format.ts';

/**
 * Consumer lag as a heat matrix: a row per topic, a column per partition, each cell redder the
 * further behind (log scale), so 6 topics × 12 partitions fit a small panel and a hot one stands out.
 */
export function createLagPanel(root: HTMLElement) {
  const body = byTestId(root, 'lag-body');
  const total = byTestId(root, 'lag-total');
  return {
    update(s: DashboardSnapshot) {
      const sumLag = s.lag.reduce((n, l) => n + l.lag, 0);
      total.dataset.value = String(sumLag);
      total.textContent = s.lag.length ? `total ${fmtCount(sumLag)}` : '';
      if (s.lag.length === 0) return replace(body, emptyState('No partitions assigned to this instance yet'));
      const partitions = [...new Set(s.lag.map((l) => l.partition))].sort((a, b) => a - b);
      const head = h('div', { class: 'lag-row lag-head' }, h('div', { class: 'lag-topic' }), ...partitions.map((p) => h('div', { class: 'lag-col' }, `p${p}`)));
      const rows = [...groupByTopic(s.lag)].map(([topic, parts]) =>
        h(
          'div',
          { class: 'lag-row' },
          h('div', { class: 'lag-topic', title: topic }, shortTopic(topic)),
          ...partitions.map((p) => {
            const lag = parts.find((l) => l.partition === p);
            return lag ? lagCell(topic, lag) : h('div', { class: 'lag-cell none' });
          }),
        ),
      );
      replace(body, h('div', { class: 'lag-grid', style: `--cols:${partitions.length}` }, head, ...rows));
    },
  };
}

function lagCell(topic: string, p: PartitionLag): HTMLElement {
  // An absolute log scale, not relative to the worst partition: 12 records behind is calm even
  // when it is the most behind; ~1K is noticeable, ~10K is hot, 300K+ is fully red.
  const heat = p.lag <= 0 ? 0 : Math.min(1, Math.max(0.06, (Math.log10(p.lag + 1) - 1.5) / 4));
  return h(
    'div',
    {
      class: p.lag > 0 ? 'lag-cell' : 'lag-cell zero',
      style: `--heat:${(heat * 100).toFixed(1)}%`,
      title: `${topic} partition ${p.partition}: ${p.lag.toLocaleString('en-US')} records behind`,
      'data-testid': 'lag-cell',
      'data-topic': topic,
      'data-partition': p.partition,
      'data-value': p.lag,
    },
    fmtCount(p.lag),
  );
}

function groupByTopic(lags: PartitionLag[]): Map<string, PartitionLag[]> {
  const byTopic = new Map<string, PartitionLag[]>();
  for (const l of [...lags].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
    const list = byTopic.get(l.topic) ?? [];
    list.push(l);
    byTopic.set(l.topic, list);
  }
  return byTopic;
}
