import * as hdr from 'hdr-histogram-js';
import type { ProcessorObserver } from '../engine/index.ts';
import { Rates } from './rates.ts';

/**
 * Recent activity of this instance for the live dashboard: rates over the last few seconds and
 * latency percentiles over the last 10–20 s (HdrHistogram, two rotating windows), unlike the
 * Prometheus histograms, which are cumulative and bucketed for aggregation across instances.
 */
export interface LiveStats {
  readonly observer: ProcessorObserver;
  read(now?: number): LiveReading;
}

export interface LiveReading {
  throughput: { topic: string; eventsPerSec: number }[];
  applied: { actor: string; perSec: number }[];
  latencyMs: { eventToState: Percentiles; eventToDurable: Percentiles };
  lag: { topic: string; partition: number; lag: number }[];
  checkpoints: { lastAt: number | null; lastDurationMs: number | null; okPerSec: number; fenced: number; errors: number; rowsPerSec: number };
  deadLetters: number;
}

interface Percentiles {
  p50: number | null;
  p99: number | null;
}

const RATE_WINDOW_S = 5;
const LATENCY_WINDOW_MS = 10_000;
const MAX_TRACKABLE_MS = 3_600_000;

export function createLiveStats(clock: () => number = Date.now): LiveStats {
  const consumed = new Rates(RATE_WINDOW_S);
  const applied = new Rates(RATE_WINDOW_S);
  const checkpoints = new Rates(RATE_WINDOW_S);
  const rows = new Rates(RATE_WINDOW_S);
  const toState = new RotatingHistogram(clock);
  const toDurable = new RotatingHistogram(clock);
  const lag = new Map<string, { topic: string; partition: number; lag: number }>();
  let last: { at: number; durationMs: number } | undefined;
  let fenced = 0;
  let errors = 0;
  let deadLetters = 0;

  const observer: ProcessorObserver = {
    batchApplied(e) {
      const s = Math.floor(e.atMs / 1000);
      consumed.add(e.topic, s, e.consumed);
      applied.add(e.actorType, s, e.applied);
      deadLetters += e.deadLettered;
      for (const t of e.appendTimesMs) toState.record(e.atMs - t);
    },
    checkpointed(e) {
      const s = Math.floor(e.atMs / 1000);
      checkpoints.add('ok', s, 1);
      rows.add('rows', s, e.rows.states + e.rows.offsets + e.rows.outbox + e.rows.alerts + e.rows.timers);
      last = { at: e.atMs, durationMs: e.durationMs };
      for (const t of e.appendTimesMs) toDurable.record(e.atMs - t);
    },
    checkpointFailed(e) {
      if (e.fenced) fenced++;
      else errors++;
    },
    lag(e) {
      lag.set(`${e.topic}:${e.partition}`, e);
    },
    released(e) {
      for (const p of e.partitions) lag.delete(`${p.topic}:${p.partition}`);
    },
  };

  return {
    observer,
    read(now = clock()) {
      const s = Math.floor(now / 1000);
      return {
        throughput: consumed.perSecond(s).map(([topic, eventsPerSec]) => ({ topic, eventsPerSec })),
        applied: applied.perSecond(s).map(([actor, perSec]) => ({ actor, perSec })),
        latencyMs: { eventToState: toState.percentiles(), eventToDurable: toDurable.percentiles() },
        lag: [...lag.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
        checkpoints: {
          lastAt: last?.at ?? null,
          lastDurationMs: last ? Math.round(last.durationMs * 10) / 10 : null,
          okPerSec: checkpoints.perSecond(s).find(([k]) => k === 'ok')?.[1] ?? 0,
          fenced,
          errors,
          rowsPerSec: rows.perSecond(s).find(([k]) => k === 'rows')?.[1] ?? 0,
        },
        deadLetters,
      };
    },
  };
}

/** Latency samples (ms) of the current and the previous window. */
class RotatingHistogram {
  private current = newHistogram();
  private previous = newHistogram();
  private windowStart: number;

  constructor(private readonly clock: () => number) {
    this.windowStart = clock();
  }

  record(ms: number): void {
    this.rotate();
    // Clamped: a record hours old (a backlog after an outage) must not throw out of the range.
    this.current.recordValue(Math.min(MAX_TRACKABLE_MS, Math.max(0, Math.round(ms))));
  }

  percentiles(): Percentiles {
    this.rotate();
    const h = newHistogram();
    h.add(this.previous);
    h.add(this.current);
    if (h.totalCount === 0) return { p50: null, p99: null };
    return { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99) };
  }

  private rotate(): void {
    const now = this.clock();
    if (now - this.windowStart < LATENCY_WINDOW_MS) return;
    this.previous = now - this.windowStart < 2 * LATENCY_WINDOW_MS ? this.current : newHistogram();
    this.current = newHistogram();
    this.windowStart = now;
  }
}

function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_TRACKABLE_MS, numberOfSignificantValueDigits: 2 });
}
