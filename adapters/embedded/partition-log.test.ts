import { describe, expect, test } from 'bun:test';
import { PartitionLog, type NewRecord } from './partition-log.ts';

/** Records of `size`-byte values stamped `timestamp`. */
function records(n: number, timestamp = 1_000, size = 10): NewRecord[] {
  return Array.from({ length: n }, () => ({ key: '', value: 'v'.repeat(size), timestamp }));
}

const keepAll = { maxRecordsPerPartition: Number.MAX_SAFE_INTEGER, maxAgeMs: undefined };

describe('partition log', () => {
  test('offsets count from 0 in append order; append answers the first offset of the call', () => {
    const log = new PartitionLog(keepAll);
    expect(log.append(records(3), 0)).toBe(0);
    expect(log.append(records(2), 0)).toBe(3);
    expect([log.low, log.high]).toEqual([0, 5]);
    expect(log.read(0, Infinity).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
  });

  test('a read is bounded by maxBytes but always holds at least one record', () => {
    const log = new PartitionLog(keepAll);
    log.append([...records(5, 0, 100), ...records(1, 0, 5000), ...records(1, 0, 1)], 0);
    expect(log.read(0, 250).map((r) => r.offset)).toEqual([0, 1]); // 100 + 100; a third would make 300
    expect(log.read(5, 250).map((r) => r.offset)).toEqual([5]); // 5000 bytes alone
    expect(log.read(7, 250)).toEqual([]);
  });

  test('count retention: low advances, later offsets never change, held records never exceed the cap', () => {
    const cap = 100;
    const log = new PartitionLog({ maxRecordsPerPartition: cap, maxAgeMs: undefined });
    let n = 0;
    for (let i = 0; i < 5_000; i++) {
      // 1, 2 or 3 records per append, each value its own offset as text
      log.append(Array.from({ length: 1 + (i % 3) }, () => ({ key: '', value: String(n++), timestamp: 0 })), 0);
      expect(log.high - log.low).toBeLessThanOrEqual(cap);
    }
    expect(log.high).toBe(1666 * 6 + 1 + 2); // 1666 rounds of 1 + 2 + 3, then 1 and 2
    expect(log.low).toBe(9999 - cap);
    const held = log.read(0, Infinity);
    expect(held.map((r) => r.offset)).toEqual(Array.from({ length: cap }, (_, i) => 9899 + i));
    expect(held.map((r) => r.arena.toString('utf8', r.start, r.start + r.valueLength))).toEqual(Array.from({ length: cap }, (_, i) => String(9899 + i)));
  });

  test('memory stays bounded: dropped slots are compacted, so the array never grows past about twice the cap', () => {
    const cap = 2_000;
    const log = new PartitionLog({ maxRecordsPerPartition: cap, maxAgeMs: undefined });
    let peak = 0;
    for (let i = 0; i < 50_000; i++) {
      log.append(records(1), 0);
      peak = Math.max(peak, log.slotsInUse);
    }
    expect(log.high - log.low).toBe(cap);
    expect(peak).toBeLessThanOrEqual(2 * cap + 1);
  });

  test('a read from below low starts at low (records dropped by retention are gone, not an error)', () => {
    const log = new PartitionLog({ maxRecordsPerPartition: 3, maxAgeMs: undefined });
    log.append(records(10), 0);
    expect(log.low).toBe(7);
    expect(log.read(2, Infinity).map((r) => r.offset)).toEqual([7, 8, 9]);
  });

  test('age retention drops records older than maxAgeMs, oldest first, when pruned', () => {
    const log = new PartitionLog({ maxRecordsPerPartition: 1_000, maxAgeMs: 1_000 });
    log.append(records(2, 10_000), 10_000);
    log.append(records(3, 10_500), 10_500);
    expect([log.low, log.high]).toEqual([0, 5]);
    log.prune(11_001); // the first two are 1 001 ms old, the others 501 ms
    expect([log.low, log.high]).toEqual([2, 5]);
    log.append(records(1, 12_000), 12_000); // appending prunes too: the 10 500 ones are 1 500 ms old
    expect([log.low, log.high]).toEqual([5, 6]);
  });

  test('offsetAt: the first held offset stamped at or after the time, else the end', () => {
    const log = new PartitionLog(keepAll);
    log.append(records(2, 100), 0);
    log.append(records(2, 200), 0);
    log.append(records(1, 300), 0);
    expect(log.offsetAt(0)).toBe(0);
    expect(log.offsetAt(150)).toBe(2);
    expect(log.offsetAt(200)).toBe(2);
    expect(log.offsetAt(300)).toBe(4);
    expect(log.offsetAt(301)).toBe(5);
  });
});
