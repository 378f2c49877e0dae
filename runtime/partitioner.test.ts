import { describe, expect, test } from 'bun:test';
import { partitionOf } from './partitioner.ts';

// murmur2 values from Apache Kafka's own test suite (clients UtilsTest.testMurmur2); the Java
// default partitioner takes (hash & 0x7fffffff) % partitions.
const JAVA_MURMUR2: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

describe('partitionOf', () => {
  test('matches the Java client default partitioner for Kafka test vectors', () => {
    for (const [key, hash] of JAVA_MURMUR2) {
      for (const partitions of [1, 3, 6, 12, 100]) {
        expect(partitionOf(key, partitions)).toBe((hash & 0x7fffffff) % partitions);
      }
    }
  });

  test('is stable and within range', () => {
    for (let i = 0; i < 1000; i++) {
      const p = partitionOf(`u-${i}`, 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
      expect(partitionOf(`u-${i}`, 6)).toBe(p);
    }
  });

  test('rejects a nonsensical partition count', () => {
    expect(() => partitionOf('k', 0)).toThrow(/positive integer/);
    expect(() => partitionOf('k', 1.5)).toThrow(/positive integer/);
  });
});
