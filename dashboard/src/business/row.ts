/// <reference lib="dom" />
import { byTestId, setText } from '../dom.ts';
import { fmtAgo, fmtClock } from '../format.ts';
import { fetchBusinessData, type BusinessData } from './api.ts';
import { createConversionPanel } from './conversion.ts';
import { minuteWindow, type MinuteWindow } from './data.ts';
import { createFraudPanel } from './fraud.ts';
import { createOrdersPanel } from './orders.ts';
import { createRevenuePanel } from './revenue.ts';
import { createTopSkusPanel } from './top-skus.ts';

/**
 * Aggregates change at each checkpoint (about a second) and are bucketed by minute, so polling is
 * plenty; a stream would add a server loop per page for nothing.
 */
const POLL_MS = 5_000;

/**
 * The business row: revenue, orders, conversion, top SKUs and fraud over the last 30 minutes,
 * polled from the analytics API. Each panel shows its own loading, empty or error state, so one
 * failing route never blanks the others.
 *
 * @example
 * startBusinessRow(byTestId(document, 'business'), (sku) => inspector.inspectEntity('sku', sku));
 */
export function startBusinessRow(root: HTMLElement, inspectSku: (sku: string) => void): void {
  const $ = (id: string) => byTestId(root, id);
  const panels: { update(data: BusinessData, w: MinuteWindow): void }[] = [
    createRevenuePanel($('panel-revenue')),
    createOrdersPanel($('panel-orders')),
    createConversionPanel($('panel-conversion')),
    createTopSkusPanel($('panel-top-skus'), inspectSku),
    createFraudPanel($('panel-fraud')),
  ];
  const status = $('business-updated');
  let polls = 0;
  let lastAt: number | undefined;
  let failing = 0;
  let reads = 0;

  const poll = async () => {
    try {
      const w = minuteWindow(Date.now());
      show(await fetchBusinessData(w), w);
    } finally {
      setTimeout(() => void poll(), POLL_MS);
    }
  };
  const show = (data: BusinessData, w: MinuteWindow) => {
    for (const panel of panels) {
      try {
        panel.update(data, w);
      } catch (err) {
        // One panel choking on an unexpected answer must not freeze the others.
        console.error('business panel failed', err);
      }
    }
    polls++;
    reads = Object.keys(data).length;
    failing = Object.values(data).filter((d) => !d.ok).length;
    if (failing < reads) lastAt = Date.now();
    status.dataset.polls = String(polls);
    status.dataset.level = failing ? 'warn' : '';
    status.title = lastAt === undefined ? '' : `last answer ${fmtClock(lastAt)}; refreshed every ${POLL_MS / 1000} s`;
    showAge();
  };
  const showAge = () => {
    const age = lastAt === undefined ? (polls ? 'no answer yet' : 'loading…') : `updated ${fmtAgo(lastAt, Date.now())}`;
    setText(status, failing && polls ? `${failing} of ${reads} reads failing · ${age}` : age);
  };

  void poll();
  setInterval(showAge, 1000);
}
