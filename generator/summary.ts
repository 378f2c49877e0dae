import type { ExpectedAlert } from './ground-truth.ts';
import type { WriteResult } from './record-writer.ts';
import type { GeneratorStats } from './stats.ts';

/**
 * The end-of-run report of `actorstream generate`, as plain lines for stderr: what was written where,
 * how fast, the mix by topic and type, and the fraud that the pipeline should now report.
 */
export function formatSummary(stats: GeneratorStats, result: WriteResult, target: string, truth: readonly ExpectedAlert[]): string {
  const secs = result.elapsedMs / 1000;
  const lines = [
    `${result.aborted ? 'stopped after' : 'wrote'} ${fmt(result.sent)} records to ${target} in ${secs.toFixed(1)} s ` +
      `(${fmt(Math.round(result.rate))} records/s)`,
    `  by topic   ${join(stats.byTopic)}`,
    `  by type    ${join(stats.byType)}`,
    `  order_placed v1 (legacy, upcast on read): ${fmt(stats.legacyOrderPlaced)}; poison records: ${fmt(result.poison)}`,
    `  fraud injected ${join(stats.patternsInjected)}`,
    `  expected alerts ${fmt(truth.length)}: ${join(stats.expectedAlerts)}`,
  ];
  if (stats.firstTs !== undefined && stats.lastTs !== undefined) {
    const span = duration(stats.lastTs - stats.firstTs);
    lines.push(`  event time ${new Date(stats.firstTs).toISOString()} → ${new Date(stats.lastTs).toISOString()} (${span})`);
  }
  const filler = stats.events > 0 ? stats.fillerPageViews / stats.events : 0;
  if (filler > 0.05) {
    lines.push(
      `  warning: ${(filler * 100).toFixed(0)}% of events are filler page views because every user was mid-visit; ` +
        `use more --users (about 60 × --event-rate) or a lower --event-rate`,
    );
  }
  return lines.join('\n');
}

/** `1,234,567` */
export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1h02m03s`, `4m12s`, `12s` */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

function join(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${fmt(n)}`)
    .join(' · ') || 'none';
}
