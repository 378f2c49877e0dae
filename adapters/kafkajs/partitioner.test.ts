import { describe, expect, test } from 'bun:test';
import { partitionOf } from './partitioner.ts';
import { JAVA_MURMUR2 } from './partitioner-fixtures.ts';


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
