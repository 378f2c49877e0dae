/// <reference lib="dom" />
import type { DashboardSnapshot } from '../../snapshot.ts';
import { byTestId, setText } from '../dom.ts';
import { fmtCount, fmtDuration, fmtMs } from '../format.ts';

/**
 * The headline numbers across the top. Each value element carries `data-value` (the raw number)
 * so browser checks read numbers, not formatted text.
 */
export function createKpis(root: HTMLElement) {
  const tile = (id: string) => byTestId(root, id);
  const tiles = {
    events: tile('kpi-events-per-sec'),
    applied: tile('kpi-applied-per-sec'),
    stateP99: tile('kpi-state-p99'),
    durableP99: tile('kpi-durable-p99'),
    lag: tile('kpi-lag'),
    checkpointAge: tile('kpi-checkpoint-age'),
    deadLetters: tile('kpi-dead-letters'),
    quarantined: tile('kpi-quarantined'),
  };
  let checkpointAgeBase: { lastAt: number; snapshotAt: number; receivedAt: number } | undefined;

  const show = (el: HTMLElement, value: number | null, text: string, level: 'ok' | 'warn' | 'bad' | '' = '') => {
    el.dataset.value = value === null ? '' : String(value);
    setText(el, text);
    const card = el.closest<HTMLElement>('.kpi');
    if (card && card.dataset.level !== level) card.dataset.level = level;
  };

  return {
    update(s: DashboardSnapshot, receivedAt: number) {
      const events = sum(s.throughput.map((t) => t.eventsPerSec));
      const applied = sum(s.applied.map((a) => a.perSec));
      const lag = sum(s.lag.map((l) => l.lag));
      show(tiles.events, events, fmtCount(events));
      show(tiles.applied, applied, fmtCount(applied));
      show(tiles.stateP99, s.latencyMs.eventToState.p99, fmtMs(s.latencyMs.eventToState.p99));
      show(tiles.durableP99, s.latencyMs.eventToDurable.p99, fmtMs(s.latencyMs.eventToDurable.p99));
      show(tiles.lag, lag, fmtCount(lag), s.lag.length === 0 ? '' : lag > 10_000 ? 'bad' : lag > 1_000 ? 'warn' : 'ok');
      show(tiles.deadLetters, s.deadLetters, fmtCount(s.deadLetters), s.deadLetters > 0 ? 'warn' : 'ok');
      show(tiles.quarantined, s.quarantined, fmtCount(s.quarantined), s.quarantined > 0 ? 'bad' : 'ok');
      const lastAt = s.checkpoints.lastAt;
      checkpointAgeBase = lastAt === null ? undefined : { lastAt, snapshotAt: s.at, receivedAt };
      this.tick(receivedAt);
    },
    /** Ages move between snapshots too (and keep growing when the stream stalls, which is the point). */
    tick(now: number) {
      if (!checkpointAgeBase) {
        show(tiles.checkpointAge, null, '–');
        return;
      }
      const age = checkpointAgeAt(checkpointAgeBase, now);
      show(tiles.checkpointAge, age, age < 1000 ? '<1s' : fmtDuration(age), age > 30_000 ? 'bad' : age > 10_000 ? 'warn' : 'ok');
    },
  };
}

/** Age on the server's clock at snapshot time, plus the time the page has waited since: no clock-skew. */
export function checkpointAgeAt(base: { lastAt: number; snapshotAt: number; receivedAt: number }, now: number): number {
  return Math.max(0, base.snapshotAt - base.lastAt + (now - base.receivedAt));
}

export function sum(values: number[]): number {
  let total = 0;
  for (const v of values) if (Number.isFinite(v)) total += v;
  return total;
}
