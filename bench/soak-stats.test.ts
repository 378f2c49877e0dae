import { describe, expect, test } from 'bun:test';
import { gaugeValue, histogramBuckets, medianGrowth, quantileBetween, slopePerSecond } from './soak-stats.ts';

const scrape = (counts: number[]) =>
  ['0.1', '0.5', '1', '+Inf'].map((le, i) => `actorstream_event_to_durable_seconds_bucket{le="${le}"} ${counts[i]}`).join('\n');

describe('soak stats', () => {
  test('slope of a line is its rate per second; a flat series has none', () => {
    expect(slopePerSecond([{ atS: 0, value: 100 }, { atS: 10, value: 120 }, { atS: 20, value: 140 }])).toBeCloseTo(2);
    expect(slopePerSecond([{ atS: 0, value: 5 }, { atS: 60, value: 5 }])).toBe(0);
  });

  test('a window quantile counts only what was observed between its two scrapes', () => {
    // Before: 1000 fast samples. Window: 100 samples, 2 of them slower than 0.5 s.
    const before = histogramBuckets(scrape([1000, 1000, 1000, 1000]), 'actorstream_event_to_durable_seconds');
    const after = histogramBuckets(scrape([1050, 1098, 1100, 1100]), 'actorstream_event_to_durable_seconds');
    expect(quantileBetween(before, after, 0.5)).toBe(0.1);
    expect(quantileBetween(before, after, 0.99)).toBe(1);
    expect(quantileBetween(before, before, 0.99)).toBeUndefined();
  });

  test('a quantile past the last finite bound is Infinity', () => {
    const after = histogramBuckets(scrape([0, 0, 0, 10]), 'actorstream_event_to_durable_seconds');
    expect(quantileBetween([], after, 0.99)).toBe(Infinity);
  });

  test('a gauge is read by its label', () => {
    const text = 'actorstream_process_memory_bytes{kind="rss"} 1048576\nactorstream_process_memory_bytes{kind="heap_used"} 2048';
    expect(gaugeValue(text, 'actorstream_process_memory_bytes', 'kind', 'heap_used')).toBe(2048);
    expect(gaugeValue(text, 'actorstream_process_memory_bytes', 'kind', 'external')).toBeUndefined();
  });

  test('growth between the first and last minute is the difference of their medians, whatever one sample swung to', () => {
    // Every 10 s for 20 min: 500 MB rising to 510 MB, with one collection-time spike in each end minute.
    // Medians of samples 0–5 and 115–120 (spikes at 2 and 118 left out): 500 + 3.5/12 and 500 + 118/12.
    const points = Array.from({ length: 121 }, (_, i) => ({ atS: i * 10, value: 500 + i / 12 + (i === 2 || i === 118 ? 40 : 0) }));
    expect(medianGrowth(points, 60)).toBeCloseTo((118 - 3.5) / 12, 9);
    expect(medianGrowth([], 60)).toBeNaN();
  });
});
