/// <reference lib="dom" />
import type { DashboardSnapshot } from '../../snapshot.ts';
import { createTimeChart } from '../chart.ts';
import { colorOf } from '../colors.ts';
import { byTestId, h, replace } from '../dom.ts';
import { fmtCount, fmtCountTick, fmtMs, fmtMsTick, shortTopic } from '../format.ts';

/** Five minutes at one snapshot a second. */
const WINDOW_SEC = 300;

/** Events per second per input topic, with the per-actor apply rates underneath. */
export function createThroughputPanel(root: HTMLElement) {
  const plotEl = byTestId(root, 'throughput-chart');
  const empty = byTestId(root, 'throughput-empty');
  const applied = byTestId(root, 'applied-rates');
  const chart = createTimeChart(plotEl, byTestId(root, 'throughput-legend'), {
    windowSec: WINDOW_SEC,
    styleOf: (label) => ({ color: colorOf(label) }),
    format: (v) => (v === null ? '–' : fmtCount(v)),
    axisFormat: fmtCountTick,
    minMax: 10,
    displayOf: shortTopic,
  });
  return {
    update(s: DashboardSnapshot) {
      const values: Record<string, number> = {};
      for (const t of [...s.throughput].sort((a, b) => a.topic.localeCompare(b.topic))) values[t.topic] = t.eventsPerSec;
      chart.push(s.at, values);
      empty.hidden = s.throughput.length > 0;
      replace(
        applied,
        h('span', { class: 'muted' }, 'applied/s'),
        ...(s.applied.length === 0
          ? [h('span', { class: 'muted' }, '–')]
          : [...s.applied]
              .sort((a, b) => a.actor.localeCompare(b.actor))
              .map((a) =>
                h(
                  'span',
                  { class: 'rate', 'data-testid': 'applied-rate', 'data-actor': a.actor, 'data-value': a.perSec },
                  h('i', { class: 'swatch', style: `--c:${colorOf(a.actor)}` }),
                  a.actor,
                  ' ',
                  h('b', {}, fmtCount(a.perSec)),
                ),
              )),
      );
    },
  };
}

const LATENCY_SERIES = [
  { label: 'state p50', color: '#4aa3ff' },
  { label: 'state p99', color: '#4aa3ff', dash: [5, 4] },
  { label: 'durable p50', color: '#fbbf24' },
  { label: 'durable p99', color: '#fbbf24', dash: [5, 4] },
];

/** p50/p99 of event→state (in memory) and event→durable (checkpoint committed), log scale. */
export function createLatencyPanel(root: HTMLElement) {
  const empty = byTestId(root, 'latency-empty');
  const chart = createTimeChart(byTestId(root, 'latency-chart'), byTestId(root, 'latency-legend'), {
    windowSec: WINDOW_SEC,
    log: true,
    logMin: 0.1,
    styleOf: (label) => LATENCY_SERIES.find((s) => s.label === label) ?? { color: colorOf(label) },
    format: fmtMs,
    axisFormat: fmtMsTick,
  });
  let seen = false;
  return {
    update(s: DashboardSnapshot) {
      const { eventToState: st, eventToDurable: du } = s.latencyMs;
      chart.push(s.at, { 'state p50': st.p50, 'state p99': st.p99, 'durable p50': du.p50, 'durable p99': du.p99 });
      seen ||= [st.p50, st.p99, du.p50, du.p99].some((v) => v !== null);
      empty.hidden = seen;
    },
  };
}
