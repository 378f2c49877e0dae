import { describe, expect, test } from 'bun:test';
import { IngestReport } from './ingest-report.ts';
import { MAX_LISTED } from './limits.ts';

describe('ingest report', () => {
  test('lists at most MAX_LISTED rejections and duplicates, counts all of them', () => {
    const r = new IngestReport();
    for (let i = 0; i < 10_000; i++) r.reject(i, { code: 'INVALID_ENVELOPE', message: 'not an object' });
    for (let i = 0; i < 500; i++) r.duplicate(i, `e-${i}`);
    const a = r.answer();
    expect(a.rejected).toHaveLength(MAX_LISTED);
    expect(a.rejectedCount).toBe(10_000);
    expect(a.duplicates).toHaveLength(MAX_LISTED);
    expect(a.duplicateCount).toBe(500);
    expect(JSON.stringify(a).length).toBeLessThan(20_000);
  });

  test('echoed ids, paths and messages are clipped, issues capped', () => {
    const r = new IngestReport();
    r.duplicate(0, 'x'.repeat(10_000));
    const issues = Array.from({ length: 50 }, (_, i) => ({ path: `/data/${'p'.repeat(5000)}${i}`, message: 'm'.repeat(5000) }));
    r.reject(1, { code: 'INVALID_DATA', message: 'y'.repeat(10_000), issues });
    const a = r.answer();
    expect(a.duplicates[0]!.id).toBe(`${'x'.repeat(64)}…`);
    expect(a.rejected[0]!.error.message.length).toBeLessThanOrEqual(301);
    expect(a.rejected[0]!.error.issues).toHaveLength(5);
    expect(JSON.stringify(a).length).toBeLessThan(5_000);
  });
});
