/// <reference lib="dom" />
import { FRAUD_ALERT_TYPES } from '../../../schemas/alert.ts';
import { createBucketChart } from '../bucket-chart.ts';
import { byTestId } from '../dom.ts';
import { fmtCount, fmtCountTick } from '../format.ts';
import type { BusinessData } from './api.ts';
import { perMinute, sum, WINDOW_MINUTES, type MinuteWindow } from './data.ts';
import { stateView } from './state.ts';

const COLORS: Record<string, string> = {
  velocity: '#fbbf24',
  card_testing: '#f85149',
  amount_anomaly: '#fb923c',
  impossible_travel: '#c084fc',
  account_takeover: '#f472b6',
};

/**
 * Fraud alerts raised per minute, one series per rule that fired in the window. Stock and order
 * alerts (also in the alerts aggregate) are left out: they are operations, not fraud.
 */
export function createFraudPanel(root: HTMLElement) {
  const state = stateView(root, byTestId(root, 'fraud-state'));
  const chart = createBucketChart(byTestId(root, 'fraud-chart'), byTestId(root, 'fraud-legend'), {
    styleOf: (label) => ({ color: COLORS[label] ?? '#8b97a6' }),
    format: fmtCount,
    axisFormat: fmtCountTick,
    totalLabel: `${WINDOW_MINUTES} min`,
    displayOf: (label) => label.replaceAll('_', ' '),
    minMax: 4,
  });
  return {
    update(data: BusinessData, w: MinuteWindow) {
      const alerts = state.unwrap(data.alerts);
      if (!alerts) return;
      const series = FRAUD_ALERT_TYPES.map((type) => ({ label: type as string, values: perMinute(w.starts, alerts.buckets, (b) => b.alerts, (b) => b.alertType === type) })).filter(
        (s) => sum(s.values) > 0,
      );
      chart.set(w.starts, series);
      if (series.length === 0) state.show('empty', 'No fraud alerts in the last 30 min');
      else state.show('ok');
    },
  };
}
