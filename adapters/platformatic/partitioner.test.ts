import { describe, expect, test } from 'bun:test';
import { defaultPartitioner, murmur2 } from '@platformatic/kafka';
import { JAVA_MURMUR2 } from '../kafkajs/partitioner-fixtures.ts';
import { partitionOf as kafkajsPartitionOf } from '../kafkajs/partitioner.ts';
import { partitionOf } from './partitioner.ts';

describe('platformatic partitionOf', () => {
  test('matches the Java client default partitioner for Kafka test vectors', () => {
    for (const [key, hash] of JAVA_MURMUR2) {
      for (const partitions of [1, 3, 6, 12, 100]) expect(partitionOf(key, partitions)).toBe((hash & 0x7fffffff) % partitions);
    }
  });

  test('platformatic murmur2 yields the Java hashes (so only the masking differs from its default partitioner)', () => {
    for (const [key, hash] of JAVA_MURMUR2) expect(murmur2(Buffer.from(key))).toBe(hash);
  });

  test("platformatic's default partitioner would misplace keys with a negative hash (why the sink sets its own)", () => {
    const key = Buffer.from('21'); // murmur2 -973932308: Java puts it on 0 of 6 partitions
    expect(partitionOf('21', 6)).toBe(0);
    expect(defaultPartitioner(undefined as never, key) % 6).toBe(2);
  });

  test('agrees with the kafkajs adapter on many keys', () => {
    for (let i = 0; i < 2000; i++) for (const n of [3, 6, 7]) expect(partitionOf(`key-${i}`, n)).toBe(kafkajsPartitionOf(`key-${i}`, n));
  });

  test('rejects a nonsensical partition count', () => {
    expect(() => partitionOf('k', 0)).toThrow(/positive integer/);
    expect(() => partitionOf('k', 2.5)).toThrow(/positive integer/);
  });
});
