/// <reference lib="dom" />
import type { DashboardSnapshot } from '../../snapshot.ts';
import { createTimeChart } from '../chart.ts';
import { byTestId, setText } from '../dom.ts';
import { fmtCount, fmtDuration, fmtMs, fmtMsTick } from '../format.ts';
import { checkpointAgeAt } from './kpis.ts';

/** Checkpoint health: how fresh the last commit is, how long commits take, and whether any are refused. */
export function createCheckpointsPanel(root: HTMLElement) {
  const stat = (id: string) => byTestId(root, id);
  const el = {
    age: stat('checkpoint-last-age'),
    duration: stat('checkpoint-duration'),
    ok: stat('checkpoint-ok'),
    rows: stat('checkpoint-rows'),
    fenced: stat('checkpoint-fenced'),
    errors: stat('checkpoint-errors'),
  };
  const empty = byTestId(root, 'checkpoints-empty');
  const chart = createTimeChart(byTestId(root, 'checkpoint-chart'), byTestId(root, 'checkpoint-legend'), {
    windowSec: 300,
    styleOf: () => ({ color: '#2dd4bf' }),
    format: fmtMs,
    axisFormat: fmtMsTick,
  });
  let base: { lastAt: number; snapshotAt: number; receivedAt: number } | undefined;

  const show = (target: HTMLElement, value: number | null, text: string, level: '' | 'ok' | 'warn' | 'bad' = '') => {
    target.dataset.value = value === null ? '' : String(value);
    setText(target, text);
    const card = target.closest<HTMLElement>('.stat');
    if (card && card.dataset.level !== level) card.dataset.level = level;
  };

  return {
    update(s: DashboardSnapshot, receivedAt: number) {
      const c = s.checkpoints;
      base = c.lastAt === null ? undefined : { lastAt: c.lastAt, snapshotAt: s.at, receivedAt };
      empty.hidden = c.lastAt !== null;
      show(el.duration, c.lastDurationMs, fmtMs(c.lastDurationMs));
      show(el.ok, c.okPerSec, fmtCount(c.okPerSec));
      show(el.rows, c.rowsPerSec, fmtCount(c.rowsPerSec));
      show(el.fenced, c.fenced, fmtCount(c.fenced), c.fenced > 0 ? 'warn' : 'ok');
      show(el.errors, c.errors, fmtCount(c.errors), c.errors > 0 ? 'bad' : 'ok');
      chart.push(s.at, { 'last duration': c.lastDurationMs });
      this.tick(receivedAt);
    },
    tick(now: number) {
      if (!base) return show(el.age, null, '–');
      const age = checkpointAgeAt(base, now);
      show(el.age, age, age < 1000 ? '<1s ago' : `${fmtDuration(age)} ago`, age > 30_000 ? 'bad' : age > 10_000 ? 'warn' : 'ok');
    },
  };
}
