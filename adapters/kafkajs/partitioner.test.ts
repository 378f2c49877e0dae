import { describe, expect, test } from 'bun:test';
import { Partitioners } from 'kafkajs';
import { keyPartitioner, partitionOf } from './partitioner.ts';
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

  test("agrees with kafkajs's own partitioner on random keys of every length, multi-byte UTF-8 included", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const alphabet = ['a', 'Z', '0', '-', '/', 'é', 'ß', '中', '日', '😀', '\u0000', ' '];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      let key = '';
      for (let n = next() % 41; n > 0; n--) key += alphabet[next() % alphabet.length];
      for (const partitions of [1, 6, 7, 64]) {
        const metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
        expect(partitionOf(key, partitions)).toBe(kafkajs({ topic: 't', partitionMetadata: metadata as never, message: { key, value: null } }));
      }
    }
  });

  test("the producer's partitioner: string keys by partitionOf; an explicit partition kept", () => {
    const place = keyPartitioner();
    const metadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 0 }));
    for (const [key] of JAVA_MURMUR2) expect(place({ topic: 't', partitionMetadata: metadata as never, message: { key, value: null } })).toBe(partitionOf(key, 6));
    expect(place({ topic: 't', partitionMetadata: metadata as never, message: { key: 'abc', value: null, partition: 4 } })).toBe(4);
    expect(place({ topic: 't', partitionMetadata: metadata as never, message: { key: Buffer.from('21'), value: null } })).toBe(partitionOf('21', 6));
  });

  test('rejects a nonsensical partition count', () => {
    expect(() => partitionOf('k', 0)).toThrow(/positive integer/);
    expect(() => partitionOf('k', 1.5)).toThrow(/positive integer/);
  });
});
